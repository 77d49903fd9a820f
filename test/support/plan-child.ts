/** Plans a stack in a child process (see plan-child-main.ts), for tests that compare a plan with another. */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { type Plan } from "../../tools/plan/harness";

const ROOT = join(__dirname, "..", "..");

export function planInChild(stack: string, config: Record<string, unknown>): Plan {
  const result = spawnSync(
    join(ROOT, "node_modules", ".bin", "tsx"),
    [join(__dirname, "plan-child-main.ts"), stack, JSON.stringify(config)],
    { cwd: ROOT, encoding: "utf8", maxBuffer: 64 * 1024 * 1024, timeout: 300_000 },
  );
  if (result.status !== 0) throw new Error(`plan of ${stack} failed: ${result.stderr || String(result.error)}`);
  return JSON.parse(result.stdout) as Plan;
}

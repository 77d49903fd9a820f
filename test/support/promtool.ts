/**
 * The real `promtool` (Debian's `prometheus` package), to check and unit-test the tier's alert rules offline.
 * Installed on first use when missing and running as root (CI starts from a clean machine), under the same host-wide
 * apt lock as the services harness so parallel jest workers do not race apt.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

export const PROMTOOL = "/usr/bin/promtool";

let ready: Promise<string> | undefined;

export function ensurePromtool(): Promise<string> {
  ready ??= (async () => {
    if (existsSync(PROMTOOL)) return PROMTOOL;
    if (process.getuid?.() !== 0) {
      throw new Error(`${PROMTOOL} is missing; install as root: apt-get install -y --no-install-recommends prometheus`);
    }
    const script = "apt-get update -qq && apt-get install -y -qq --no-install-recommends prometheus";
    await execFileAsync("flock", ["/tmp/storyforge-apt.lock", "sh", "-c", script], {
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
      timeout: 600_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    if (!existsSync(PROMTOOL)) throw new Error(`apt-get install prometheus finished but ${PROMTOOL} is still missing`);
    return PROMTOOL;
  })();
  ready.catch(() => (ready = undefined));
  return ready;
}

export interface PromtoolResult {
  code: number;
  output: string;
}

/** Runs promtool with `args` in `cwd`; resolves with its exit code and combined output (never rejects on exit 1). */
export async function promtool(args: string[], cwd: string): Promise<PromtoolResult> {
  const bin = await ensurePromtool();
  try {
    const { stdout, stderr } = await execFileAsync(bin, args, { cwd, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const e = error as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof e.code !== "number") throw error;
    return { code: e.code, output: `${e.stdout ?? ""}${e.stderr ?? ""}` };
  }
}

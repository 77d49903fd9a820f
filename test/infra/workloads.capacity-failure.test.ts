import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "../../tools/plan/harness";
import { PLAN_TIMEOUT_MS } from "../support/plan";

/**
 * `npm run plan` on a stack made too small fails with the numbers that disagree. Runs the CLI in a child process
 * (the program's error ends the Pulumi runtime it runs in), on a copy of Pulumi.mvp.yaml with one override.
 */
function planSmallStack(override: string): { status: number | null; stdout: string; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), "storyforge-small-"));
  try {
    copyFileSync(join(REPO_ROOT, "Pulumi.yaml"), join(dir, "Pulumi.yaml"));
    writeFileSync(
      join(dir, "Pulumi.small.yaml"),
      `${readFileSync(join(REPO_ROOT, "Pulumi.mvp.yaml"), "utf8").trimEnd()}\n  ${override}\n`,
    );
    const run = spawnSync(
      process.execPath,
      [
        join(REPO_ROOT, "node_modules", "tsx", "dist", "cli.mjs"),
        join(REPO_ROOT, "tools", "plan", "cli.ts"),
        "--stack",
        "small",
      ],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, STORYFORGE_STACK_DIR: dir },
        encoding: "utf8",
        timeout: PLAN_TIMEOUT_MS,
      },
    );
    return { status: run.status, stdout: run.stdout, stderr: run.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test(
  "npm run plan fails non-zero on a tier whose API maximum cannot serve its target rate, showing both rates",
  () => {
    const run = planSmallStack("storyforge:targetRps: 100000");
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("tier mvp does not add up");
    expect(run.stderr).toContain(
      "api throughput: 100000 rps × (1 − cdn hit 0.8) = 20000 rps at the origin > 9 pods × 250 rps = 2250 rps",
    );
  },
  PLAN_TIMEOUT_MS,
);

test(
  "npm run plan fails non-zero when PgBouncer cannot take the API's connections, showing both sides",
  () => {
    const run = planSmallStack("storyforge:apiMaxReplicas: 120");
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(
      /pgbouncer clients: api 120 pods × 20 connections \+ worker 10 pods × 8 = 2480 > PgBouncer 2 × max_client_conn 1000 = 2000/,
    );
  },
  PLAN_TIMEOUT_MS,
);

/**
 * `npm run verify` against the real API and worker on the local PostgreSQL, PgBouncer and Redis Cluster, run as
 * the command a person runs: the stack's outputs from a file (what `pulumi stack output --json` prints), the
 * requests sent to the local API instead of the CDN.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "pg";
import { sharedServices } from "./services";
import { appEnv, insertTopic, JWT_SECRET, migrate, ROOT, startApp, unique, type RunningApp } from "./helpers";
import { killWorkers, startWorker, type WorkerProcess } from "./worker-process";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function verify(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", join(ROOT, "tools", "verify", "cli.ts"), ...args],
      { cwd: ROOT, env: { ...process.env, ...env }, timeout: 90_000 },
      (error, stdout, stderr) =>
        resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : -1, stdout, stderr }),
    );
  });
}

describe("npm run verify against the local services", () => {
  const urls = sharedServices();
  let app: RunningApp;
  let worker: WorkerProcess | undefined;
  let admin: Client;
  let dir: string;
  let outputs: string;

  beforeAll(async () => {
    await migrate(urls);
    admin = new Client({ connectionString: urls.primaryUrl });
    await admin.connect();
    const env = appEnv(urls, { QUEUE_PREFIX: `{${unique("verify")}}` });
    app = await startApp(env);
    worker = await startWorker(env);
    await insertTopic(async (text, values) => (await admin.query(text, values)).rows, "Verify");
    dir = mkdtempSync(join(tmpdir(), "storyforge-verify-"));
    outputs = join(dir, "outputs.json");
    writeFileSync(outputs, JSON.stringify({ tier: "v1", cdn: { domainName: "d111111abcdef8.cloudfront.net" } }));
  }, 90_000);

  afterAll(async () => {
    await worker?.stop();
    killWorkers();
    await app?.close();
    await admin?.end();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  test("health, a read, an authenticated write read back and a job to completion: every step ok, exit 0", async () => {
    const run = await verify(["--outputs", outputs, "--url", app.url], { VERIFY_JWT_SECRET: JWT_SECRET });
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: "" });
    const steps = run.stdout.split("\n").filter((l) => /^(ok|FAIL)/.test(l));
    expect(steps.map((l) => l.split(/\s+/).slice(0, 2).join(" "))).toEqual([
      "ok health",
      "ok read",
      "ok write",
      "ok job",
    ]);
    expect(run.stdout).toContain(`verify v1 stack through ${app.url}`);
    expect(run.stdout.trim().split("\n").at(-1)).toBe("verified");
    const jobId = /job ([0-9a-f-]{36}) completed/.exec(run.stdout)?.[1];
    const job = await admin.query(
      "SELECT j.status, s.user_id FROM jobs j JOIN scenes s ON s.id = j.scene_id WHERE j.id = $1",
      [jobId],
    );
    expect(job.rows).toEqual([{ status: "completed", user_id: "storyforge-verify" }]);
  }, 120_000);

  test("fails naming the job step when no worker takes the job within --job-timeout", async () => {
    await worker?.stop();
    worker = undefined;
    const run = await verify(["--outputs", outputs, "--url", app.url, "--job-timeout", "3"], {
      VERIFY_JWT_SECRET: JWT_SECRET,
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^FAIL job .* job [0-9a-f-]{36} is still queued after 3000 ms$/m);
    expect(run.stdout.trim().split("\n").at(-1)).toBe("not verified: job failed");
  }, 120_000);

  test("fails naming the write when the token is signed with another secret, and refuses to run without one", async () => {
    const wrong = await verify(["--outputs", outputs, "--url", app.url], {
      VERIFY_JWT_SECRET: "not-the-api-secret-0123456789-abcdef",
    });
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toMatch(/^FAIL write .* POST \/scenes answered 401, expected 201/m);
    const none = await verify(["--outputs", outputs, "--url", app.url], { VERIFY_JWT_SECRET: "" });
    expect(none).toMatchObject({ code: 1, stderr: expect.stringContaining("set VERIFY_JWT_SECRET") });
  }, 120_000);

  test("--stack without the Pulumi CLI says how to pass the outputs instead; a bad command line exits 2", async () => {
    const run = await verify(["--stack", "v1"], { VERIFY_JWT_SECRET: JWT_SECRET, PATH: "/nonexistent" });
    expect(run).toMatchObject({
      code: 1,
      stderr: expect.stringContaining("pulumi stack output --json --stack v1 > outputs.json"),
    });
    expect((await verify(["--stack", "v1", "--outputs", outputs], {})).code).toBe(2);
  }, 120_000);
});

/**
 * `npm run loadtest` against the real API on the local PostgreSQL, PgBouncer and Redis Cluster: the seeds'
 * profiles, shortened and slowed (same phases and thresholds), run as the command a person runs, in its own
 * process, with progress on stderr, the table on stdout, the SVG chart and the JSON report on disk.
 *
 * Latency here is this machine's (two cores shared by the team), not the tier's: the tests check that every request
 * was answered and that each latency verdict, the table and the exit code agree with the measured figures, never
 * that a shared laptop meets the seeds' p95.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "pg";
import { sharedServices } from "./services";
import { appEnv, insertTopic, JWT_SECRET, migrate, ROOT, startApp, unique, type RunningApp } from "./helpers";

interface Row {
  name: string;
  requests: number;
  p95Ms: number | null;
  errorRatePercent: number;
  thresholds?: { p95Ms?: number; errorRatePercent: number };
  verdicts: Array<{ what: string; held: boolean }>;
}

/** Each row's verdicts are what its own figures say, and the exit code and the table's last line follow them. */
function expectConsistent(run: Run, profile: string, rows: Row[]): void {
  for (const row of rows) {
    if (row.thresholds === undefined) continue;
    const expected =
      row.requests === 0
        ? [{ what: "requests > 0", held: false }]
        : [
            ...(row.thresholds.p95Ms === undefined
              ? []
              : [
                  {
                    what: `p95 < ${row.thresholds.p95Ms} ms`,
                    held: row.p95Ms !== null && row.p95Ms < row.thresholds.p95Ms,
                  },
                ]),
            {
              what: `errors < ${row.thresholds.errorRatePercent} %`,
              held: row.errorRatePercent < row.thresholds.errorRatePercent,
            },
          ];
    expect({ phase: row.name, verdicts: row.verdicts }).toEqual({ phase: row.name, verdicts: expected });
  }
  const passed = rows.every((r) => r.verdicts.every((v) => v.held));
  expect({ code: run.code, last: run.stdout.includes(`${profile}: ${passed ? "PASSED" : "FAILED"}`) }).toEqual({
    code: passed ? 0 : 1,
    last: true,
  });
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function loadtest(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", join(ROOT, "tools", "loadtest", "cli.ts"), ...args],
      { cwd: ROOT, env: { ...process.env, ...env }, timeout: 90_000 },
      (error, stdout, stderr) =>
        resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : -1, stdout, stderr }),
    );
  });
}

describe("npm run loadtest against the local services", () => {
  const urls = sharedServices();
  let app: RunningApp;
  let admin: Client;
  let out: string;

  beforeAll(async () => {
    await migrate(urls);
    admin = new Client({ connectionString: urls.primaryUrl });
    await admin.connect();
    app = await startApp(appEnv(urls, { QUEUE_PREFIX: `{${unique("loadtest")}}` }));
    await insertTopic(async (text, values) => (await admin.query(text, values)).rows, "Load");
    out = mkdtempSync(join(tmpdir(), "storyforge-loadtest-"));
  }, 90_000);

  afterAll(async () => {
    await app?.close();
    await admin?.end();
    if (out !== undefined) rmSync(out, { recursive: true, force: true });
  });

  test("seed 001's three phases (reads, authenticated mixed, queue stress) are answered and judged against their thresholds, with progress, a table and a chart", async () => {
    const run = await loadtest(
      ["--url", app.url, "--profile", "seed-001", "--time-scale", "0.005", "--rate-scale", "0.1", "--out", out],
      { LOADTEST_JWT_SECRET: JWT_SECRET },
    );
    expect(run.stderr).not.toContain("loadtest: ");
    // Progress: one line a second, naming the phase it is in.
    const progress = run.stderr.split("\n").filter((l) => /^\[\s*\d+s\]/.test(l));
    expect(progress.length).toBeGreaterThanOrEqual(5);
    expect(progress.some((l) => l.includes("public-read"))).toBe(true);
    expect(progress.some((l) => l.includes("queue-stress"))).toBe(true);
    expect(run.stdout).toMatch(/^phase\s+requests\s+req\/s\s+p50 ms\s+p95 ms\s+p99 ms\s+errors %\s+thresholds/m);
    expect(run.stdout).toMatch(/^authenticated-mixed .* (ok|FAIL) p95 < 1200 ms, ok errors < 1 %\s*$/m);

    const report = JSON.parse(readFileSync(join(out, "seed-001.json"), "utf8"));
    expect(report.rows.map((r: { name: string }) => r.name)).toEqual([
      "public-read",
      "authenticated-mixed",
      "queue-stress",
      "overall",
    ]);
    // 20 req/s for 3 s, 15 req/s for 3 s, 2 req/s for 2 s (scaled from 200, 150 and 20): the generator kept up.
    expectConsistent(run, "seed-001", report.rows);
    const [read, mixed, queue] = report.rows;
    expect(read.requests).toBeGreaterThanOrEqual(50);
    expect(mixed.requests).toBeGreaterThanOrEqual(38);
    expect(queue.requests).toBeGreaterThanOrEqual(2);
    for (const row of report.rows)
      expect({ phase: row.name, errors: row.errorRatePercent }).toEqual({ phase: row.name, errors: 0 });
    // The writes really happened: scenes by the load test's subject, and queued generation jobs.
    const scenes = await admin.query("SELECT count(*)::int AS n FROM scenes WHERE user_id = 'storyforge-loadtest'");
    expect(scenes.rows[0].n).toBeGreaterThanOrEqual(5 + 10);

    const svg = readFileSync(join(out, "seed-001.svg"), "utf8");
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    const points = (id: string) => (new RegExp(`id="${id}"[^>]*points="([^"]*)"`).exec(svg)?.[1] ?? "").split(" ");
    // One point per second of the run (3 + 3 + 2 s), for throughput and for p95.
    expect(points("throughput")).toHaveLength(8);
    expect(points("p95").length).toBeGreaterThanOrEqual(7);
    expect(svg.match(/class="phase"/g)).toHaveLength(3);
  }, 120_000);

  test("seed 002's ramp is judged on p95 < 100 ms and errors < 1 % per phase and overall", async () => {
    const run = await loadtest(
      ["--url", app.url, "--profile", "seed-002", "--time-scale", "0.02", "--rate-scale", "0.02", "--out", out],
      {},
    );
    const report = JSON.parse(readFileSync(join(out, "seed-002.json"), "utf8"));
    expect(report.rows.map((r: { name: string }) => r.name)).toEqual([
      "ramp-up",
      "sustained",
      "peak",
      "ramp-down",
      "overall",
    ]);
    expect(report.rows.at(-1).verdicts.map((v: { what: string }) => v.what)).toEqual(["p95 < 100 ms", "errors < 1 %"]);
    for (const row of report.rows)
      expect({ phase: row.name, errors: row.errorRatePercent }).toEqual({ phase: row.name, errors: 0 });
    expectConsistent(run, "seed-002", report.rows);
  }, 120_000);

  test("stops with exit code 1 naming the refused call when its token is signed with another secret than the API's", async () => {
    const run = await loadtest(
      ["--url", app.url, "--profile", "seed-001", "--time-scale", "0.002", "--rate-scale", "0.05", "--out", out],
      { LOADTEST_JWT_SECRET: "not-the-api-secret-0123456789-abcdef" },
    );
    // The setup's own writes are refused first: the run stops before it starts, naming the call.
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("loadtest: load test setup: POST /scenes answered 401");
  }, 120_000);
});

// What the bench scripts share: the compiled build they run, child processes, autocannon runs, the data.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import autocannon from "autocannon";
import type { Client } from "pg";
import type { ServiceUrls } from "../test/app/services";
import { appEnv } from "../test/app/helpers";

export const ROOT = join(__dirname, "..");
/** The compiled API, worker and baselines (`tsc`, as the image's code). */
export const OUT = join(ROOT, ".tmp", "bench-dist");
export const DURATION = Number(process.env.BENCH_DURATION_S ?? 10);
export const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);

export const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

/** Compiles the API, the worker and the baselines into OUT. */
export function compile(): void {
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  const tsconfig = join(OUT, "tsconfig.json");
  writeFileSync(
    tsconfig,
    JSON.stringify({
      extends: join(ROOT, "tsconfig.build.json"),
      compilerOptions: { outDir: OUT, rootDir: ROOT },
      include: [
        join(ROOT, "app/**/*.ts"),
        join(ROOT, "worker/**/*.ts"),
        join(ROOT, "bench/bare-express.ts"),
        join(ROOT, "bench/noop-worker.ts"),
      ],
    }),
  );
  execFileSync(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", tsconfig], { stdio: "inherit" });
  cpSync(join(ROOT, "core/migrations"), join(OUT, "core/migrations"), { recursive: true });
}

/** Runs the compiled migrations against the primary. */
export function migrateCompiled(urls: ServiceUrls): void {
  execFileSync(process.execPath, [join(OUT, "app/migrate.js")], {
    env: { ...process.env, DATABASE_MIGRATION_URL: urls.primaryUrl },
    stdio: "ignore",
  });
}

/**
 * The node flags the image runs the API with: those of the Dockerfile's CMD (test/image checks that it is infra's
 * API_COMMAND), so the bench's RSS is the image's.
 */
export function imageApiFlags(): string[] {
  const cmd = /^CMD\s+(\[.*\])\s*$/m.exec(readFileSync(join(ROOT, "Dockerfile"), "utf8"))?.[1];
  if (cmd === undefined) throw new Error("the Dockerfile has no CMD [...] line to take the API's node flags from");
  return (JSON.parse(cmd) as string[]).slice(1, -1);
}

/** The API's and worker's environment for a bench: the tests' one, with seed 001's limits raised. */
export function benchEnv(urls: ServiceUrls, extra: Record<string, string> = {}): Record<string, string> {
  return appEnv(urls, {
    QUEUE_PREFIX: "{storyforge}",
    LOG_LEVEL: "info",
    WORKER_METRICS_PORT: "0",
    SHUTDOWN_DRAIN_MS: "0",
    // the limits of seed 001 would refuse a benchmark from one IP after 120 requests
    RATE_LIMIT_READ_PER_MIN: "10000000",
    RATE_LIMIT_WRITE_PER_MIN: "10000000",
    RATE_LIMIT_SCENE_CREATE_PER_MIN: "10000000",
    ...extra,
  });
}

/** `n` scenes of user `bench` in the topic, each at last_sequence 5; their ids. */
export async function insertScenes(admin: Client, topicId: string, n: number): Promise<string[]> {
  const rows = await admin.query<{ id: string }>(
    `INSERT INTO scenes (topic_id, user_id, title, description, segment_count, last_sequence)
     SELECT $1, 'bench', 'Scene ' || g, 'A benchmark scene about dragons and storms number ' || g, 5, 5
       FROM generate_series(1, $2::int) g RETURNING id`,
    [topicId, n],
  );
  return rows.rows.map((r) => r.id);
}

/** Starts compiled JS (under `out`) as a child, resolved once its stdout matches `ready`. */
export async function start(
  script: string,
  env: Record<string, string>,
  ready: RegExp,
  nodeArgs: string[] = [],
  out = OUT,
): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...nodeArgs, join(out, script)], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise<void>((resolve, reject) => {
    let buf = "";
    const onData = (d: Buffer) => {
      buf = (buf + d.toString()).slice(-4096);
      if (ready.test(buf)) {
        child.stdout?.off("data", onData);
        child.stdout?.resume(); // keep draining (logs go nowhere, their cost stays in the process)
        resolve();
      }
    };
    child.stdout?.on("data", onData);
    child.once("exit", (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  return child;
}

export const stop = (child: ChildProcess) =>
  new Promise<void>((resolve) =>
    child.exitCode !== null ? resolve() : (child.once("exit", () => resolve()), child.kill("SIGTERM")),
  );

export const peakRssMb = (pid: number) =>
  Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) / 1024;

/** CPU seconds a process has used: utime + stime, in clock ticks of 1/100 s. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(stat[11]) + Number(stat[12])) / 100;
}

export interface Run {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  total: number;
}

export async function load(name: string, opts: autocannon.Options): Promise<Run> {
  const r = await autocannon({ connections: CONNECTIONS, duration: DURATION, ...opts });
  return {
    name,
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
    total: r.requests.total,
  };
}

/** The enqueue run's requests: `POST /scenes/:id/segments` round the scenes, as user `bench`. */
export function enqueueRequests(scenes: string[], authorization: string): autocannon.Request[] {
  let i = 0;
  return [
    {
      method: "POST",
      setupRequest: (req) => ({
        ...req,
        path: `/scenes/${scenes[i++ % scenes.length]}/segments`,
        headers: { "content-type": "application/json", authorization },
        body: JSON.stringify({ prompt: "the storm breaks" }),
      }),
    },
  ];
}

export const fmt = (n: number, d = 0) =>
  n.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });

// `npx tsx bench/worker-trips.ts [jobs]`: where a generation job's time goes, as round trips. Queues `jobs`
// accepted jobs (rows in PostgreSQL, BullMQ adds) against the local real services, lets the real worker drain
// them and prints, per job, the statements PgBouncer forwarded and the Redis commands each master ran (BullMQ's
// own scripts are the evalsha lines). Not a test and not the benchmark: it counts, it does not time.
// WORKER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the worker.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { Redis } from "ioredis";
import { Client } from "pg";
import { startServices } from "../test/app/services";
import { appEnv, insertTopic, migrate, waitFor } from "../test/app/helpers";
import { createRedis } from "../core/redis";
import { createGenerationQueue, generationJobId, jobDataOf } from "../core/queue";

const ROOT = join(__dirname, "..");
const JOBS = Number(process.argv[2] ?? 800);

async function pgbouncerStats(url: string): Promise<{ queries: number; xacts: number }> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    const rows = (
      await c.query<{ database: string; total_query_count: string; total_xact_count: string }>("SHOW STATS")
    ).rows;
    const db = rows.find((r) => r.database === "storyforge");
    return { queries: Number(db?.total_query_count ?? 0), xacts: Number(db?.total_xact_count ?? 0) };
  } finally {
    await c.end();
  }
}

async function redisCommands(nodes: Redis[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const node of nodes) {
    const info = await node.info("commandstats");
    for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) out.set(m[1], (out.get(m[1]) ?? 0) + Number(m[2]));
  }
  return out;
}

async function main(): Promise<void> {
  const svc = await startServices({ name: "trips" });
  try {
    const urls = svc.urls();
    await migrate(urls);
    const env = appEnv(urls, {
      QUEUE_PREFIX: "{storyforge}",
      LOG_LEVEL: "info",
      WORKER_METRICS_PORT: "0",
      WORKER_CONCURRENCY: process.env.WORKER_CONCURRENCY ?? "8",
    });
    const admin = new Client({ connectionString: urls.superuserUrl });
    admin.on("error", () => {});
    await admin.connect();
    const topicId = await insertTopic(async (t, v) => (await admin.query(t, v)).rows, "Trips");
    const scenes = (
      await admin.query<{ id: string }>(
        `INSERT INTO scenes (topic_id, user_id, title, description) SELECT $1, 'bench', 'Scene ' || g, 'd'
           FROM generate_series(1, 200) g RETURNING id`,
        [topicId],
      )
    ).rows.map((r) => r.id);
    const perScene = Math.ceil(JOBS / scenes.length);
    const rows = (
      await admin.query<{
        id: string;
        scene_id: string;
        sequence: number;
        user_id: string;
        prompt: string;
        created_at: Date;
      }>(
        `WITH j AS (
           INSERT INTO jobs (id, scene_id, sequence, user_id, prompt)
           SELECT gen_random_uuid(), s.id, q, 'bench', 'the storm breaks' FROM unnest($1::uuid[]) s(id), generate_series(1, $2) q
           RETURNING id, scene_id, sequence, user_id, prompt, created_at
         ), u AS (UPDATE scenes SET last_sequence = $2 WHERE id = ANY($1))
         SELECT * FROM j ORDER BY sequence LIMIT $3`,
        [scenes, perScene, JOBS],
      )
    ).rows;
    const queueRedis = createRedis({
      urls: env.REDIS_URL.split(","),
      cluster: true,
      name: "trips",
      maxRetriesPerRequest: null,
      offlineQueue: true,
    });
    const queue = createGenerationQueue(queueRedis, 3, "{storyforge}");
    await queue.addBulk(
      rows.map((r) => ({
        name: "generate",
        data: jobDataOf(r),
        opts: { jobId: generationJobId(r.scene_id, r.sequence) },
      })),
    );
    const nodes = urls.redisNodes.map(
      (n) => new Redis({ host: n.host, port: n.port, password: urls.redisPassword, lazyConnect: false }),
    );
    const pg0 = await pgbouncerStats(urls.pgbouncerAdminUrl);
    const r0 = await redisCommands(nodes);
    const t0 = Date.now();
    const nodeArgs = (process.env.WORKER_NODE_ARGS ?? "").split(" ").filter((a) => a !== "");
    const child = spawn(process.execPath, [...nodeArgs, "--import", "tsx", join(ROOT, "worker/main.ts")], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let batches = "";
    child.stdout?.on("data", (d: Buffer) => {
      for (const line of d.toString().split("\n")) if (line.includes("group commit")) batches = line;
    });
    await waitFor(
      "drained",
      async () => ((await queue.getJobCounts("completed")).completed ?? 0) >= rows.length,
      600_000,
      100,
    );
    const seconds = (Date.now() - t0) / 1000;
    const pg1 = await pgbouncerStats(urls.pgbouncerAdminUrl);
    const r1 = await redisCommands(nodes);
    await new Promise<void>((resolve) => (child.once("exit", () => resolve()), child.kill("SIGTERM")));
    const done = await admin.query<{ n: string }>(
      "SELECT count(*) AS n FROM jobs WHERE status = 'completed' AND segment_id IS NOT NULL",
    );
    const per = (n: number) => (n / rows.length).toFixed(2);
    const lines = [
      `${rows.length} jobs in ${seconds.toFixed(1)} s (incl. worker start-up); completed rows: ${done.rows[0].n}`,
      `PgBouncer (primary), per job: ${per(pg1.queries - pg0.queries)} statements, ${per(pg1.xacts - pg0.xacts)} transactions`,
      "Redis, per job:",
      ...[...r1.entries()]
        .map(([cmd, n]) => [cmd, n - (r0.get(cmd) ?? 0)] as const)
        .filter(([cmd, n]) => n > 0 && cmd !== "info")
        .sort((a, b) => b[1] - a[1])
        .map(([cmd, n]) => `  ${cmd}: ${per(n)}`),
    ];
    process.stdout.write(`${lines.join("\n")}\n${batches}\n`);
    for (const n of nodes) n.disconnect();
    await queue.close();
    queueRedis.disconnect();
    await admin.end();
  } finally {
    await svc.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);

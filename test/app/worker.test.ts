import type { Cluster } from "ioredis";
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { Client } from "pg";
import { sharedServices } from "./services";
import { ROOT, insertTopic, migrate, unique, waitFor, workerContexts } from "./helpers";
import type { Context } from "../../core/context";
import { generationJobId, type GenerationJobData } from "../../core/queue";
import { JobService } from "../../app/services/jobs";
import { SceneService } from "../../app/services/scenes";
import { createGenerationWorker } from "../../worker/worker";
import { LocalGenerator, sleep, type Generator } from "../../worker/generator";
import { runGeneration } from "../../worker/generation";
import { groupOf } from "../../worker/commit";
import { killWorkers, startWorker as spawnWorker } from "./worker-process";

describe("the generation worker on real PostgreSQL and Redis Cluster", () => {
  const urls = sharedServices();
  let admin: Client;
  const sql = async (text: string, values?: unknown[]) =>
    (await admin.query(text, values)).rows as Array<Record<string, unknown>>;
  const contexts = workerContexts(urls, "w");
  const context = contexts.open;
  let topicId: string;

  const request = async (ctx: Context, prompt = "a prompt") => {
    const scene = await new SceneService(ctx).create("alice", {
      topicId,
      title: unique("scene"),
      description: "",
      tags: [],
      thumbnailUrl: null,
    });
    const { job, delivered } = await new JobService(ctx).enqueue(scene.id, "alice", { prompt });
    await delivered; // the relay's add (core/relay.ts), which the API does not wait for
    return { scene, job };
  };
  const jobRow = async (id: string) =>
    (await sql("SELECT status, attempts, error, segment_id FROM jobs WHERE id = $1", [id]))[0];
  const segments = async (sceneId: string) => sql("SELECT id, sequence FROM segments WHERE scene_id = $1", [sceneId]);
  const sceneRow = async (id: string) =>
    (await sql("SELECT segment_count, total_duration_ms FROM scenes WHERE id = $1", [id]))[0];

  beforeAll(async () => {
    await migrate(urls);
    admin = new Client({ connectionString: urls.primaryUrl });
    await admin.connect();
    topicId = await insertTopic(sql, "Worker");
  }, 90_000);

  afterAll(async () => {
    await contexts.close();
    await admin?.end();
  });

  test("a job writes its segment and the scene's counters, and completes", async () => {
    const { ctx } = await context();
    const w = createGenerationWorker(ctx, new LocalGenerator(0));
    try {
      const { scene, job } = await request(ctx);
      await waitFor("completed", async () => (await jobRow(job.id))?.status === "completed");
      const segs = await segments(scene.id);
      expect(segs).toHaveLength(1);
      expect((await jobRow(job.id))?.segment_id).toBe(segs[0]?.id);
      const row = await sceneRow(scene.id);
      expect(row?.segment_count).toBe(1);
      expect(Number(row?.total_duration_ms)).toBeGreaterThanOrEqual(2000);
    } finally {
      await w.close(1_000);
    }
  });

  test("the BullMQ job id is deterministic per (scene, sequence) and all its keys share the {prefix} hash slot", async () => {
    const { ctx, env } = await context();
    const { scene } = await request(ctx);
    const job = await ctx.queue.getJob(generationJobId(scene.id, 1));
    expect(job?.data.sequence).toBe(1);
    expect(generationJobId(scene.id, 1)).not.toContain(":");
    // enqueueing the same (scene, sequence) again adds nothing
    await (
      await new JobService(ctx).enqueue(scene.id, "alice", { prompt: "a prompt", sequence: 1 })
    ).delivered;
    expect((await ctx.queue.getJobCounts("waiting")).waiting).toBe(1);
    const keys: string[] = [];
    const nodes = (ctx.redis as Cluster).nodes("master");
    for (const node of nodes) keys.push(...(await node.keys(`${env.QUEUE_PREFIX}*`)));
    expect(keys.length).toBeGreaterThan(0);
    const slots = new Set(
      await Promise.all(keys.map(async (k) => (await nodes[0].call("CLUSTER", "KEYSLOT", k)) as number)),
    );
    expect(slots.size).toBe(1);
  });

  test("replaying a job that already wrote its segment changes nothing (exactly once on (scene, sequence))", async () => {
    const { ctx } = await context();
    const { scene, job } = await request(ctx);
    const data = (await ctx.queue.getJob(generationJobId(scene.id, 1)))?.data as GenerationJobData;
    const gen = new LocalGenerator(0);
    const first = await runGeneration(ctx, gen, data, new AbortController().signal);
    const second = await runGeneration(ctx, gen, data, new AbortController().signal);
    expect(first.inserted).toBe(true);
    expect(second).toEqual({ segmentId: first.segmentId, inserted: false });
    expect(await segments(scene.id)).toHaveLength(1);
    expect((await sceneRow(scene.id))?.segment_count).toBe(1);
    expect((await jobRow(job.id))?.status).toBe("completed");
  });

  test("a second delivery of a completed job neither generates again nor writes again", async () => {
    const { ctx } = await context();
    const { scene, job } = await request(ctx);
    const data = (await ctx.queue.getJob(generationJobId(scene.id, 1)))?.data as GenerationJobData;
    let calls = 0;
    const counting: Generator = { name: "counting", generate: (i) => (calls++, new LocalGenerator(0).generate(i)) };
    const first = await runGeneration(ctx, counting, data, new AbortController().signal);
    const second = await runGeneration(ctx, counting, data, new AbortController().signal);
    expect(calls).toBe(1);
    expect(second).toEqual({ segmentId: first.segmentId, inserted: false });
    expect((await jobRow(job.id))?.attempts).toBe(1);
  });

  test("concurrent jobs are written as one batch: counters summed per scene, and one bad job fails alone", async () => {
    const { ctx } = await context();
    const scenes = new SceneService(ctx);
    const jobs = new JobService(ctx);
    const mk = () =>
      scenes.create("alice", { topicId, title: unique("batch"), description: "", tags: [], thumbnailUrl: null });
    const [a, b] = [await mk(), await mk()];
    const enqueued = [
      await jobs.enqueue(a.id, "alice", { prompt: "one" }),
      await jobs.enqueue(a.id, "alice", { prompt: "two" }),
      await jobs.enqueue(a.id, "alice", { prompt: "three" }),
      await jobs.enqueue(b.id, "alice", { prompt: "four" }),
    ];
    await Promise.all(enqueued.map((r) => r.delivered));
    const queued = enqueued.map((r) => r.job);
    const data = await Promise.all(
      queued.map(
        async (j) => (await ctx.queue.getJob(generationJobId(j.sceneId, j.sequence)))?.data as GenerationJobData,
      ),
    );
    // malformed job data (not a uuid) makes the batch statement fail; it is re-run job by job
    const bad: GenerationJobData = { ...data[3], jobRowId: "not-a-uuid" };
    const gen = new LocalGenerator(0);
    const signal = new AbortController().signal;
    const results = await Promise.allSettled([...data, bad].map((d) => runGeneration(ctx, gen, d, signal)));
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "fulfilled", "fulfilled", "fulfilled", "rejected"]);
    const { starts, writes } = groupOf(ctx).sizes;
    expect(starts[0]).toBe(5); // all five started in one statement (which failed, then ran one by one)
    expect(Math.max(...writes)).toBeGreaterThan(1);
    for (const j of queued) expect((await jobRow(j.id))?.status).toBe("completed");
    expect((await sceneRow(a.id))?.segment_count).toBe(3);
    expect((await sceneRow(b.id))?.segment_count).toBe(1);
    const total = await sql("SELECT sum(duration_ms)::int AS d FROM segments WHERE scene_id = $1", [a.id]);
    expect(Number((await sceneRow(a.id))?.total_duration_ms)).toBe(total[0]?.d);
    // the cache holds what the primary says: the scene with its three segments, each job completed
    expect(JSON.parse((await ctx.redis.get(`cache:scene:${a.id}`)) ?? "{}")).toMatchObject({ segmentCount: 3 });
    for (const j of queued)
      expect(JSON.parse((await ctx.redis.get(`cache:job:${j.id}:status`)) ?? "{}")).toMatchObject({
        status: "completed",
      });
  });

  test("a failing attempt is retried with backoff and the job then completes", async () => {
    const { ctx } = await context();
    let calls = 0;
    const flaky: Generator = {
      name: "flaky",
      async generate(input) {
        calls++;
        if (calls === 1) throw new Error("model overloaded");
        return new LocalGenerator(0).generate(input);
      },
    };
    const w = createGenerationWorker(ctx, flaky);
    try {
      const { scene, job } = await request(ctx);
      await waitFor("completed", async () => (await jobRow(job.id))?.status === "completed");
      expect(calls).toBe(2);
      expect((await jobRow(job.id))?.attempts).toBe(2);
      expect(await segments(scene.id)).toHaveLength(1);
    } finally {
      await w.close(1_000);
    }
  });

  test("a job that outlives JOB_TIMEOUT_MS fails its attempt; after the last attempt it is marked failed", async () => {
    const { ctx } = await context({ JOB_TIMEOUT_MS: "200", JOB_ATTEMPTS: "2" });
    const slow: Generator = {
      name: "slow",
      generate: async (input) => (await sleep(10_000, input.signal), { uri: "x", durationMs: 1 }),
    };
    const w = createGenerationWorker(ctx, slow);
    try {
      const { scene, job } = await request(ctx);
      await waitFor("failed", async () => (await jobRow(job.id))?.status === "failed", 15_000);
      const row = await jobRow(job.id);
      expect(row?.attempts).toBe(2);
      expect(String(row?.error)).toMatch(/timed out after 200 ms/);
      expect(await segments(scene.id)).toHaveLength(0);
    } finally {
      await w.close(1_000);
    }
  });

  test("partition maintenance keeps this month and the next N partitioned, idempotently", async () => {
    const { ctx } = await context({ PARTITION_MONTHS_AHEAD: "6" });
    const w = createGenerationWorker(ctx, new LocalGenerator(0), { autorun: false });
    try {
      const names = await w.maintain();
      await w.maintain();
      expect(names).toHaveLength(14);
      const rows = await sql(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname IN ('segments', 'jobs')",
      );
      const existing = new Set(rows.map((r) => String(r.relname)));
      for (const n of names) expect(existing).toContain(n);
      const now = new Date();
      const sixAhead = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 6, 1));
      expect(existing).toContain(
        `segments_${sixAhead.getUTCFullYear()}_${String(sixAhead.getUTCMonth() + 1).padStart(2, "0")}`,
      );
    } finally {
      await w.close(1_000);
    }
  });

  describe("worker processes", () => {
    const children: ChildProcess[] = [];
    const startWorker = (env: Record<string, string>): ChildProcess => {
      const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "worker", "main.ts")], {
        cwd: ROOT,
        env: { ...process.env, ...env, WORKER_METRICS_PORT: "0", LOG_LEVEL: "info" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      children.push(child);
      return child;
    };
    const exited = (child: ChildProcess) =>
      new Promise<number | null>((resolve) =>
        child.exitCode !== null ? resolve(child.exitCode) : child.once("exit", (code) => resolve(code)),
      );
    afterAll(() => {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    });

    test("the worker's ops port serves liveness, readiness, metrics and the API's 404 body", async () => {
      const { env } = await context();
      const w = await spawnWorker(env);
      try {
        expect(await w.get("/health/live")).toMatchObject({ status: 200, json: { status: "ok" } });
        await waitFor("ready", async () => (await w.get("/health/ready")).status === 200, 10_000);
        const metrics = await w.get("/metrics");
        expect(metrics.status).toBe(200);
        expect(metrics.text).toMatch(/^db_pool_connections\{pool="primary",state="total"\} /m);
        const missing = await w.get("/nope");
        expect(missing).toMatchObject({
          status: 404,
          json: { error: { code: "not_found", message: "no such endpoint" } },
        });
      } finally {
        expect((await w.stop()).code).toBe(0);
        killWorkers();
      }
    });

    test("a worker SIGKILLed mid-job: the job is retried by the next worker and its segment is written exactly once", async () => {
      const { ctx, env } = await context({ JOB_LOCK_MS: "1000" });
      const { scene, job } = await request(ctx);
      const doomed = startWorker({ ...env, GENERATOR_DELAY_MS: "60000" });
      await waitFor("job active in the first worker", async () => (await jobRow(job.id))?.status === "active", 20_000);
      doomed.kill("SIGKILL");
      await exited(doomed);
      const next = startWorker({ ...env, GENERATOR_DELAY_MS: "0" });
      await waitFor(
        "job completed by the second worker",
        async () => (await jobRow(job.id))?.status === "completed",
        30_000,
      );
      expect(await segments(scene.id)).toHaveLength(1);
      expect((await sceneRow(scene.id))?.segment_count).toBe(1);
      // BullMQ records the completion after the processor's database write: wait for it, do not race it
      await waitFor(
        "BullMQ job finished",
        async () => (await ctx.queue.getJob(generationJobId(scene.id, 1)))?.finishedOn !== undefined,
      );
      next.kill("SIGTERM");
      expect(await exited(next)).toBe(0);
    }, 60_000);

    test("SIGTERM returns a job it cannot finish in time to the queue and exits 0", async () => {
      const { ctx, env } = await context();
      const { job, scene } = await request(ctx);
      const w = startWorker({ ...env, GENERATOR_DELAY_MS: "60000", SHUTDOWN_TIMEOUT_MS: "3000" });
      await waitFor("job active", async () => (await jobRow(job.id))?.status === "active", 20_000);
      const t0 = Date.now();
      w.kill("SIGTERM");
      expect(await exited(w)).toBe(0);
      expect(Date.now() - t0).toBeLessThan(8_000);
      const state = await ctx.queue.getJobState(generationJobId(scene.id, 1));
      expect(state).toBe("waiting");
      expect(await segments(scene.id)).toHaveLength(0);
    }, 40_000);
  });
});

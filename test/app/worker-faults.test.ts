import { startServices, type Services } from "./services";
import { appEnv, call, insertTopic, migrate, startApp, token, unique, waitFor, type RunningApp } from "./helpers";
import { GENERATOR_PATH, PROMPTS } from "./fixtures/generators";
import { killWorkers, pollReadiness, startWorker, type ReadinessSample, type WorkerProcess } from "./worker-process";
import { createContext, type Context } from "../../core/context";
import { loadConfig } from "../../core/config";
import { createLogger } from "../../core/logger";
import { JobService } from "../../app/services/jobs";
import { SceneService } from "../../app/services/scenes";
import { generationJobId } from "../../core/queue";
import { QueueRelay } from "../../core/relay";

/**
 * The worker process under Redis faults, on its own services instance (these tests stop, freeze and restart
 * Redis nodes). "Can take jobs" is proven the only way that counts: a job enqueued now completes.
 */
describe("worker faults: Redis nodes frozen, stopped and restarted", () => {
  let svc: Services;
  let api: Context;
  let env: Record<string, string>;
  let topicId: string;
  let worker: WorkerProcess;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const prefix = `{${unique("wf")}}`;

  const jobStatus = async (id: string) =>
    (await svc.sql<{ status: string }>("SELECT status FROM jobs WHERE id = $1", [id]))[0]?.status;

  const newScene = () =>
    new SceneService(api).create("alice", {
      topicId,
      title: unique("scene"),
      description: "",
      tags: [],
      thumbnailUrl: null,
    });

  /** Enqueues one job on a fresh scene (retrying the 503 while Redis settles) and waits for it to complete. */
  const jobCompletes = async (withinMs = 20_000): Promise<void> => {
    const scene = await new SceneService(api).create("alice", {
      topicId,
      title: unique("probe"),
      description: "",
      tags: [],
      thumbnailUrl: null,
    });
    const id = await waitFor(
      "enqueue accepted",
      async () =>
        (await new JobService(api).enqueue(scene.id, "alice", { prompt: "p", sequence: 1 }).catch(() => null))?.job.id,
      20_000,
      250,
    );
    await waitFor(`job ${id} completed`, async () => (await jobStatus(id)) === "completed", withinMs, 100);
  };

  const queueNode = () => svc.redisNodeOf(`${prefix}:generation:wait`);
  /**
   * Runs `down`, waits `downMs`, runs `up`, polling readiness all along; returns the answers to the probes
   * that started while Redis was certainly unusable (after `down` returned, at least 1 s before `up` was called,
   * 1 s being the readiness check's own timeout), which must all be 503.
   */
  const readinessWhileDown = async (
    down: () => Promise<void> | void,
    downMs: number,
    up: () => Promise<void>,
  ): Promise<ReadinessSample[]> => {
    const poll = pollReadiness(worker);
    await down();
    const downAt = Date.now();
    await sleep(downMs);
    const upAt = Date.now();
    await up();
    const samples = (await poll.stop()).filter((s) => s.at >= downAt && s.at <= upAt - 1_000);
    expect(samples.length).toBeGreaterThanOrEqual(2); // the window really was probed
    return samples;
  };
  const statuses = (samples: ReadinessSample[]) => [...new Set(samples.map((s) => s.status))];

  beforeAll(async () => {
    svc = await startServices({ name: "worker-faults" });
    await migrate(svc.urls());
    env = appEnv(svc.urls(), {
      QUEUE_PREFIX: prefix,
      JOB_BACKOFF_MIN_MS: "100",
      JOB_BACKOFF_MAX_MS: "200",
      SHUTDOWN_TIMEOUT_MS: "5000",
      JOB_REQUEUE_AFTER_MS: "1000",
      JOB_REQUEUE_INTERVAL_MS: "500",
    });
    api = await createContext(loadConfig(env, "api"), {
      subscribe: false,
      defaultMetrics: false,
      logger: createLogger("error"),
    });
    topicId = await insertTopic(async (t, v) => svc.sql(t, v), "Worker faults");
  }, 120_000);

  beforeEach(async () => {
    worker = await startWorker(env);
    await waitFor("worker ready", async () => (await worker.get("/health/ready")).status === 200, 20_000);
    await jobCompletes();
  }, 60_000);

  afterEach(async () => {
    if (worker.child.exitCode === null) await worker.stop();
  }, 30_000);

  afterAll(async () => {
    killWorkers();
    await api?.close();
    await svc?.stop();
  }, 60_000);

  /** The requeue pass delivered the job and it completed exactly once: one attempt, one segment on its scene. */
  const requeuedOnce = async (jobId: string) => {
    await waitFor("requeued and completed", async () => (await jobStatus(jobId)) === "completed", 20_000, 200);
    const rows = await svc.sql<{ attempts: number; segment_count: number }>(
      "SELECT j.attempts, s.segment_count FROM jobs j JOIN scenes s ON s.id = j.scene_id WHERE j.id = $1",
      [jobId],
    );
    expect(rows).toEqual([{ attempts: 1, segment_count: 1 }]);
  };

  test("a master frozen for 8 s (sockets open, no answers): readiness is 503 throughout, and the worker takes jobs again once it thaws", async () => {
    const node = await queueNode();
    const samples = await readinessWhileDown(
      () => svc.freezeRedisNode(node),
      8_000,
      () => svc.thawRedisNode(node),
    );
    expect(statuses(samples)).toEqual([503]);
    await jobCompletes();
    await waitFor("ready again", async () => (await worker.get("/health/ready")).status === 200, 10_000);
  }, 90_000);

  test("a master other than the queue's frozen for 8 s: the same (the cluster is down for every slot)", async () => {
    const node = ((await queueNode()) + 1) % svc.redisNodes.length;
    const samples = await readinessWhileDown(
      () => svc.freezeRedisNode(node),
      8_000,
      () => svc.thawRedisNode(node),
    );
    expect(statuses(samples)).toEqual([503]);
    await jobCompletes();
  }, 90_000);

  test("every Redis node restarted: readiness is 503 while they are down, and jobs run again after", async () => {
    const samples = await readinessWhileDown(
      () => svc.stopRedis(),
      4_000,
      () => svc.startRedis(),
    );
    expect(statuses(samples)).toEqual([503]);
    await jobCompletes();
  }, 90_000);

  test("the queue's master stopped and started: readiness is 503 while it is away, and jobs run again after", async () => {
    const node = await queueNode();
    const samples = await readinessWhileDown(
      () => svc.stopRedisNode(node),
      4_000,
      () => svc.startRedisNode(node),
    );
    expect(statuses(samples)).toEqual([503]);
    await jobCompletes();
  }, 90_000);

  test("an accepted job whose BullMQ job is gone is requeued from its PostgreSQL row and completes exactly once", async () => {
    const scene = await new SceneService(api).create("alice", {
      topicId,
      title: unique("lost"),
      description: "",
      tags: [],
      thumbnailUrl: null,
    });
    // no worker takes it while we take it away
    await worker.stop();
    const { job, delivered } = await new JobService(api).enqueue(scene.id, "alice", { prompt: "lost" });
    await delivered;
    // what a failed add or a Redis that lost its data leaves: the row, and nothing in BullMQ
    await api.queue.remove(generationJobId(scene.id, 1));
    expect(await api.queue.getJobState(generationJobId(scene.id, 1))).toBe("unknown");
    worker = await startWorker(env);
    await requeuedOnce(job.id);
    expect(await svc.sql("SELECT id FROM segments WHERE scene_id = $1", [scene.id])).toHaveLength(1);
    expect((await worker.get("/metrics")).text).toMatch(/^jobs_requeued_total [1-9]/m);
  }, 60_000);

  test("a job the API's relay never sent to BullMQ (the process died with it queued) is delivered by the requeue pass and completes exactly once", async () => {
    const scene = await newScene();
    await worker.stop();
    // a closed relay drops what it is handed, as an API that crashed loses the rows it had not sent yet
    const lost = new QueueRelay(api.queue, api.logger, api.metrics);
    await lost.drain();
    const { job, created } = await new JobService({ ...api, relay: lost }).enqueue(scene.id, "alice", {
      prompt: "never relayed",
    });
    expect(created).toBe(true);
    expect(await jobStatus(job.id)).toBe("queued");
    expect(await api.queue.getJobState(generationJobId(scene.id, 1))).toBe("unknown");
    worker = await startWorker(env);
    await requeuedOnce(job.id);
  }, 60_000);

  test("an enqueue while Redis is down is accepted (202, a job id) and runs exactly once when Redis is back", async () => {
    const scene = await new SceneService(api).create("alice", {
      topicId,
      title: unique("outage"),
      description: "",
      tags: [],
      thumbnailUrl: null,
    });
    await svc.stopRedis();
    let jobId: string;
    try {
      const t0 = Date.now();
      const { job, created } = await new JobService(api).enqueue(scene.id, "alice", { prompt: "during the outage" });
      jobId = job.id;
      expect(created).toBe(true);
      expect(Date.now() - t0).toBeLessThan(3_000);
      expect(await jobStatus(jobId)).toBe("queued");
    } finally {
      await svc.startRedis(); // empty: nothing persists, so the job is in PostgreSQL only
    }
    await waitFor("requeued and completed", async () => (await jobStatus(jobId)) === "completed", 30_000, 200);
    const segs = await svc.sql("SELECT id FROM segments WHERE scene_id = $1", [scene.id]);
    expect(segs).toHaveLength(1);
  }, 90_000);

  test("a final failure reads as failed at once, even from a replica that has not replayed it", async () => {
    await worker.stop();
    const scene = await newScene();
    const { job } = await new JobService(api).enqueue(scene.id, "alice", { prompt: PROMPTS.zero });
    await svc.waitForReplica();
    await svc.pauseReplicaReplay();
    try {
      worker = await startWorker({ ...env, GENERATOR: GENERATOR_PATH });
      await waitFor("failed on the primary", async () => (await jobStatus(job.id)) === "failed", 20_000, 100);
      // what GET /jobs/:id answers: the cache, else the (stale) replica
      const shown = await waitFor("a status", () => new JobService(api).get(job.id, "replica"), 5_000);
      expect(JSON.parse(shown)).toMatchObject({ status: "failed", attempts: 1 });
    } finally {
      await svc.resumeReplicaReplay();
    }
  }, 60_000);

  test("the worker's readiness is 503 while PgBouncer is down, 200 again after", async () => {
    await svc.stopPgBouncer();
    try {
      const ready = await waitFor(
        "503",
        async () => {
          const r = await worker.get("/health/ready");
          return r.status === 503 ? r : undefined;
        },
        10_000,
      );
      expect(ready.json.checks.database).toBe("unreachable");
    } finally {
      await svc.startPgBouncer();
    }
    await waitFor("ready again", async () => (await worker.get("/health/ready")).status === 200, 20_000, 250);
  }, 60_000);

  describe("the API with one master down", () => {
    let app: RunningApp;
    const alice = token("alice");
    let scenes: string[] = [];

    beforeEach(async () => {
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) ids.push((await newScene()).id);
      scenes = ids;
      await svc.waitForReplica();
      // a fresh instance: nothing in its in-process cache
      app = await startApp({ ...env, TRUST_PROXY: "true" });
    });
    afterEach(async () => {
      await app.close();
    });

    test("readiness reports Redis degraded during CLUSTERDOWN (it asks every master, not one PING)", async () => {
      const node = ((await queueNode()) + 1) % svc.redisNodes.length;
      await svc.stopRedisNode(node);
      try {
        // cluster-node-timeout is 2 s: after it the live masters answer CLUSTERDOWN too
        await sleep(3_000);
        const ready = await call(app.url, "/health/ready");
        expect(ready.status).toBe(200); // Redis is optional for the API
        expect(ready.json).toMatchObject({ status: "degraded", checks: { database: "ok", redis: "degraded" } });
      } finally {
        await svc.startRedisNode(node);
      }
    }, 60_000);

    test("reads and an enqueue answer within the Redis command timeout's reach, and /internal/queue-depth is 503", async () => {
      const node = await queueNode();
      await svc.stopRedisNode(node);
      try {
        await sleep(3_000); // CLUSTERDOWN everywhere
        const timed = async (path: string, init: Parameters<typeof call>[2] = {}) => {
          const t0 = Date.now();
          const r = await call(app.url, path, init);
          return { status: r.status, ms: Date.now() - t0, json: r.json };
        };
        const reads = [];
        for (const id of scenes)
          reads.push(await timed(`/scenes/${id}`, { headers: { "x-forwarded-for": unique("ip") } }));
        expect(reads.map((r) => r.status)).toEqual([200, 200, 200]);
        // the slowest read paid for a rate-limit call and a cache read against a down cluster: 2 x ~250 ms
        expect(Math.max(...reads.map((r) => r.ms))).toBeLessThan(1_500);
        const enqueue = await timed(`/scenes/${scenes[0]}/segments`, {
          method: "POST",
          token: alice,
          body: { prompt: "during CLUSTERDOWN" },
        });
        expect(enqueue.status).toBe(202);
        expect(enqueue.ms).toBeLessThan(2_500);
        const depth = await timed("/internal/queue-depth");
        expect(depth).toMatchObject({ status: 503, json: { error: { code: "unavailable" } } });
      } finally {
        await svc.startRedisNode(node);
      }
    }, 60_000);
  });

  test("SIGTERM during a Redis outage exits 0 within the shutdown budget, without the forced exit", async () => {
    await svc.stopRedis();
    try {
      await sleep(1_000);
      const { code, ms } = await worker.stop();
      expect(code).toBe(0);
      // SHUTDOWN_TIMEOUT_MS=5000; the forced exit would come at 10 s with code 1
      expect(ms).toBeLessThan(6_000);
      expect(worker.output()).not.toMatch(/did not stop in time/);
    } finally {
      await svc.startRedis();
    }
  }, 60_000);
});

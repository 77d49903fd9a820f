import { startServices, type Services } from "./services";
import { appEnv, insertTopic, migrate, unique, waitFor } from "./helpers";
import { killWorkers, pollReadiness, startWorker, type ReadinessSample, type WorkerProcess } from "./worker-process";
import { createContext, type Context } from "../../core/context";
import { loadConfig } from "../../core/config";
import { createLogger } from "../../core/logger";
import { JobService } from "../../app/services/jobs";
import { SceneService } from "../../app/services/scenes";
import { generationJobId } from "../../core/queue";

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
    const { job } = await new JobService(api).enqueue(scene.id, "alice", { prompt: "lost" });
    // what a failed add or a Redis that lost its data leaves: the row, and nothing in BullMQ
    await api.queue.remove(generationJobId(scene.id, 1));
    expect(await api.queue.getJobState(generationJobId(scene.id, 1))).toBe("unknown");
    worker = await startWorker(env);
    await waitFor("requeued and completed", async () => (await jobStatus(job.id)) === "completed", 20_000, 200);
    const rows = await svc.sql<{ attempts: number; segment_count: number }>(
      "SELECT j.attempts, s.segment_count FROM jobs j JOIN scenes s ON s.id = j.scene_id WHERE j.id = $1",
      [job.id],
    );
    expect(rows).toEqual([{ attempts: 1, segment_count: 1 }]);
    expect(await svc.sql("SELECT id FROM segments WHERE scene_id = $1", [scene.id])).toHaveLength(1);
    expect((await worker.get("/metrics")).text).toMatch(/^jobs_requeued_total [1-9]/m);
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

import { startServices, type Services } from "./services";
import { appEnv, insertTopic, migrate, unique, waitFor } from "./helpers";
import { killWorkers, pollReadiness, startWorker, type ReadinessSample, type WorkerProcess } from "./worker-process";
import { createContext, type Context } from "../../core/context";
import { loadConfig } from "../../core/config";
import { createLogger } from "../../core/logger";
import { JobService } from "../../app/services/jobs";
import { SceneService } from "../../app/services/scenes";

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

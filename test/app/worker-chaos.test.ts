import { startServices, type Services } from "./services";
import { appEnv, call, insertTopic, migrate, startApp, token, unique, waitFor, type RunningApp } from "./helpers";
import { GENERATOR_PATH } from "./fixtures/generators";
import { killWorkers, pollReadiness, startWorker, type ReadinessSample, type WorkerProcess } from "./worker-process";

/**
 * Issue 14's done-when, on its own services: jobs are enqueued through the API without pause while every Redis
 * node is restarted three times (and, in the second test, while Redis loses all its data twice). Afterwards
 * PostgreSQL must show every accepted (202) job completed exactly once, and nothing for a request that was not
 * accepted; and neither worker's readiness may have said 200 while Redis was down.
 */
describe("chaos: Redis restarted and flushed under load", () => {
  let svc: Services;
  let app: RunningApp;
  let env: Record<string, string>;
  let topicId: string;
  let workers: WorkerProcess[] = [];
  const alice = token("alice");
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  interface Load {
    accepted: Array<{ jobId: string; sceneId: string; sequence: number }>;
    refused: number[];
    unknown: string[];
    stop(): Promise<void>;
  }

  /** Four clients, each enqueueing the next segment of its own scenes as fast as it is answered. */
  const startLoad = async (scenes: string[], prompt: string): Promise<Load> => {
    const load: Omit<Load, "stop"> = { accepted: [], refused: [], unknown: [] };
    let running = true;
    const client = async (mine: string[]) => {
      for (let i = 0; running; i++) {
        const sceneId = mine[i % mine.length];
        try {
          const r = await call(app.url, `/scenes/${sceneId}/segments`, {
            method: "POST",
            token: alice,
            body: { prompt },
          });
          if (r.status === 202) load.accepted.push({ jobId: r.json.jobId, sceneId, sequence: r.json.sequence });
          else load.refused.push(r.status);
        } catch (err) {
          load.unknown.push(String(err));
        }
        await sleep(20);
      }
    };
    const clients = [0, 1, 2, 3].map((k) => client(scenes.filter((_, i) => i % 4 === k)));
    return {
      ...load,
      async stop() {
        running = false;
        await Promise.all(clients);
      },
    };
  };

  const newScenes = async (n: number) => {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const r = await call(app.url, "/scenes", { method: "POST", token: alice, body: { topicId, title: unique("c") } });
      ids.push(r.json.id);
    }
    return ids;
  };

  /** Every accepted job completed, one segment per accepted (scene, sequence), nothing else, counters right. */
  const expectExactlyOnce = async (load: Load, scenes: string[]) => {
    expect(load.unknown).toEqual([]);
    expect(load.refused.filter((s) => s !== 503)).toEqual([]); // a refusal is only ever "nothing accepted"
    const ids = load.accepted.map((a) => a.jobId);
    await waitFor(
      "every accepted job completed",
      async () =>
        Number(
          (await svc.sql("SELECT count(*) AS n FROM jobs WHERE id = ANY($1) AND status = 'completed'", [ids]))[0].n,
        ) === ids.length,
      90_000,
      500,
    );
    const jobs = await svc.sql<{ id: string; scene_id: string; sequence: number }>(
      "SELECT id, scene_id, sequence FROM jobs WHERE scene_id = ANY($1)",
      [scenes],
    );
    expect(jobs.map((j) => j.id).sort()).toEqual([...ids].sort()); // no row for a request that was refused
    const segments = await svc.sql<{ scene_id: string; sequence: number; n: string }>(
      "SELECT scene_id, sequence, count(*) AS n FROM segments WHERE scene_id = ANY($1) GROUP BY 1, 2",
      [scenes],
    );
    const key = (s: { scene_id?: string; sceneId?: string; sequence: number }) =>
      `${s.scene_id ?? s.sceneId}/${s.sequence}`;
    expect(segments.map(key).sort()).toEqual(load.accepted.map(key).sort());
    expect(segments.filter((s) => Number(s.n) !== 1)).toEqual([]);
    const counters = await svc.sql<{ id: string; segment_count: number; n: string }>(
      `SELECT s.id, s.segment_count, (SELECT count(*) FROM segments g WHERE g.scene_id = s.id) AS n
         FROM scenes s WHERE s.id = ANY($1)`,
      [scenes],
    );
    expect(counters.filter((c) => c.segment_count !== Number(c.n))).toEqual([]);
  };

  beforeAll(async () => {
    svc = await startServices({ name: "worker-chaos" });
    await migrate(svc.urls());
    env = appEnv(svc.urls(), {
      QUEUE_PREFIX: `{${unique("chaos")}}`,
      JOB_BACKOFF_MIN_MS: "100",
      JOB_BACKOFF_MAX_MS: "500",
      JOB_TIMEOUT_MS: "3000",
      JOB_REQUEUE_AFTER_MS: "1000",
      JOB_REQUEUE_INTERVAL_MS: "500",
      SHUTDOWN_TIMEOUT_MS: "5000",
      TRUST_PROXY: "true",
    });
    app = await startApp(env);
    topicId = await insertTopic(async (t, v) => svc.sql(t, v), "Chaos");
  }, 120_000);

  beforeEach(async () => {
    workers = await Promise.all([0, 1].map(() => startWorker({ ...env, GENERATOR: GENERATOR_PATH })));
    for (const w of workers)
      await waitFor("worker ready", async () => (await w.get("/health/ready")).status === 200, 20_000);
  }, 60_000);

  afterEach(async () => {
    // SIGTERM after the chaos: each exits 0 on its own, no forced exit
    const stopped = await Promise.all(workers.map((w) => w.stop()));
    expect(stopped.map((s) => s.code)).toEqual([0, 0]);
  }, 30_000);

  afterAll(async () => {
    killWorkers();
    await app?.close();
    await svc?.stop();
  }, 60_000);

  test("every Redis node restarted three times under load: each accepted job completes exactly once, readiness never 200 while Redis is down", async () => {
    const scenes = await newScenes(12);
    const polls = workers.map((w) => pollReadiness(w));
    const down: Array<{ from: number; to: number }> = [];
    const load = await startLoad(scenes, "sleep:30"); // long enough for the restarts to meet active jobs
    await sleep(1_500);
    for (let i = 0; i < 3; i++) {
      await svc.stopRedis();
      const from = Date.now();
      await sleep(4_000);
      down.push({ from, to: Date.now() - 1_000 }); // minus the readiness check's own 1 s timeout
      await svc.startRedis();
      await sleep(3_000);
    }
    await load.stop();
    const samples: ReadinessSample[][] = await Promise.all(polls.map((p) => p.stop()));
    for (const worker of samples) {
      for (const { from, to } of down) {
        const inside = worker.filter((s) => s.at >= from && s.at <= to);
        expect(inside.length).toBeGreaterThanOrEqual(2);
        expect(inside.filter((s) => s.status === 200)).toEqual([]);
      }
    }
    expect(load.accepted.length).toBeGreaterThan(50);
    await expectExactlyOnce(load, scenes);
  }, 180_000);

  test("Redis loses all its data twice under load (FLUSHALL on every master): each accepted job still completes exactly once", async () => {
    const scenes = await newScenes(12);
    // slower jobs than requests: a backlog waits in Redis when it is flushed. Checked, not assumed: with the
    // group-committed worker, 200 ms jobs kept up with the load and a flush could find nothing to lose
    const load = await startLoad(scenes, "sleep:500");
    const backlog = () =>
      waitFor("a backlog in Redis", async () => ((await app.ctx.queue.getJobCounts("waiting")).waiting ?? 0) >= 5);
    await backlog();
    await svc.flushRedis();
    await sleep(1_000);
    await backlog();
    await svc.flushRedis();
    await sleep(2_000);
    await load.stop();
    expect(load.accepted.length).toBeGreaterThan(50);
    await expectExactlyOnce(load, scenes);
    const requeued = await Promise.all(
      workers.map(async (w) => Number(/^jobs_requeued_total (\d+)/m.exec((await w.get("/metrics")).text)?.[1] ?? 0)),
    );
    expect(requeued[0] + requeued[1]).toBeGreaterThan(0); // the flushes really lost queued jobs
  }, 180_000);
});

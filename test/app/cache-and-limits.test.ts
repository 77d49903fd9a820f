import { Cluster } from "ioredis";
import { Client } from "pg";
import { sharedServices } from "./services";
import { appEnv, call, insertTopic, migrate, startApp, token, unique, waitFor, type RunningApp } from "./helpers";
import { createGenerationWorker, type GenerationWorker } from "../../worker/worker";
import { LocalGenerator } from "../../worker/generator";
import { createContext, type Context } from "../../core/context";
import { loadConfig } from "../../core/config";
import { createLogger } from "../../core/logger";

const metricValue = async (app: RunningApp, name: string, labels = ""): Promise<number> => {
  const text = await app.ctx.metrics.registry.metrics();
  const line = text.split("\n").find((l) => l.startsWith(`${name}${labels} `));
  return line === undefined ? 0 : Number(line.split(" ")[1]);
};

describe("cache-aside across two API instances, invalidated by the worker", () => {
  const urls = sharedServices();
  const prefix = `{${unique("cache")}}`;
  // in-process copies live 10 min here, so only the published invalidation can drop them
  const env = appEnv(urls, {
    QUEUE_PREFIX: prefix,
    CACHE_LRU_TTL_MS: "600000",
    JOB_BACKOFF_MIN_MS: "100",
    JOB_BACKOFF_MAX_MS: "200",
  });
  let a: RunningApp;
  let b: RunningApp;
  let workerCtx: Context;
  let worker: GenerationWorker;
  let admin: Client;
  let redis: Cluster;
  const alice = token("alice");
  let topicId: string;

  beforeAll(async () => {
    await migrate(urls);
    admin = new Client({ connectionString: urls.primaryUrl });
    await admin.connect();
    redis = new Cluster(urls.redisNodes, { redisOptions: { password: urls.redisPassword } });
    [a, b] = await Promise.all([startApp(env), startApp(env)]);
    const wcfg = loadConfig(env, "worker");
    workerCtx = await createContext(wcfg, { subscribe: false, defaultMetrics: false, logger: createLogger("error") });
    worker = createGenerationWorker(workerCtx, new LocalGenerator(0));
    topicId = await insertTopic(async (t, v) => (await admin.query(t, v)).rows, "Cache");
  }, 90_000);

  afterAll(async () => {
    await worker?.close(1_000);
    await workerCtx?.close();
    await Promise.all([a?.close(), b?.close()]);
    await redis?.quit();
    await admin?.end();
  });

  test("a scene read on one instance is served to the other from Redis under cache:scene:{id} with the 60 s TTL", async () => {
    const s = (await call(a.url, "/scenes", { method: "POST", token: alice, body: { topicId, title: "shared" } })).json;
    expect((await call(a.url, `/scenes/${s.id}`, { token: alice })).status).toBe(200);
    const ttl = await redis.ttl(`cache:scene:${s.id}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60);
    const before = await metricValue(b, "cache_hits_total", '{layer="redis",kind="scene"}');
    const missesBefore = await metricValue(b, "cache_misses_total", '{kind="scene"}');
    const r = await call(b.url, `/scenes/${s.id}`);
    expect(r.json.id).toBe(s.id);
    expect(await metricValue(b, "cache_hits_total", '{layer="redis",kind="scene"}')).toBe(before + 1);
    expect(await metricValue(b, "cache_misses_total", '{kind="scene"}')).toBe(missesBefore);
  });

  test("a generated segment invalidates scene and playlist on every instance, including their in-process copies", async () => {
    const s = (await call(a.url, "/scenes", { method: "POST", token: alice, body: { topicId, title: "invalidated" } }))
      .json;
    // both instances hold the scene (segmentCount 0) and the empty playlist in their LRU
    for (const app of [a, b]) {
      expect((await call(app.url, `/scenes/${s.id}`, { token: alice })).json.segmentCount).toBe(0);
      expect((await call(app.url, `/scenes/${s.id}/playlist`, { token: alice })).text).not.toContain("#EXTINF");
    }
    const enq = await call(a.url, `/scenes/${s.id}/segments`, {
      method: "POST",
      token: alice,
      body: { prompt: "a storm rises" },
    });
    expect(enq.status).toBe(202);
    await waitFor(
      "job completed",
      async () => (await call(a.url, `/jobs/${enq.json.jobId}`, { token: alice })).json.status === "completed",
    );
    for (const app of [a, b]) {
      // no token: a plain public read, answered from cache
      await waitFor("fresh scene", async () => (await call(app.url, `/scenes/${s.id}`)).json.segmentCount === 1, 5_000);
      expect((await call(app.url, `/scenes/${s.id}/playlist`)).text).toContain("#EXTINF");
    }
  });

  test("reads over the limit are 429 with Retry-After and RateLimit headers, counted across instances", async () => {
    const limited = appEnv(urls, { QUEUE_PREFIX: prefix, TRUST_PROXY: "true", RATE_LIMIT_READ_PER_MIN: "4" });
    const [x, y] = await Promise.all([startApp(limited), startApp(limited)]);
    try {
      const ip = `198.51.100.${Math.floor(Math.random() * 250)}-${unique("ip")}`;
      const headers = { "x-forwarded-for": ip };
      const statuses: number[] = [];
      for (const app of [x, y, x, y]) statuses.push((await call(app.url, "/topics", { headers })).status);
      expect(statuses).toEqual([200, 200, 200, 200]);
      const over = await call(y.url, "/topics", { headers });
      expect(over.status).toBe(429);
      expect(over.json.error.code).toBe("rate_limited");
      expect(Number(over.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(over.headers.get("ratelimit-limit")).toBe("4");
      expect(over.headers.get("ratelimit-remaining")).toBe("0");
      expect(Number(over.headers.get("ratelimit-reset"))).toBeLessThanOrEqual(60);
      // another client is unaffected
      expect((await call(x.url, "/topics", { headers: { "x-forwarded-for": `${ip}-other` } })).status).toBe(200);
    } finally {
      await Promise.all([x.close(), y.close()]);
    }
  });

  test("writes are limited per IP and scene creation per user", async () => {
    const limited = appEnv(urls, {
      QUEUE_PREFIX: prefix,
      TRUST_PROXY: "true",
      RATE_LIMIT_WRITE_PER_MIN: "3",
      RATE_LIMIT_SCENE_CREATE_PER_MIN: "2",
    });
    const x = await startApp(limited);
    try {
      const ip = unique("writer");
      const body = { topicId, title: "limited" };
      const bob = token(unique("bob"));
      const perIp: number[] = [];
      for (let i = 0; i < 4; i++)
        perIp.push(
          (
            await call(x.url, "/scenes", {
              method: "POST",
              token: token(unique("u")),
              body,
              headers: { "x-forwarded-for": ip },
            })
          ).status,
        );
      expect(perIp).toEqual([201, 201, 201, 429]);
      const perUser: number[] = [];
      for (let i = 0; i < 3; i++)
        perUser.push(
          (
            await call(x.url, "/scenes", {
              method: "POST",
              token: bob,
              body,
              headers: { "x-forwarded-for": unique("ip") },
            })
          ).status,
        );
      expect(perUser).toEqual([201, 201, 429]);
    } finally {
      await x.close();
    }
  });
});

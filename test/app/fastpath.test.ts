// app/fastpath.ts on the real services: an anonymous cached GET /scenes/:id answered ahead of the routers is the
// route's own answer (body, headers, access-log line, metrics), and never lets a client past its read limit.
import type { Client } from "pg";
import { createLogger } from "../../core/logger";
import { RateLimiter } from "../../core/ratelimit";
import { sharedServices } from "./services";
import { adminWithTopic, appEnv, call, metricValue, startApp, token, unique, type RunningApp } from "./helpers";

describe("the cached scene read answered ahead of the routers", () => {
  const urls = sharedServices();
  const prefix = `{${unique("fast")}}`;
  const logLines: string[] = [];
  const alice = token("alice");
  let admin: Client;
  let app: RunningApp;
  let topicId: string;

  beforeAll(async () => {
    ({ admin, topicId } = await adminWithTopic(urls, "Fast"));
    app = await startApp(
      appEnv(urls, { QUEUE_PREFIX: prefix, LOG_LEVEL: "info", TRUST_PROXY: "true", CACHE_LRU_TTL_MS: "600000" }),
      createLogger("info", { service: "api" }, (l) => logLines.push(l)),
    );
  }, 90_000);

  afterAll(async () => {
    await app?.close();
    await admin?.end();
  });

  const FAST = "http_fast_path_responses_total";
  const newScene = async (): Promise<{ id: string }> => {
    const r = await call(app.url, "/scenes", { method: "POST", token: alice, body: { topicId, title: "fast" } });
    expect(r.status).toBe(201);
    return r.json as { id: string };
  };

  test("an anonymous read of a cached scene gets the route's body, headers, access-log line and metrics", async () => {
    const s = await newScene();
    const ip = `203.0.113.${Math.floor(Math.random() * 250)}`;
    const get = (id: string, requestId: string) =>
      call(app.url, `/scenes/${id}`, { headers: { "x-forwarded-for": ip, "x-request-id": requestId } });
    // the first read of this client takes its lease from Redis on the route; the next ones are answered from it
    const routed = await get(s.id, "fast-1");
    const histogram = 'http_request_duration_seconds_count{method="GET",route="/scenes/:id",status="200"}';
    const hits = 'cache_hits_total{layer="lru",kind="scene"}';
    const histBefore = await metricValue(app, histogram);
    const hitsBefore = await metricValue(app, hits);
    const fastBefore = await metricValue(app, FAST);
    logLines.length = 0;
    const fast = await get(s.id, "fast-2");
    const upper = await get(s.id.toUpperCase(), "fast-3");

    for (const r of [fast, upper]) {
      expect(r.status).toBe(200);
      expect(r.text).toBe(routed.text);
      for (const h of ["content-type", "cache-control", "content-length", "ratelimit-limit", "ratelimit-policy"])
        expect([h, r.headers.get(h)]).toEqual([h, routed.headers.get(h)]);
    }
    expect(fast.headers.get("x-request-id")).toBe("fast-2");
    // one token each, counted from the same lease
    const remaining = [routed, fast, upper].map((r) => Number(r.headers.get("ratelimit-remaining")));
    expect(remaining).toEqual([remaining[0], remaining[0] - 1, remaining[0] - 2]);
    // both were answered ahead of the routers, with the route's histogram and cache metric
    expect(await metricValue(app, FAST)).toBe(fastBefore + 2);
    expect(await metricValue(app, histogram)).toBe(histBefore + 2);
    expect(await metricValue(app, hits)).toBe(hitsBefore + 2);
    const line = logLines
      .map((l) => JSON.parse(l) as Record<string, any>)
      .find((l) => l.msg === "request" && l.req?.id === "fast-2");
    expect(line).toMatchObject({
      level: "info",
      req: { id: "fast-2", method: "GET" },
      res: { statusCode: 200 },
      route: "/scenes/:id",
      ip,
      responseTime: expect.any(Number),
    });
    expect(line?.path).toBeUndefined();
  });

  test("a fault in the shortcut leaves the answer to the route, and the process keeps serving", async () => {
    const s = await newScene();
    const routed = await call(app.url, `/scenes/${s.id}`);
    const cache = app.ctx.cache;
    const localJson = cache.localJson.bind(cache);
    // ahead of Express no error handler catches a throw: before the guard, this ended the process
    cache.localJson = () => {
      throw new Error("the in-process cache failed");
    };
    try {
      const r = await call(app.url, `/scenes/${s.id}`);
      expect([r.status, r.text]).toEqual([200, routed.text]);
    } finally {
      cache.localJson = localJson;
    }
    expect((await call(app.url, `/scenes/${s.id}`)).status).toBe(200);
  });

  test("at its read limit a client is refused: the shortcut never spends a token it does not hold", async () => {
    const limited = await startApp(
      appEnv(urls, {
        QUEUE_PREFIX: prefix,
        TRUST_PROXY: "true",
        RATE_LIMIT_READ_PER_MIN: "200",
        CACHE_LRU_TTL_MS: "600000",
      }),
    );
    try {
      const r0 = await call(limited.url, "/scenes", { method: "POST", token: alice, body: { topicId, title: "l" } });
      const headers = { "x-forwarded-for": `198.51.100.${Math.floor(Math.random() * 250)}-${unique("ip")}` };
      const fastBefore = await metricValue(limited, FAST);
      const statuses: number[] = [];
      for (let i = 0; i < 210; i++)
        statuses.push((await call(limited.url, `/scenes/${r0.json.id}`, { headers })).status);
      expect(statuses.slice(0, 200)).toEqual(Array(200).fill(200));
      expect(statuses.slice(200)).toEqual(Array(10).fill(429));
      // far from the limit the leased tokens were spent ahead of the routers: the limit held for them too
      expect((await metricValue(limited, FAST)) - fastBefore).toBeGreaterThan(100);
    } finally {
      await limited.close();
    }
  });

  test("a busy client far from its limit never runs its lease dry: it is topped up once half used, from Redis's count", async () => {
    const limiter = new RateLimiter(app.ctx.redis, app.ctx.redisBreaker, app.ctx.logger);
    const id = unique("busy");
    expect((await limiter.hit("topup", id, 1_000_000)).allowed).toBe(true);
    let dry = 0;
    for (let i = 0; i < 400; i++) {
      if (limiter.hitLeased("topup", id, 1_000_000) === undefined) dry += 1;
      // a top-up this hit started gets its round trip before the next request
      await limiter.settled("topup", id);
    }
    expect(dry).toBe(0);
    // 401 tokens spent, each taken from the shared count first; held ahead: under half a lease, plus one top-up
    const counted = Number(await app.ctx.redis.get(`ratelimit:topup:${id}`));
    expect(counted).toBeGreaterThanOrEqual(401);
    expect(counted - 401).toBeLessThan(150);
  });

  test("a reader with a token, a cookie or a query string goes through the route", async () => {
    const s = await newScene();
    // cached and leased for this client: an anonymous read of it is now answered ahead of the routers
    await call(app.url, `/scenes/${s.id}`);
    const fastBefore = await metricValue(app, FAST);
    expect((await call(app.url, `/scenes/${s.id}`)).status).toBe(200);
    expect(await metricValue(app, FAST)).toBe(fastBefore + 1);
    expect((await call(app.url, `/scenes/${s.id}?x=1`)).json.id).toBe(s.id);
    expect((await call(app.url, `/scenes/${s.id}`, { token: "not-a-token" })).status).toBe(200);
    const own = await call(app.url, `/scenes/${s.id}`, { token: alice, headers: { cookie: "x=1" } });
    expect(own.status).toBe(200);
    expect((await call(app.url, `/scenes/not-a-uuid`)).json.error.field).toBe("id");
    expect(await metricValue(app, FAST)).toBe(fastBefore + 1);
  });
});

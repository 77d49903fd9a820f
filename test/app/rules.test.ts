// Issue 14's API rules on the real services: only a scene's creator enqueues, impossible cursors and deep
// bodies are 400s, a topic's count is written through on scene creation, logs and metrics say what happened
// once and under the right label, odd query shapes are refused, other methods get 405.
import { createServer, connect, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { Cluster } from "ioredis";
import { Client } from "pg";
import { Db } from "../../core/db";
import { createLogger } from "../../core/logger";
import { Metrics } from "../../core/metrics";
import { RateLimiter } from "../../core/ratelimit";
import { sharedServices } from "./services";
import {
  appEnv,
  call,
  insertTopic,
  migrate,
  startApp,
  token,
  unique,
  waitForReplica,
  type RunningApp,
} from "./helpers";

describe("API rules of issue 14 on real PostgreSQL, PgBouncer and Redis Cluster", () => {
  const urls = sharedServices();
  let app: RunningApp;
  let admin: Client;
  let redis: Cluster;
  const logLines: string[] = [];
  const alice = token("alice");
  const bob = token("bob");
  let topicId: string;
  const sql = async (text: string, values?: unknown[]) =>
    (await admin.query(text, values)).rows as Array<Record<string, unknown>>;
  const newScene = async (owner = alice, title = "A scene") => {
    const r = await call(app.url, "/scenes", { method: "POST", token: owner, body: { topicId, title } });
    expect(r.status).toBe(201);
    return r.json as { id: string };
  };

  beforeAll(async () => {
    await migrate(urls);
    admin = new Client({ connectionString: urls.primaryUrl });
    await admin.connect();
    redis = new Cluster(urls.redisNodes, { redisOptions: { password: urls.redisPassword } });
    app = await startApp(
      appEnv(urls, { QUEUE_PREFIX: `{${unique("rules")}}`, LOG_LEVEL: "info", TRUST_PROXY: "true" }),
      createLogger("info", { service: "api" }, (l) => logLines.push(l)),
    );
    topicId = await insertTopic(sql, "Rules");
  }, 90_000);

  afterAll(async () => {
    await app?.close();
    await redis?.quit();
    await admin?.end();
  });

  test("only the scene's creator may enqueue: others get 403 and take no sequence number", async () => {
    const s = await newScene(alice);
    const other = await call(app.url, `/scenes/${s.id}/segments`, {
      method: "POST",
      token: bob,
      body: { prompt: "mine now" },
    });
    expect(other.status).toBe(403);
    expect(other.json.error).toMatchObject({ code: "forbidden", field: "authorization" });
    const withSeq = await call(app.url, `/scenes/${s.id}/segments`, {
      method: "POST",
      token: bob,
      body: { prompt: "x", sequence: 1 },
    });
    expect(withSeq.status).toBe(403);
    expect((await sql("SELECT count(*)::int AS n FROM jobs WHERE scene_id = $1", [s.id]))[0]?.n).toBe(0);
    const own = await call(app.url, `/scenes/${s.id}/segments`, {
      method: "POST",
      token: alice,
      body: { prompt: "the egg" },
    });
    expect(own.status).toBe(202);
    expect(own.json).toMatchObject({ sequence: 1, created: true });
  });

  test("a cursor with an impossible date (2026-02-30) is a 400 naming cursor, not a 500", async () => {
    for (const t of ["2026-02-30T00:00:00.000000Z", "2026-04-31T12:00:00Z", "2026-01-01T25:00:00Z"]) {
      const cursor = Buffer.from(`${t}|0b3f8a4e-7d0c-4c5e-9a55-2f1e6a1b9c01`).toString("base64url");
      const r = await call(app.url, `/scenes?cursor=${cursor}`);
      expect({ status: r.status, field: r.json?.error?.field }).toEqual({ status: 400, field: "cursor" });
    }
  });

  test("a body of 30,000 nested arrays is a 400 naming body, not a stack overflow", async () => {
    const s = await newScene(alice);
    for (const rawBody of [
      "[".repeat(30_000) + "]".repeat(30_000),
      `{"prompt":${"[".repeat(30_000)}${"]".repeat(30_000)}}`,
    ]) {
      const r = await call(app.url, `/scenes/${s.id}/segments`, {
        method: "POST",
        token: alice,
        rawBody,
        headers: { "content-type": "application/json" },
      });
      expect({ status: r.status, code: r.json?.error?.code, field: r.json?.error?.field }).toEqual({
        status: 400,
        code: "validation_failed",
        field: "body",
      });
    }
    expect((await call(app.url, "/health/live")).status).toBe(200);
  });

  test("creating a scene writes the topic's fresh count through to Redis instead of deleting it (no refill from a lagging replica)", async () => {
    const t = await insertTopic(sql, "Counted");
    await waitForReplica(urls);
    const before = await call(app.url, `/topics/${t}`);
    expect({ status: before.status, body: before.json }).toMatchObject({ status: 200, body: { sceneCount: 0 } });
    await call(app.url, "/topics");
    const created = await call(app.url, "/scenes", {
      method: "POST",
      token: alice,
      body: { topicId: t, title: "one" },
    });
    expect(created.status).toBe(201);
    // the keys hold the primary's values at once: nothing is left for a replica read to refill
    expect(JSON.parse((await redis.get(`cache:topic:${t}`)) ?? "null")).toMatchObject({ id: t, sceneCount: 1 });
    const list = JSON.parse((await redis.get("cache:topics")) ?? "null") as {
      items: Array<{ id: string; sceneCount: number }>;
    };
    expect(list.items.find((i) => i.id === t)?.sceneCount).toBe(1);
    expect(await redis.ttl(`cache:topic:${t}`)).toBeGreaterThan(290);
    // a public (replica-routed) read answers from that copy
    expect((await call(app.url, `/topics/${t}`)).json.sceneCount).toBe(1);
  });

  test("?topicId[]= and ?limit[]= are refused with 400 naming the parameter, not ignored", async () => {
    for (const [q, field] of [
      ["topicId[]=0b3f8a4e-7d0c-4c5e-9a55-2f1e6a1b9c01", "topicId"],
      ["limit[]=5", "limit"],
      ["limit[x]=5", "limit"],
      ["limit=5&limit=6", "limit"],
      ["colour=red", "colour"],
    ]) {
      const r = await call(app.url, `/scenes?${q}`);
      expect({ q, status: r.status, field: r.json?.error?.field }).toEqual({ q, status: 400, field });
    }
    const s = await call(app.url, `/search?q=dragon&topicId[]=x`);
    expect({ status: s.status, field: s.json?.error?.field }).toEqual({ status: 400, field: "topicId" });
  });

  test("length limits count characters: 200 emoji are a valid title, 201 are not", async () => {
    const ok = await call(app.url, "/scenes", {
      method: "POST",
      token: alice,
      body: { topicId, title: "🐉".repeat(200) },
    });
    expect(ok.status).toBe(201);
    const over = await call(app.url, "/scenes", {
      method: "POST",
      token: alice,
      body: { topicId, title: "🐉".repeat(201) },
    });
    expect({ status: over.status, field: over.json.error.field }).toEqual({ status: 400, field: "title" });
    expect(over.json.error.message).toBe("title must be 1-200 characters, got 201");
  });

  test("PUT and DELETE on known paths are 405 with Allow; unknown paths stay 404", async () => {
    const s = await newScene(alice);
    for (const [method, path, allow] of [
      ["PUT", `/scenes/${s.id}`, "GET, HEAD"],
      ["DELETE", `/scenes/${s.id}`, "GET, HEAD"],
      ["DELETE", "/topics", "GET, HEAD"],
      ["PUT", "/scenes", "GET, HEAD, POST"],
      ["GET", `/scenes/${s.id}/segments`, "POST"],
    ]) {
      const r = await call(app.url, path, { method, token: alice });
      expect({ method, path, status: r.status, allow: r.headers.get("allow"), code: r.json?.error?.code }).toEqual({
        method,
        path,
        status: 405,
        allow,
        code: "method_not_allowed",
      });
    }
    expect((await call(app.url, "/nope", { method: "PUT" })).status).toBe(404);
  });

  test("every 429 is counted under its own route, and cache counters are split by key kind", async () => {
    const limited = await startApp(
      appEnv(urls, { QUEUE_PREFIX: `{${unique("rl")}}`, TRUST_PROXY: "true", RATE_LIMIT_READ_PER_MIN: "1" }),
    );
    try {
      const s = await newScene(alice);
      const headers = { "x-forwarded-for": unique("ip") };
      for (const path of ["/topics", "/topics", `/scenes/${s.id}`, `/scenes/${s.id}`, `/scenes/${s.id}/playlist`]) {
        await call(limited.url, path, { headers });
      }
      const text = await limited.ctx.metrics.registry.metrics();
      expect(text).toContain('rate_limited_total{limit="read",route="/topics"} 1');
      expect(text).toContain('rate_limited_total{limit="read",route="/scenes/:id"} 2');
      expect(text).toContain('rate_limited_total{limit="read",route="/scenes/:id/playlist"} 1');
      const hits = await call(limited.url, `/scenes/${s.id}`, { headers: { "x-forwarded-for": unique("ip") } });
      expect(hits.status).toBe(200);
      expect(await limited.ctx.metrics.registry.metrics()).toMatch(
        /cache_(hits|misses)_total\{[^}]*kind="scene"[^}]*\} [1-9]/,
      );
      expect(await limited.ctx.metrics.registry.metrics()).toMatch(
        /cache_(hits|misses)_total\{[^}]*kind="topics"[^}]*\}/,
      );
    } finally {
      await limited.close();
    }
  });

  test("access log lines carry request id, route, status, response time, client IP and user; the path only when no route matched", async () => {
    logLines.length = 0;
    const s = await newScene(alice);
    await call(app.url, `/scenes/${s.id}`, {
      token: alice,
      headers: { "x-request-id": "req-1", "x-forwarded-for": "203.0.113.7" },
    });
    await call(app.url, "/no/such/thing", { headers: { "x-request-id": "req-2", "x-forwarded-for": "203.0.113.8" } });
    const access = logLines.map((l) => JSON.parse(l) as Record<string, any>).filter((l) => l.msg === "request");
    const read = access.find((l) => l.req?.id === "req-1");
    expect(read).toMatchObject({
      level: "info",
      req: { id: "req-1", method: "GET" },
      res: { statusCode: 200 },
      route: "/scenes/:id",
      ip: "203.0.113.7",
      user: "alice",
      responseTime: expect.any(Number),
    });
    expect(read?.path).toBeUndefined();
    expect(access.find((l) => l.req?.id === "req-2")).toMatchObject({
      route: "unmatched",
      path: "/no/such/thing",
      ip: "203.0.113.8",
      res: { statusCode: 404 },
    });
    expect(logLines.join("\n")).not.toContain(alice);
  });

  test("rate limits across instances stay exact near the limit and batch Redis calls far from it", async () => {
    const make = () => new RateLimiter(app.ctx.redis, app.ctx.redisBreaker, app.ctx.logger);
    const [x, y] = [make(), make()];
    const id = unique("client");
    const allowed: boolean[] = [];
    for (let i = 0; i < 30; i++) allowed.push((await (i % 2 === 0 ? x : y).hit("exact", id, 20)).allowed);
    expect(allowed.filter(Boolean)).toHaveLength(20);
    expect(allowed.slice(20).some(Boolean)).toBe(false);
    // far from the limit: 200 hits, few takes (the shared count moves in leases, never below what was used)
    const busy = unique("busy");
    for (let i = 0; i < 200; i++) expect((await x.hit("far", busy, 1_000_000)).allowed).toBe(true);
    const count = Number(await redis.get(`ratelimit:far:${busy}`));
    expect(count).toBeGreaterThanOrEqual(200);
    expect(count).toBeLessThanOrEqual(300);
    // a limit lowered under what was used (load shedding) refuses at once, leftovers notwithstanding
    expect((await x.hit("far", busy, 150)).allowed).toBe(false);
  });

  describe("replica fallback logging", () => {
    // a TCP proxy in front of the replica's PgBouncer database, so the test can cut and restore it
    let proxy: Server;
    let port = 0;
    const sockets = new Set<Socket>();
    const target = new URL(urls.pgbouncerReplicaUrl);
    const open = () =>
      new Promise<void>((resolve) => {
        proxy = createServer((client) => {
          const upstream = connect(Number(target.port), target.hostname);
          sockets.add(client).add(upstream);
          client.pipe(upstream).pipe(client);
          const drop = () => (client.destroy(), upstream.destroy());
          client.on("error", drop).on("close", drop);
          upstream.on("error", drop).on("close", drop);
        });
        proxy.listen(port, "127.0.0.1", () => ((port = (proxy.address() as AddressInfo).port), resolve()));
      });
    const cut = () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        sockets.clear();
        proxy.close(() => resolve());
      });

    test("logs one warning when the replica starts failing and one line when it is back, not one per request", async () => {
      await open();
      const lines: string[] = [];
      const replicaUrl = new URL(urls.pgbouncerReplicaUrl);
      replicaUrl.port = String(port);
      const metrics = new Metrics(false);
      const db = new Db({
        primaryUrl: urls.pgbouncerUrl,
        replicaUrl: replicaUrl.toString(),
        poolMax: 2,
        queryTimeoutMs: 2_000,
        logger: createLogger("info", {}, (l) => lines.push(l)),
        metrics,
      });
      try {
        expect(await db.read("SELECT 1 AS one", [])).toEqual([{ one: 1 }]);
        await cut();
        for (let i = 0; i < 10; i++) expect(await db.read("SELECT 1 AS one", [])).toEqual([{ one: 1 }]);
        expect(await metrics.registry.getSingleMetricAsString("db_replica_fallbacks_total")).toMatch(/ 10$/);
        const messages = () => lines.map((l) => (JSON.parse(l) as { msg: string }).msg);
        expect(messages().filter((m) => m.startsWith("replica reads failing"))).toHaveLength(1);
        await open();
        for (let i = 0; i < 3; i++) await db.read("SELECT 1 AS one", []);
        expect(messages().filter((m) => m === "replica reads restored")).toHaveLength(1);
        expect(messages().filter((m) => m.startsWith("replica reads failing"))).toHaveLength(1);
      } finally {
        await db.close();
        await cut();
      }
    });
  });
});

// Issue 15's features on the real services: the scene bible (seed 000 §2.2/§2.3), server-side sessions
// (seed 000 §2.2 `session:{id}`), and adaptive load shedding (seed 001), across two API instances.
import { Cluster } from "ioredis";
import { Client } from "pg";
import { sharedServices } from "./services";
import { appEnv, call, insertTopic, migrate, startApp, token, unique, waitFor, type RunningApp } from "./helpers";

describe("scene bible, sessions and load shedding on real PostgreSQL, PgBouncer and Redis Cluster", () => {
  const urls = sharedServices();
  const env = appEnv(urls, { QUEUE_PREFIX: `{${unique("feat")}}`, CACHE_LRU_TTL_MS: "600000" });
  let a: RunningApp;
  let b: RunningApp;
  let admin: Client;
  let redis: Cluster;
  const alice = token("alice");
  const bob = token("bob");
  let topicId: string;

  beforeAll(async () => {
    await migrate(urls);
    admin = new Client({ connectionString: urls.primaryUrl });
    await admin.connect();
    redis = new Cluster(urls.redisNodes, { redisOptions: { password: urls.redisPassword } });
    [a, b] = await Promise.all([startApp(env), startApp(env)]);
    topicId = await insertTopic(async (t, v) => (await admin.query(t, v)).rows, "Features");
  }, 90_000);

  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await redis?.quit();
    await admin?.end();
  });

  const newScene = async (owner = alice) => {
    const r = await call(a.url, "/scenes", { method: "POST", token: owner, body: { topicId, title: "bible scene" } });
    expect(r.status).toBe(201);
    return r.json.id as string;
  };

  describe("scene bible", () => {
    const bible = {
      synopsis: "A dragon hatches in a lighthouse.",
      setting: "A storm-beaten coast",
      style: "warm, slow",
      characters: [{ name: "Mira", description: "the keeper" }, { name: "Ember" }],
    };

    test("a scene starts with an empty bible (version 0), cached as cache:scene:{id}:bible for 300 s", async () => {
      const id = await newScene();
      const r = await call(a.url, `/scenes/${id}/bible`, { token: alice });
      expect(r.status).toBe(200);
      expect(r.json).toEqual({
        sceneId: id,
        version: 0,
        synopsis: "",
        setting: "",
        style: "",
        characters: [],
        updatedAt: null,
      });
      const ttl = await redis.ttl(`cache:scene:${id}:bible`);
      expect(ttl).toBeGreaterThan(290);
      expect(ttl).toBeLessThanOrEqual(300);
      expect((await call(a.url, "/scenes/00000000-0000-4000-8000-000000000000/bible")).status).toBe(404);
    });

    test("the owner's PUT replaces it; both instances serve the new one at once (their cached copies are replaced)", async () => {
      const id = await newScene();
      // both instances hold version 0 in their in-process caches (which live 10 min here)
      for (const app of [a, b])
        expect((await call(app.url, `/scenes/${id}/bible`, { token: alice })).json.version).toBe(0);
      const put = await call(a.url, `/scenes/${id}/bible`, { method: "PUT", token: alice, body: bible });
      expect(put.status).toBe(200);
      expect(put.json).toMatchObject({
        sceneId: id,
        version: 1,
        ...bible,
        characters: [
          { name: "Mira", description: "the keeper" },
          { name: "Ember", description: "" },
        ],
      });
      expect(JSON.parse((await redis.get(`cache:scene:${id}:bible`)) ?? "null")).toMatchObject({ version: 1 });
      for (const app of [a, b])
        await waitFor(
          "fresh bible",
          async () => (await call(app.url, `/scenes/${id}/bible`)).json.version === 1,
          3_000,
        );
      const again = await call(b.url, `/scenes/${id}/bible`, {
        method: "PUT",
        token: alice,
        body: { ...bible, style: "brisk", version: 1 },
      });
      expect(again.json).toMatchObject({ version: 2, style: "brisk" });
    });

    test("only the owner writes it (403); a stale version is a 409; bad bodies are 400 naming the field", async () => {
      const id = await newScene();
      const other = await call(a.url, `/scenes/${id}/bible`, { method: "PUT", token: bob, body: bible });
      expect(other.status).toBe(403);
      expect(other.json.error).toMatchObject({ code: "forbidden" });
      expect((await call(a.url, `/scenes/${id}/bible`, { token: alice })).json.version).toBe(0);
      await call(a.url, `/scenes/${id}/bible`, { method: "PUT", token: alice, body: bible });
      const stale = await call(a.url, `/scenes/${id}/bible`, {
        method: "PUT",
        token: alice,
        body: { ...bible, version: 0 },
      });
      expect({ status: stale.status, field: stale.json.error.field }).toEqual({ status: 409, field: "version" });
      const bad = await call(a.url, `/scenes/${id}/bible`, { method: "PUT", token: alice, body: { characters: [{}] } });
      expect({ status: bad.status, field: bad.json.error.field }).toEqual({ status: 400, field: "characters[0].name" });
      const anon = await call(a.url, `/scenes/${id}/bible`, { method: "PUT", body: bible });
      expect(anon.status).toBe(401);
      const missing = await call(a.url, "/scenes/00000000-0000-4000-8000-000000000000/bible", {
        method: "PUT",
        token: alice,
        body: bible,
      });
      expect(missing.status).toBe(404);
    });
  });

  describe("sessions", () => {
    const write = (app: RunningApp, t: string) =>
      call(app.url, "/scenes", { method: "POST", token: t, body: { topicId, title: "session write" } });

    test("POST /sessions exchanges a valid token for one bound to session:{id} (24 h)", async () => {
      const r = await call(a.url, "/sessions", { method: "POST", token: alice });
      expect(r.status).toBe(201);
      expect(r.json).toEqual({
        sessionId: expect.any(String),
        token: expect.any(String),
        expiresAt: expect.any(String),
      });
      const ttl = await redis.ttl(`session:${r.json.sessionId}`);
      expect(ttl).toBeGreaterThan(86_000);
      expect(ttl).toBeLessThanOrEqual(86_400);
      const claims = JSON.parse(Buffer.from(r.json.token.split(".")[1], "base64url").toString());
      expect(claims).toMatchObject({ sub: "alice", sid: r.json.sessionId });
      expect((await write(b, r.json.token)).status).toBe(201);
      expect((await call(a.url, "/sessions", { method: "POST" })).status).toBe(401);
    });

    test("logout on one instance is effective at once on the other", async () => {
      const s = (await call(a.url, "/sessions", { method: "POST", token: alice })).json;
      expect((await write(b, s.token)).status).toBe(201);
      expect((await call(a.url, "/sessions/current", { method: "DELETE", token: s.token })).status).toBe(204);
      const after = await write(b, s.token);
      expect(after.status).toBe(401);
      expect(after.json.error).toMatchObject({ code: "unauthorized", field: "authorization" });
      expect(await redis.exists(`session:${s.sessionId}`)).toBe(0);
      // the plain token it came from still works: sessions bind the tokens they issue
      expect((await write(b, alice)).status).toBe(201);
    });

    test("a user revokes one of their sessions by id; nobody else can", async () => {
      const one = (await call(a.url, "/sessions", { method: "POST", token: alice })).json;
      const two = (await call(a.url, "/sessions", { method: "POST", token: alice })).json;
      const byBob = await call(b.url, `/sessions/${two.sessionId}`, { method: "DELETE", token: bob });
      expect(byBob.status).toBe(404);
      expect((await write(a, two.token)).status).toBe(201);
      expect((await call(b.url, `/sessions/${two.sessionId}`, { method: "DELETE", token: one.token })).status).toBe(
        204,
      );
      expect((await write(a, two.token)).status).toBe(401);
      expect((await write(a, one.token)).status).toBe(201);
    });
  });

  describe("adaptive load shedding", () => {
    test("queue depth engages it: anonymous writes first, then authenticated writes; reads never; it releases", async () => {
      const prefix = `{${unique("shed")}}`;
      const shedEnv = appEnv(urls, {
        QUEUE_PREFIX: prefix,
        TRUST_PROXY: "true",
        RATE_LIMIT_WRITE_PER_MIN: "10",
        RATE_LIMIT_READ_PER_MIN: "1000",
        SHED_QUEUE_DEPTH: "5",
        SHED_QUEUE_DEPTH_CRITICAL: "10",
        SHED_RETRYING_JOBS: "1000",
        SHED_RETRYING_JOBS_CRITICAL: "2000",
        SHED_ANONYMOUS_WRITE_PERCENT: "10",
        SHED_AUTHENTICATED_WRITE_PERCENT: "30",
        SHED_RELEASE_PERCENT: "80",
        SHED_CHECK_INTERVAL_MS: "100",
      });
      const app = await startApp(shedEnv);
      const level = async () =>
        Number(/^load_shed_level (\d)/m.exec(await app.ctx.metrics.registry.metrics())?.[1] ?? "-1");
      const add = (n: number) =>
        app.ctx.queue.addBulk(
          Array.from({ length: n }, (_, i) => ({
            name: "generate",
            data: {
              jobRowId: unique("j"),
              sceneId: "s",
              sequence: i,
              userId: "u",
              prompt: "p",
              requestedAt: new Date().toISOString(),
            },
          })),
        );
      const anonymous = (ip: string) =>
        call(app.url, "/scenes", { method: "POST", body: { topicId, title: "x" }, headers: { "x-forwarded-for": ip } });
      const authed = (ip: string) =>
        call(app.url, "/scenes", {
          method: "POST",
          token: token(unique("u")),
          body: { topicId, title: "x" },
          headers: { "x-forwarded-for": ip },
        });
      try {
        const metrics = await app.ctx.metrics.registry.metrics();
        expect(metrics).toContain('load_shed_threshold{signal="queue_depth",level="1"} 5');
        expect(metrics).toContain('load_shed_threshold{signal="queue_depth",level="2"} 10');
        expect(await level()).toBe(0);

        await add(6);
        await waitFor("level 1", async () => (await level()) === 1, 5_000, 50);
        expect(await app.ctx.metrics.registry.metrics()).toMatch(/load_shed_signal\{signal="queue_depth"\} 6/);
        // anonymous writes: 10 % of 10/min = 1 per minute per IP, then 429 before any other work
        const anonIp = unique("anon");
        expect((await anonymous(anonIp)).status).toBe(401);
        const shed = await anonymous(anonIp);
        expect(shed.status).toBe(429);
        expect(shed.headers.get("ratelimit-limit")).toBe("1");
        // authenticated writes keep their full limit, and reads are untouched
        const authIp = unique("auth");
        const statuses: number[] = [];
        for (let i = 0; i < 4; i++) statuses.push((await authed(authIp)).status);
        expect(statuses).toEqual([201, 201, 201, 201]);
        expect((await call(app.url, "/topics", { headers: { "x-forwarded-for": anonIp } })).status).toBe(200);

        await add(5);
        await waitFor("level 2", async () => (await level()) === 2, 5_000, 50);
        // authenticated writes now get 30 % of 10 = 3 per minute per IP
        const critIp = unique("crit");
        const crit: number[] = [];
        for (let i = 0; i < 4; i++) crit.push((await authed(critIp)).status);
        expect(crit).toEqual([201, 201, 201, 429]);
        expect((await call(app.url, "/topics", { headers: { "x-forwarded-for": critIp } })).status).toBe(200);

        // 11 -> 9 waiting: under the critical threshold (10) but not under 80 % of it (8): still level 2 (hysteresis)
        const waiting = (await app.ctx.queue.getWaiting()).slice(0, 2);
        await Promise.all(waiting.map((j) => j.remove()));
        await new Promise((r) => setTimeout(r, 400));
        expect(await level()).toBe(2);
        await app.ctx.queue.obliterate({ force: true });
        await waitFor("released", async () => (await level()) === 0, 5_000, 50);
        const freeIp = unique("free");
        const after: number[] = [];
        for (let i = 0; i < 3; i++) after.push((await anonymous(freeIp)).status);
        expect(after).toEqual([401, 401, 401]);
      } finally {
        await app.ctx.queue.obliterate({ force: true }).catch(() => {});
        await app.close();
      }
    });
  });
});

import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { Client } from "pg";
import { startServices, type Services } from "./services";
import {
  ROOT,
  appEnv,
  call,
  insertTopic,
  migrate,
  startApp,
  token,
  unique,
  waitFor,
  waitForReplica,
  type RunningApp,
} from "./helpers";

/** Fault tests: their own services instance, so stopping servers disturbs nobody else. */
describe("faults: Redis down, replica down, replica lag, SIGTERM under load", () => {
  let svc: Services;
  let app: RunningApp;
  let admin: Client;
  const sql = async (text: string, values?: unknown[]) =>
    (await admin.query(text, values)).rows as Array<Record<string, unknown>>;
  const alice = token("alice");
  let topicId: string;
  let sceneId: string;

  beforeAll(async () => {
    svc = await startServices({ name: "app-faults" });
    await migrate(svc.urls());
    admin = new Client({ connectionString: svc.primaryUrl });
    await admin.connect();
    app = await startApp(
      appEnv(svc.urls(), {
        QUEUE_PREFIX: `{${unique("faults")}}`,
        TRUST_PROXY: "true",
        RATE_LIMIT_READ_PER_MIN: "1000",
      }),
    );
    topicId = await insertTopic(sql, "Faults");
    sceneId = (await call(app.url, "/scenes", { method: "POST", token: alice, body: { topicId, title: "resilient" } }))
      .json.id;
    await waitForReplica(svc.urls());
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await admin?.end();
    await svc?.stop();
  }, 60_000);

  test("a writer reads its own write at once although the replica has not replayed it; others read the replica", async () => {
    const replica = new Client({ connectionString: svc.replicaSuperuserUrl });
    await replica.connect();
    try {
      await replica.query("SELECT pg_wal_replay_pause()");
      const bob = token(unique("bob"));
      const created = await call(app.url, "/scenes", { method: "POST", token: bob, body: { topicId, title: "fresh" } });
      expect(created.status).toBe(201);
      const cookie = (created.headers.get("set-cookie") ?? "").split(";")[0];
      expect(cookie).toMatch(/^sf_ryw=\d+\./);
      const list = (headers: Record<string, string>, t?: string) =>
        call(app.url, `/scenes?topicId=${topicId}`, { headers, ...(t === undefined ? {} : { token: t }) });
      const ids = (r: Awaited<ReturnType<typeof list>>) => r.json.items.map((s: { id: string }) => s.id);
      expect(ids(await list({}, bob))).toContain(created.json.id); // by token subject
      expect(ids(await list({ cookie }))).toContain(created.json.id); // by cookie, no token
      expect(ids(await list({}))).not.toContain(created.json.id); // a stranger reads the (paused) replica
      expect(ids(await list({ cookie: cookie.replace(/.$/, (c) => (c === "A" ? "B" : "A")) }))).not.toContain(
        created.json.id,
      ); // a forged cookie is ignored
    } finally {
      await replica.query("SELECT pg_wal_replay_resume()");
      await replica.end();
    }
  });

  test("with the replica stopped, reads move to the primary", async () => {
    await svc.stopReplica();
    try {
      const list = await call(app.url, `/scenes?topicId=${topicId}`);
      expect(list.status).toBe(200);
      expect(list.json.items.map((s: { id: string }) => s.id)).toContain(sceneId);
      const search = await call(app.url, "/search?q=resilient");
      expect(search.status).toBe(200);
      expect((await call(app.url, "/metrics")).text).toMatch(/db_replica_fallbacks_total [1-9]/);
    } finally {
      await svc.startReplica();
    }
  }, 60_000);

  test("with Redis stopped, reads still answer from PostgreSQL quickly, readiness says degraded, limits count per instance", async () => {
    const limited = await startApp(
      appEnv(svc.urls(), { QUEUE_PREFIX: `{${unique("faults")}}`, TRUST_PROXY: "true", RATE_LIMIT_READ_PER_MIN: "3" }),
    );
    await svc.stopRedis();
    let acceptedJob: string | undefined;
    try {
      const t0 = Date.now();
      for (let i = 0; i < 5; i++) {
        const r = await call(app.url, `/scenes/${sceneId}`);
        expect(r.status).toBe(200);
        expect(r.json.id).toBe(sceneId);
      }
      expect((await call(app.url, "/topics")).status).toBe(200);
      expect(Date.now() - t0).toBeLessThan(5_000);
      const ready = await call(app.url, "/health/ready");
      expect(ready.status).toBe(200);
      expect(ready.json).toMatchObject({ status: "degraded", checks: { database: "ok", redis: "degraded" } });
      expect((await call(app.url, "/health/live")).status).toBe(200);
      const headers = { "x-forwarded-for": unique("ip") };
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await call(limited.url, "/topics", { headers })).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
      // an enqueue is accepted once PostgreSQL has it (the worker requeues it when Redis is back): 202, no hang
      const enq = await call(app.url, `/scenes/${sceneId}/segments`, {
        method: "POST",
        token: alice,
        body: { prompt: "during outage" },
      });
      expect(enq.status).toBe(202);
      expect(enq.json).toMatchObject({ sequence: 1, status: "queued", created: true });
      acceptedJob = enq.json.jobId;
    } finally {
      await svc.startRedis();
      await limited.close();
    }
    // back to normal: the same request (same sequence) is the same job
    await waitFor(
      "redis back",
      async () => (await call(app.url, "/health/ready")).json.checks.redis === "ok",
      20_000,
      250,
    );
    const retry = await call(app.url, `/scenes/${sceneId}/segments`, {
      method: "POST",
      token: alice,
      body: { prompt: "during outage", sequence: 1 },
    });
    expect(retry.status).toBe(202);
    expect(retry.json).toMatchObject({ jobId: acceptedJob, created: false });
  }, 60_000);

  test("with Redis stopped, an enqueue with a session-bound token is a 503 from the session store, before any rate limit", async () => {
    const session = await call(app.url, "/sessions", { method: "POST", token: alice });
    expect(session.status).toBe(201);
    await svc.stopRedis();
    try {
      const r = await call(app.url, `/scenes/${sceneId}/segments`, {
        method: "POST",
        token: session.json.token,
        body: { prompt: "session store down" },
        headers: { "x-forwarded-for": unique("ip") },
      });
      expect([r.status, r.json]).toEqual([
        503,
        { error: { code: "unavailable", message: "the session store is unavailable; retry shortly" } },
      ]);
      // identify throws a 5xx at once: the write limit never ran, so it set none of its headers
      expect([...r.headers.keys()].filter((h) => h.startsWith("ratelimit") || h === "retry-after")).toEqual([]);
      expect(r.headers.get("cache-control")).toBe("no-store");
      expect(r.headers.get("content-type")).toBe("application/json; charset=utf-8");
    } finally {
      await svc.startRedis();
    }
    await waitFor(
      "redis back",
      async () => (await call(app.url, "/health/ready")).json.checks.redis === "ok",
      20_000,
      250,
    );
  }, 60_000);

  test("SIGTERM under load: readiness turns 503 at once, every request sent before the balancer stops routing is answered, exit 0", async () => {
    const env = {
      ...process.env,
      ...appEnv(svc.urls(), {
        QUEUE_PREFIX: `{${unique("sigterm")}}`,
        PORT: "0",
        LOG_LEVEL: "info",
        SHUTDOWN_DRAIN_MS: "1000",
      }),
    };
    const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", join(ROOT, "app", "main.ts")], {
      cwd: ROOT,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let buf = "";
        child.stdout?.on("data", (d: Buffer) => {
          buf += d.toString();
          // field order is the logger's business (pino writes msg last): find the line, then its port
          const line = buf.split("\n").find((l) => l.includes('"msg":"api listening"'));
          const m = line === undefined ? null : /"port":(\d+)/.exec(line);
          if (m !== null) resolve(Number(m[1]));
        });
        child.once("exit", (code) => reject(new Error(`api exited with ${code}`)));
      });
      const base = `http://127.0.0.1:${port}`;
      const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
      // the test plays the load balancer: it routes while /health/ready says 200 (probed every 100 ms, as a
      // readiness probe / target-group check would, only faster) and stops sending once it says otherwise
      let routing = true;
      const probe = (async () => {
        while (routing) {
          try {
            const r = await fetch(`${base}/health/ready`, { headers: { connection: "close" } });
            await r.text();
            if (r.status !== 200) routing = false;
          } catch {
            routing = false;
          }
          await new Promise((r) => setTimeout(r, 100));
        }
      })();
      let ok = 0;
      const failures: string[] = [];
      const loop = async () => {
        while (routing) {
          try {
            const r = await fetch(`${base}/scenes/${sceneId}`);
            await r.text();
            if (r.status === 200) ok++;
            else failures.push(`status ${r.status}`);
          } catch (err) {
            failures.push(String((err as { cause?: { code?: string } }).cause?.code ?? err));
          }
        }
      };
      const loops = Array.from({ length: 16 }, loop);
      // under load: SIGTERM arrives once 50 requests have been answered (a count, not a time, so a busy machine
      // does not turn it into a test of throughput)
      const loaded = Date.now() + 20_000;
      while (ok <= 50 && Date.now() < loaded && failures.length === 0) await new Promise((r) => setTimeout(r, 20));
      const before = ok;
      child.kill("SIGTERM");
      await Promise.all([probe, ...loops]);
      const code = await exit;
      expect(failures).toEqual([]);
      expect(code).toBe(0);
      expect(before).toBeGreaterThan(50);
      expect(ok).toBeGreaterThan(before); // requests kept being answered after SIGTERM
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  }, 60_000);
});

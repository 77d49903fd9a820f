import { Client } from "pg";
import { sharedServices } from "./services";
import {
  appEnv,
  call as rawCall,
  insertTopic,
  migrate,
  startApp,
  token,
  unique,
  JWT_SECRET,
  type RunningApp,
} from "./helpers";
import { OpenApiChecker } from "./openapi";
import { signHs256 } from "../../core/jwt";
import { invalidation } from "../../core/keys";

describe("API endpoints on real PostgreSQL, PgBouncer and Redis Cluster", () => {
  const urls = sharedServices();
  let app: RunningApp;
  let admin: Client;
  const sql = async (text: string, values?: unknown[]) =>
    (await admin.query(text, values)).rows as Array<Record<string, unknown>>;
  const alice = token("alice");
  let topicId: string;

  const newScene = async (title = "A scene", extra: Record<string, unknown> = {}) => {
    const r = await call(app.url, "/scenes", { method: "POST", token: alice, body: { topicId, title, ...extra } });
    expect(r.status).toBe(201);
    return r.json as { id: string; createdAt: string };
  };

  // every response of these tests is checked against the API's own /openapi.json
  let checker: OpenApiChecker;
  const call = async (base: string, path: string, init: Parameters<typeof rawCall>[2] = {}) => {
    const r = await rawCall(base, path, init);
    checker.check(init.method ?? "GET", path, r.status, r.headers.get("content-type"), r.json ?? r.text);
    return r;
  };

  beforeAll(async () => {
    await migrate(urls);
    admin = new Client({ connectionString: urls.primaryUrl });
    await admin.connect();
    app = await startApp(appEnv(urls, { QUEUE_PREFIX: `{${unique("api")}}` }));
    topicId = await insertTopic(sql, "Dragons");
    checker = new OpenApiChecker((await rawCall(app.url, "/openapi.json")).json);
  }, 90_000);

  afterAll(async () => {
    await app?.close();
    await admin?.end();
  });

  test("POST /scenes creates a scene (201, Location, no-store) that GET /scenes/:id returns with the CDN's Cache-Control", async () => {
    const created = await call(app.url, "/scenes", {
      method: "POST",
      token: alice,
      body: { topicId, title: "The dragon's egg", description: "A hatchling story", tags: ["fantasy"] },
    });
    expect(created.status).toBe(201);
    expect(created.headers.get("cache-control")).toBe("no-store");
    expect(created.headers.get("location")).toBe(`/scenes/${created.json.id}`);
    expect(created.json).toMatchObject({
      topicId,
      userId: "alice",
      title: "The dragon's egg",
      segmentCount: 0,
      tags: ["fantasy"],
    });
    // the writer's own reads go to the primary (read-your-writes), so no replica lag shows
    const got = await call(app.url, `/scenes/${created.json.id}`, { token: alice });
    expect(got.status).toBe(200);
    expect(got.json.id).toBe(created.json.id);
    expect(got.headers.get("cache-control")).toBe("public, max-age=30, s-maxage=30, stale-while-revalidate=15");
  });

  test("GET /topics and /topics/:id answer from the database, cached 300 s at the CDN", async () => {
    await app.ctx.cache.invalidate("topic", topicId, invalidation.topics([topicId]));
    const list = await call(app.url, "/topics", { token: alice });
    expect(list.status).toBe(200);
    expect(list.headers.get("cache-control")).toBe("public, max-age=300, s-maxage=300, stale-while-revalidate=60");
    expect(list.json.items.map((t: { id: string }) => t.id)).toContain(topicId);
    const one = await call(app.url, `/topics/${topicId}`, { token: alice });
    expect(one.status).toBe(200);
    expect(one.json).toMatchObject({ id: topicId, name: "Dragons" });
  });

  test("creating a scene invalidates the topic caches so its sceneCount is fresh", async () => {
    const before = (await call(app.url, `/topics/${topicId}`, { token: alice })).json.sceneCount as number;
    await newScene("counted");
    const after = (await call(app.url, `/topics/${topicId}`, { token: alice })).json.sceneCount as number;
    expect(after).toBe(before + 1);
  });

  test("GET /scenes pages by keyset: every scene of the topic exactly once, newest first, then nextCursor null", async () => {
    const t = await insertTopic(sql, "Paging");
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const r = await call(app.url, "/scenes", {
        method: "POST",
        token: alice,
        body: { topicId: t, title: `page ${i}` },
      });
      ids.push(r.json.id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const q: string = `/scenes?topicId=${t}&limit=3${cursor === null ? "" : `&cursor=${cursor}`}`;
      const page = await call(app.url, q, { token: alice });
      expect(page.status).toBe(200);
      expect(page.headers.get("cache-control")).toBe("public, max-age=60, s-maxage=60, stale-while-revalidate=30");
      seen.push(...page.json.items.map((s: { id: string }) => s.id));
      cursor = page.json.nextCursor;
      pages++;
    } while (cursor !== null && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual([...ids].reverse());
  });

  test("GET /scenes with a cursor we never issued is a 400 naming cursor", async () => {
    for (const bad of ["nope", "bm9wZQ", Buffer.from("2026-01-01T00:00:00Z|not-a-uuid").toString("base64url"), "%%%"]) {
      const r = await call(app.url, `/scenes?cursor=${encodeURIComponent(bad)}`);
      expect(r.status).toBe(400);
      expect(r.json.error).toMatchObject({ code: "validation_failed", field: "cursor" });
    }
  });

  test("GET /scenes/:id/playlist is an HLS playlist (404 for an unknown scene)", async () => {
    const s = await newScene("playlist");
    await sql(
      "INSERT INTO segments (scene_id, user_id, sequence, prompt, duration_ms, uri, created_at) VALUES ($1, 'alice', 1, 'p', 4000, 'scenes/x/1.ts', now())",
      [s.id],
    );
    const r = await call(app.url, `/scenes/${s.id}/playlist`, { token: alice });
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toMatch(/application\/vnd\.apple\.mpegurl/);
    expect(r.headers.get("cache-control")).toBe("public, max-age=30, s-maxage=30, stale-while-revalidate=15");
    expect(r.text).toContain("#EXTM3U");
    expect(r.text).toContain("#EXTINF:4.000,\n/media/scenes/x/1.ts");
    expect((await call(app.url, "/scenes/00000000-0000-4000-8000-000000000000/playlist")).status).toBe(404);
  });

  test("GET /search finds scenes by stemmed words through PostgreSQL full-text search", async () => {
    const word = `zanzibar${Math.random().toString(36).slice(2, 7)}`;
    const s = await newScene(`Sailing to ${word}`, { description: "The sailors were sailing" });
    const r = await call(app.url, `/search?q=${encodeURIComponent(`${word} sail`)}`, { token: alice });
    expect(r.status).toBe(200);
    expect(r.headers.get("x-search-backend")).toBe("postgres");
    expect(r.json.query).toBe(`${word} sail`);
    expect(r.json.items.map((i: { id: string }) => i.id)).toEqual([s.id]);
    expect(Object.keys(r.json.items[0]).sort()).toEqual([
      "createdAt",
      "description",
      "id",
      "score",
      "segmentCount",
      "tags",
      "title",
      "topicId",
    ]);
    expect((await call(app.url, "/search")).json.error.field).toBe("q");
  });

  test("POST /scenes/:id/segments answers 202 with a job id; repeating it with the same sequence returns the same job", async () => {
    const s = await newScene("segments");
    expect((await call(app.url, `/scenes/${s.id}`, { token: alice })).json.lastSequence).toBe(0);
    const first = await call(app.url, `/scenes/${s.id}/segments`, {
      method: "POST",
      token: alice,
      body: { prompt: "the egg cracks" },
    });
    expect(first.status).toBe(202);
    expect(first.json).toMatchObject({ sceneId: s.id, sequence: 1, status: "queued", created: true });
    // the writer's next reads go to the primary (read-your-writes): marked once the job is committed
    expect(first.headers.get("set-cookie") ?? "").toMatch(/^sf_ryw=\d+\./);
    const again = await call(app.url, `/scenes/${s.id}/segments`, {
      method: "POST",
      token: alice,
      body: { prompt: "the egg cracks", sequence: 1 },
    });
    expect(again.status).toBe(202);
    expect(again.json).toMatchObject({ jobId: first.json.jobId, created: false });
    // the cached scene was refreshed from the primary, so even a public (replica-routed) read sees the new sequence
    expect((await call(app.url, `/scenes/${s.id}`)).json.lastSequence).toBe(1);
    const job = await call(app.url, `/jobs/${first.json.jobId}`, { token: alice });
    expect(job.status).toBe(200);
    expect(job.json).toMatchObject({ id: first.json.jobId, sceneId: s.id, sequence: 1, status: "queued" });
    const bullJobs = await app.ctx.queue.getJobs(["waiting", "prioritized", "delayed"]);
    expect(bullJobs.filter((j) => j.data.sceneId === s.id)).toHaveLength(1);
  });

  test("a sequence reused with another prompt, or skipping ahead, is a 409 naming sequence", async () => {
    const s = await newScene("conflicts");
    await call(app.url, `/scenes/${s.id}/segments`, { method: "POST", token: alice, body: { prompt: "one" } });
    const other = await call(app.url, `/scenes/${s.id}/segments`, {
      method: "POST",
      token: alice,
      body: { prompt: "two", sequence: 1 },
    });
    expect(other.status).toBe(409);
    expect(other.json.error).toMatchObject({ code: "conflict", field: "sequence" });
    const skip = await call(app.url, `/scenes/${s.id}/segments`, {
      method: "POST",
      token: alice,
      body: { prompt: "five", sequence: 5 },
    });
    expect(skip.status).toBe(409);
    expect(skip.json.error.field).toBe("sequence");
  });

  test("concurrent segment requests for one scene take consecutive sequences, one job each", async () => {
    const s = await newScene("concurrent");
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        call(app.url, `/scenes/${s.id}/segments`, { method: "POST", token: alice, body: { prompt: `p${i}` } }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(202));
    expect(answers.map((a) => a.json.sequence as number).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const rows = await sql("SELECT sequence, prompt FROM jobs WHERE scene_id = $1 ORDER BY sequence", [s.id]);
    expect(rows).toHaveLength(8);
    // each answer names the job its own prompt went into
    for (const a of answers) expect(rows[(a.json.sequence as number) - 1]?.prompt).toBe(`p${answers.indexOf(a)}`);
    expect((await sql("SELECT last_sequence FROM scenes WHERE id = $1", [s.id]))[0]?.last_sequence).toBe(8);
    // the next sequence, named explicitly, is taken by the same single statement
    const ninth = await call(app.url, `/scenes/${s.id}/segments`, {
      method: "POST",
      token: alice,
      body: { prompt: "p8", sequence: 9 },
    });
    expect(ninth.json).toMatchObject({ sequence: 9, created: true });
  });

  test("writes without a valid bearer token are 401 naming authorization", async () => {
    const cases: Array<Record<string, string>> = [
      {},
      { authorization: "Basic abc" },
      {
        authorization: `Bearer ${signHs256({ sub: "eve", exp: Math.floor(Date.now() / 1000) + 60 }, "another-secret-another-secret-1234")}`,
      },
      { authorization: `Bearer ${signHs256({ sub: "eve", exp: Math.floor(Date.now() / 1000) - 3600 }, JWT_SECRET)}` },
    ];
    for (const headers of cases) {
      const r = await call(app.url, "/scenes", { method: "POST", headers, body: { topicId, title: "x" } });
      expect(r.status).toBe(401);
      expect(r.json.error).toMatchObject({ code: "unauthorized", field: "authorization" });
    }
  });

  test("invalid bodies are 400 naming the field; unknown topics too", async () => {
    const cases: Array<[unknown, string]> = [
      [{ title: "x" }, "topicId"],
      [{ topicId, title: "" }, "title"],
      [{ topicId, title: "x".repeat(201) }, "title"],
      [{ topicId, title: "x", tags: ["Not Valid"] }, "tags[0]"],
      [{ topicId, title: "x", thumbnailUrl: "http://insecure" }, "thumbnailUrl"],
      [{ topicId, title: "x", colour: "red" }, "colour"],
      [[1, 2], "body"],
      [{ topicId: "00000000-0000-4000-8000-000000000000", title: "x" }, "topicId"],
    ];
    for (const [body, field] of cases) {
      const r = await call(app.url, "/scenes", { method: "POST", token: alice, body });
      expect({ status: r.status, field: r.json?.error?.field }).toEqual({ status: 400, field });
    }
    const bad = await call(app.url, "/scenes", {
      method: "POST",
      token: alice,
      rawBody: "{not json",
      headers: { "content-type": "application/json" },
    });
    expect(bad.status).toBe(400);
    expect(bad.json.error.field).toBe("body");
  });

  test("a body over the limit is 413 and a non-JSON body is 415", async () => {
    const big = await call(app.url, "/scenes", {
      method: "POST",
      token: alice,
      body: { topicId, title: "x", description: "y".repeat(100_000) },
    });
    expect(big.status).toBe(413);
    expect(big.json.error.code).toBe("payload_too_large");
    const text = await call(app.url, "/scenes", {
      method: "POST",
      token: alice,
      rawBody: "title=x",
      headers: { "content-type": "text/plain" },
    });
    expect(text.status).toBe(415);
    expect(text.json.error).toMatchObject({ code: "unsupported_media_type", field: "content-type" });
  });

  test("unknown ids are 404 and malformed ids are 400 naming id", async () => {
    const zero = "00000000-0000-4000-8000-000000000000";
    for (const path of [`/scenes/${zero}`, `/topics/${zero}`, `/jobs/${zero}`, "/no/such/route"]) {
      const r = await call(app.url, path);
      expect(r.status).toBe(404);
      expect(r.json.error.code).toBe("not_found");
    }
    const seg = await call(app.url, `/scenes/${zero}/segments`, {
      method: "POST",
      token: alice,
      body: { prompt: "p" },
    });
    expect(seg.status).toBe(404);
    const bad = await call(app.url, "/scenes/123");
    expect(bad.status).toBe(400);
    expect(bad.json.error.field).toBe("id");
  });

  test("/health/live and /health/ready differ: ready checks the database and Redis", async () => {
    const live = await call(app.url, "/health/live");
    expect(live.json).toEqual({ status: "ok" });
    const ready = await call(app.url, "/health/ready");
    expect(ready.status).toBe(200);
    expect(ready.json).toEqual({ status: "ok", checks: { database: "ok", redis: "ok" } });
  });

  test("GET /internal/queue-depth counts waiting + delayed + prioritized, and /metrics exposes it with request histograms", async () => {
    const s = await newScene("depth");
    await call(app.url, `/scenes/${s.id}/segments`, { method: "POST", token: alice, body: { prompt: "p" } });
    await app.ctx.queue.add(
      "generate",
      { jobRowId: "x", sceneId: s.id, sequence: 99, userId: "a", prompt: "p", requestedAt: new Date().toISOString() },
      { jobId: `delayed-${s.id}`, delay: 60_000 },
    );
    await app.ctx.queue.add(
      "generate",
      { jobRowId: "y", sceneId: s.id, sequence: 98, userId: "a", prompt: "p", requestedAt: new Date().toISOString() },
      { jobId: `prio-${s.id}`, priority: 5 },
    );
    const d = await call(app.url, "/internal/queue-depth");
    expect(d.status).toBe(200);
    expect(d.json.queue).toBe("generation");
    expect(d.json.delayed).toBeGreaterThanOrEqual(1);
    expect(d.json.prioritized).toBeGreaterThanOrEqual(1);
    expect(d.json.depth).toBe(d.json.waiting + d.json.delayed + d.json.prioritized);
    const m = await call(app.url, "/metrics");
    expect(m.text).toMatch(new RegExp(`redis_queue_depth\\{queue="generation"\\} ${d.json.depth}`));
    expect(m.text).toMatch(/http_request_duration_seconds_bucket\{.*route="\/scenes\/:id".*status="200"/);
    expect(m.text).toMatch(/cache_hits_total/);
    expect(m.text).toMatch(/db_pool_connections\{pool="primary",state="total"\}/);
  });

  test("every response carries a request id, echoing a well-formed X-Request-Id", async () => {
    const r = await call(app.url, "/health/live", { headers: { "x-request-id": "abc-123" } });
    expect(r.headers.get("x-request-id")).toBe("abc-123");
    const g = await call(app.url, "/health/live", { headers: { "x-request-id": "bad id with spaces" } });
    expect(g.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  test("/openapi.json is an OpenAPI 3.1 document of every public route, and the responses above matched it", async () => {
    const r = await call(app.url, "/openapi.json");
    expect(r.status).toBe(200);
    expect(r.json.openapi).toBe("3.1.0");
    expect(Object.keys(r.json.paths).sort()).toEqual(
      [
        "/jobs/{id}",
        "/openapi.json",
        "/scenes",
        "/scenes/{id}",
        "/scenes/{id}/bible",
        "/scenes/{id}/playlist",
        "/scenes/{id}/segments",
        "/search",
        "/sessions",
        "/sessions/current",
        "/sessions/{id}",
        "/topics",
        "/topics/{id}",
      ].sort(),
    );
    // the checker really ran on the calls of this file: successes and errors of several routes
    for (const seen of [
      "POST /scenes 201",
      "GET /scenes/{id} 200",
      "GET /scenes 200",
      "GET /scenes 400",
      "POST /scenes 400",
      "POST /scenes 401",
      "POST /scenes/{id}/segments 202",
      "POST /scenes/{id}/segments 409",
      "GET /jobs/{id} 200",
      "GET /search 200",
      "GET /topics/{id} 200",
    ])
      expect(checker.seen).toContain(seen);
    // and it can fail: a body that is not what the document says is refused
    expect(() => checker.check("GET", "/topics", 200, "application/json", { items: [{ id: 1 }] })).toThrow(
      /does not match/,
    );
    expect(() => checker.check("GET", "/topics", 418, "application/json", {})).toThrow(/not documented/);
  });
});

// POST /scenes/:id/segments answered exactly, good input or bad: status, the whole body, the header names in
// order, the access-log line and the histogram. Written against the Express route before any change to the write
// path (/work/notes/perf4-write-spec.md §3), so a route answered another way must pass it unchanged. A raw HTTP
// client: fetch hides header order and case and always frames a body.
import * as zlib from "node:zlib";
import { deflateSync, gzipSync } from "node:zlib";
import type { Client } from "pg";
import { createLogger } from "../../core/logger";
import { sharedServices } from "./services";
import { adminWithTopic, appEnv, call, metricValue, startApp, token, unique, type RunningApp } from "./helpers";
import { CONNECTION, ERROR_TAIL, RATE, chunked, error, rawHttp, type Req } from "./raw-http";

describe("the enqueue's answer, exactly", () => {
  const urls = sharedServices();
  const logLines: string[] = [];
  const alice = token("alice");
  let admin: Client;
  let app: RunningApp;
  let port: number;
  let topicId: string;

  beforeAll(async () => {
    ({ admin, topicId } = await adminWithTopic(urls, "Answer"));
    app = await startApp(
      appEnv(urls, { QUEUE_PREFIX: `{${unique("answer")}}`, LOG_LEVEL: "info", TRUST_PROXY: "true" }),
      createLogger("info", { service: "api" }, (l) => logLines.push(l)),
    );
    port = Number(new URL(app.url).port);
  }, 90_000);

  afterAll(async () => {
    await app?.close();
    await admin?.end();
  });

  /** Each test's client gets its own address, so no two share a write-limit bucket. */
  let client = 0;
  const nextIp = () => `198.51.100.${++client}`;

  const { exchange, frame, send } = rawHttp(() => port, nextIp);

  const json = "application/json";
  const bearer = (t = alice) => ({ authorization: `Bearer ${t}` });
  const newScene = async (): Promise<string> => {
    const r = await call(app.url, "/scenes", {
      method: "POST",
      token: alice,
      body: { topicId, title: "answer" },
      headers: { "x-forwarded-for": nextIp() },
    });
    expect(r.status).toBe(201);
    return r.json.id as string;
  };
  const enqueue = (sceneId: string, extra: Partial<Req> = {}) =>
    send({
      path: `/scenes/${sceneId}/segments`,
      headers: { "content-type": json, ...bearer() },
      body: JSON.stringify({ prompt: "the storm breaks" }),
      ...extra,
    });
  test("a 202 carries the request id, the RateLimit headers, the read-your-writes cookie, no-store and the job's Location, in that order", async () => {
    const sceneId = await newScene();
    const r = await enqueue(sceneId, { headers: { "content-type": json, ...bearer(), "x-request-id": "answer-1" } });
    expect(r.status).toBe(202);
    expect(r.names).toEqual([
      "x-request-id",
      ...RATE,
      "set-cookie",
      "cache-control",
      "location",
      "content-type",
      "content-length",
      ...CONNECTION,
    ]);
    expect(r.headers["x-request-id"]).toBe("answer-1");
    const limit = app.config.rateLimitWritePerMin;
    expect(r.headers["ratelimit-limit"]).toBe(String(limit));
    expect(r.headers["ratelimit-policy"]).toBe(`${limit};w=60`);
    expect(r.headers["set-cookie"]).toMatch(
      /^sf_ryw=\d+\.[A-Za-z0-9_-]+; Max-Age=\d+; Path=\/; HttpOnly; SameSite=Lax$/,
    );
    expect(r.headers["cache-control"]).toBe("no-store");
    expect(r.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(Number(r.headers["content-length"])).toBe(Buffer.byteLength(r.body));
    expect(Object.keys(r.json)).toEqual(["jobId", "sceneId", "sequence", "status", "created", "statusUrl"]);
    expect(r.json).toMatchObject({ sceneId, sequence: 1, status: "queued", created: true });
    expect(r.headers.location).toBe(`/jobs/${r.json.jobId}`);
    expect(r.json.statusUrl).toBe(r.headers.location);
  });

  test("an enqueue's access-log line names the route and the user, and the histogram counts it under the route", async () => {
    const sceneId = await newScene();
    const histogram = (status: string) =>
      `http_request_duration_seconds_count{method="POST",route="/scenes/:id/segments",status="${status}"}`;
    const [ok0, refused0] = [await metricValue(app, histogram("202")), await metricValue(app, histogram("401"))];
    logLines.length = 0;
    const ip = nextIp();
    expect(
      (await enqueue(sceneId, { ip, headers: { "content-type": json, ...bearer(), "x-request-id": "log-1" } })).status,
    ).toBe(202);
    expect((await enqueue(sceneId, { ip, headers: { "content-type": json, "x-request-id": "log-2" } })).status).toBe(
      401,
    );
    const lines = logLines.map((l) => JSON.parse(l) as Record<string, any>).filter((l) => l.msg === "request");
    const line = (id: string) => lines.find((l) => l.reqId === id);
    expect(line("log-1")).toMatchObject({ route: "/scenes/:id/segments", ip, user: "alice", res: { statusCode: 202 } });
    expect(line("log-1")?.path).toBeUndefined();
    expect(line("log-2")).toMatchObject({ route: "/scenes/:id/segments", ip, res: { statusCode: 401 } });
    expect(line("log-2")?.user).toBeUndefined();
    expect(await metricValue(app, histogram("202"))).toBe(ok0 + 1);
    expect(await metricValue(app, histogram("401"))).toBe(refused0 + 1);
  });

  test("a write without a valid bearer token is a 401 that says why, after the write limit counted it", async () => {
    const sceneId = await newScene();
    const expired = token("alice", undefined, -3600);
    const cases: Array<[Record<string, string>, string]> = [
      [{}, "this endpoint needs a bearer token"],
      [{ authorization: "Basic x" }, "Authorization must be 'Bearer <token>'"],
      [bearer(token("alice", "another-secret-another-secret-32")), "token signature is invalid"],
      [bearer(expired), "token has expired"],
    ];
    for (const [auth, message] of cases) {
      const r = await enqueue(sceneId, { headers: { "content-type": json, ...auth } });
      expect([r.status, r.json]).toEqual([401, error("unauthorized", message, "authorization")]);
      expect(r.names).toEqual(["x-request-id", ...RATE, ...ERROR_TAIL, ...CONNECTION]);
    }
  });

  test("a body that is not JSON by its Content-Type is a 415 naming the type it got", async () => {
    const sceneId = await newScene();
    const cases: Array<[Record<string, string>, string]> = [
      [{}, '"none"'],
      [{ "content-type": "text/plain" }, '"text/plain"'],
      [{ "content-type": "application/vnd.api+json" }, '"application/vnd.api+json"'],
    ];
    for (const [type, got] of cases) {
      const r = await enqueue(sceneId, { headers: { ...bearer(), ...type } });
      expect([r.status, r.json]).toEqual([
        415,
        error("unsupported_media_type", `Content-Type must be application/json, got ${got}`, "content-type"),
      ]);
      expect(r.names).toEqual(["x-request-id", ...RATE, ...ERROR_TAIL, ...CONNECTION]);
    }
  });

  test("a charset other than UTF-8's names is a 415 naming the charset; the type's case and quotes do not matter", async () => {
    const sceneId = await newScene();
    for (const charset of ["latin1", "utf8"]) {
      const r = await enqueue(sceneId, { headers: { ...bearer(), "content-type": `${json}; charset=${charset}` } });
      expect([r.status, r.json]).toEqual([
        415,
        error(
          "unsupported_media_type",
          `unsupported body encoding: unsupported charset "${charset.toUpperCase()}"`,
          "content-type",
        ),
      ]);
    }
    const r = await enqueue(sceneId, { headers: { ...bearer(), "content-type": 'Application/JSON; Charset="UTF-8"' } });
    expect(r.status).toBe(202);
  });

  test("a gzip body is accepted; an encoding the parser does not know is a 415", async () => {
    const sceneId = await newScene();
    const gz = await enqueue(sceneId, {
      headers: { ...bearer(), "content-type": json, "content-encoding": "gzip" },
      body: gzipSync(JSON.stringify({ prompt: "zipped" })),
    });
    expect([gz.status, gz.json?.sequence]).toEqual([202, 1]);
    const r = await enqueue(sceneId, {
      headers: { ...bearer(), "content-type": json, "content-encoding": "compress" },
    });
    expect([r.status, r.json]).toEqual([
      415,
      error(
        "unsupported_media_type",
        'unsupported body encoding: unsupported content encoding "compress"',
        "content-type",
      ),
    ]);
  });

  test("a body over the limit is a 413, and the connection serves the next request", async () => {
    const sceneId = await newScene();
    const ip = nextIp();
    const big = JSON.stringify({ prompt: "x".repeat(70_000) });
    const [tooLarge, next] = await exchange([
      frame({ path: `/scenes/${sceneId}/segments`, ip, headers: { ...bearer(), "content-type": json }, body: big }),
      frame({
        path: `/scenes/${sceneId}/segments`,
        ip,
        headers: { ...bearer(), "content-type": json },
        body: JSON.stringify({ prompt: "after" }),
      }),
    ]);
    expect([tooLarge.status, tooLarge.json]).toEqual([
      413,
      error("payload_too_large", "request body is larger than the limit", "body"),
    ]);
    expect(next.status).toBe(202);
  });

  test("a body that is not a JSON object is a 400 on the body, saying what it is", async () => {
    const sceneId = await newScene();
    const notJson = error("validation_failed", "request body is not valid JSON", "body");
    for (const body of ["{not json", '"x"', "1", "null", '{"prompt":"p"} trailing'])
      expect([body, (await enqueue(sceneId, { body })).json]).toEqual([body, notJson]);
    const array = await enqueue(sceneId, { body: "[1,2]" });
    expect([array.status, array.json]).toEqual([
      400,
      error("validation_failed", "body must be a JSON object, got an array of 2 items", "body"),
    ]);
    const empty = await enqueue(sceneId, { body: "" });
    expect([empty.status, empty.json]).toEqual([400, error("validation_failed", "prompt is required", "prompt")]);
  });

  test("a body nested 33 levels deep is refused before it is parsed; 32 levels pass the depth check", async () => {
    const sceneId = await newScene();
    const nested = (depth: number) => `{"prompt":"p","x":${"[".repeat(depth - 1)}${"]".repeat(depth - 1)}}`;
    const deep = await enqueue(sceneId, { body: nested(33) });
    expect([deep.status, deep.json]).toEqual([
      400,
      error("validation_failed", "body nests deeper than 32 levels", "body"),
    ]);
    const ok = await enqueue(sceneId, { body: nested(32) });
    expect(ok.json?.error?.message).not.toBe("body nests deeper than 32 levels");
  });

  test("a malformed scene id is a 400 on the id once the caller is known, and a 401 before", async () => {
    const r = await enqueue("123");
    expect([r.status, r.json]).toEqual([400, error("validation_failed", 'id must be a UUID, got "123"', "id")]);
    const anonymous = await enqueue("123", { headers: { "content-type": json } });
    expect(anonymous.status).toBe(401);
  });

  test("the route matches an uppercase id, an uppercase path, a trailing slash and a query string", async () => {
    const sceneId = await newScene();
    const upper = await enqueue(sceneId.toUpperCase());
    expect([upper.status, upper.json?.sceneId]).toEqual([202, sceneId]);
    for (const path of [
      `/SCENES/${sceneId}/SEGMENTS`,
      `/scenes/${sceneId}/segments/`,
      `/scenes/${sceneId}/segments?x=1`,
    ])
      expect([path, (await enqueue(sceneId, { path })).status]).toEqual([path, 202]);
  });

  test("a path that cannot be decoded is a 400 before any check, logged as unmatched with its path", async () => {
    logLines.length = 0;
    const r = await enqueue("%zz", { headers: { "content-type": json, "x-request-id": "bad-path" } });
    expect([r.status, r.json]).toEqual([
      400,
      { error: { code: "validation_failed", message: "Failed to decode param '%zz'" } },
    ]);
    expect(r.names).toEqual(["x-request-id", ...ERROR_TAIL, ...CONNECTION]);
    const line = logLines.map((l) => JSON.parse(l) as Record<string, any>).find((l) => l.reqId === "bad-path");
    expect(line).toMatchObject({ route: "unmatched", path: "/scenes/%zz/segments" });
  });

  test("an unknown scene is a 404 naming it; another user's scene is a 403", async () => {
    const missing = "00000000-0000-4000-8000-000000000001";
    const r = await enqueue(missing);
    expect([r.status, r.json]).toEqual([404, error("not_found", `scene "${missing}" not found`)]);
    const sceneId = await newScene();
    const bob = await enqueue(sceneId, { headers: { "content-type": json, ...bearer(token("bob")) } });
    expect([bob.status, bob.json]).toEqual([
      403,
      error("forbidden", "only the scene's creator may add segments to it", "authorization"),
    ]);
  });

  test("OPTIONS answers 204 with every method the path allows; HEAD on the enqueue is a 405 with no body", async () => {
    const sceneId = await newScene();
    const options = await send({ path: `/scenes/${sceneId}/segments`, method: "OPTIONS" });
    expect([options.status, options.headers.allow, options.body]).toEqual([204, "POST", ""]);
    // a path two routers serve (reads: GET, writes: POST) lists both
    const scenes = await send({ path: "/scenes", method: "OPTIONS" });
    expect([scenes.status, scenes.headers.allow]).toEqual([204, "GET, HEAD, POST"]);
    const head = await send({ path: `/scenes/${sceneId}/segments`, method: "HEAD" });
    expect([head.status, head.headers.allow, head.body]).toEqual([405, "POST", ""]);
  });

  test("a refused write's unread body does not stop the connection from serving the next request", async () => {
    const sceneId = await newScene();
    const ip = nextIp();
    const body = JSON.stringify({ prompt: "y".repeat(60_000) });
    const [refused, next] = await exchange([
      frame({ path: `/scenes/${sceneId}/segments`, ip, headers: { "content-type": json }, body }),
      frame({
        path: `/scenes/${sceneId}/segments`,
        ip,
        headers: { "content-type": json, ...bearer() },
        body: JSON.stringify({ prompt: "next" }),
      }),
    ]);
    expect([refused.status, next.status]).toEqual([401, 202]);
  });

  const promptBody = (prompt: string) => JSON.stringify({ prompt });
  const ERROR_NAMES = ["x-request-id", ...RATE, ...ERROR_TAIL, ...CONNECTION];
  /** The prompt the job was stored with: what the route decoded from the body. */
  const storedPrompt = async (jobId: string) =>
    (await admin.query<{ prompt: string }>("SELECT prompt FROM jobs WHERE id = $1", [jobId])).rows[0]?.prompt;

  test("a body is accepted chunked, after a UTF-8 BOM or whitespace, as UTF-16LE by its charset, and deflated", async () => {
    const sceneId = await newScene();
    const headers = (extra: Record<string, string> = {}) => ({ ...bearer(), "content-type": json, ...extra });
    const cases: Array<[string, Partial<Req>]> = [
      ["chunked", { headers: headers({ "transfer-encoding": "chunked" }), body: chunked(promptBody("chunked"), 7) }],
      ["bom", { body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(promptBody("bom"))]) }],
      ["whitespace", { body: ` \t\r\n${promptBody("whitespace")}` }],
      [
        "utf-16 ✓",
        {
          headers: headers({ "content-type": `${json}; charset=utf-16le` }),
          body: Buffer.from(promptBody("utf-16 ✓"), "utf16le"),
        },
      ],
      ["deflate", { headers: headers({ "content-encoding": "deflate" }), body: deflateSync(promptBody("deflate")) }],
    ];
    for (const [i, [prompt, req]] of cases.entries()) {
      const r = await enqueue(sceneId, req);
      expect([prompt, r.status, r.json]).toEqual([
        prompt,
        202,
        {
          jobId: r.json?.jobId,
          sceneId,
          sequence: i + 1,
          status: "queued",
          created: true,
          statusUrl: r.headers.location,
        },
      ]);
      expect(r.headers.location).toBe(`/jobs/${r.json.jobId}`);
      expect(await storedPrompt(r.json.jobId)).toBe(prompt);
    }
  });

  test("a body over the limit is a 413 however it comes: chunked, or gzip that inflates past the limit", async () => {
    const sceneId = await newScene();
    const big = promptBody("x".repeat(70_000));
    const zipped = gzipSync(big);
    expect(zipped.length).toBeLessThan(app.config.bodyLimitBytes);
    const cases: Array<Partial<Req>> = [
      { headers: { ...bearer(), "content-type": json, "transfer-encoding": "chunked" }, body: chunked(big, 16_384) },
      { headers: { ...bearer(), "content-type": json, "content-encoding": "gzip" }, body: zipped },
    ];
    for (const req of cases) {
      const r = await enqueue(sceneId, req);
      expect([r.status, r.json]).toEqual([
        413,
        error("payload_too_large", "request body is larger than the limit", "body"),
      ]);
      expect(r.names).toEqual(ERROR_NAMES);
    }
  });

  test("a body its Content-Encoding cannot decode is a 400 on the body saying so; a list of encodings is a 415", async () => {
    const sceneId = await newScene();
    // the plain JSON body under each encoding's header, and a gzip body cut short
    const bodies: Array<[string, Buffer | string | undefined]> = [
      ["gzip", undefined],
      ["deflate", undefined],
      ["br", undefined],
      ["gzip", gzipSync(promptBody("cut")).subarray(0, 12)],
    ];
    for (const [encoding, body] of bodies) {
      const r = await enqueue(sceneId, {
        headers: { ...bearer(), "content-type": json, "content-encoding": encoding },
        ...(body === undefined ? {} : { body }),
      });
      expect([encoding, r.status, r.json]).toEqual([
        encoding,
        400,
        error("validation_failed", "request body does not decode by its Content-Encoding", "body"),
      ]);
      expect(r.names).toEqual(ERROR_NAMES);
    }
    const list = await enqueue(sceneId, {
      headers: { ...bearer(), "content-type": json, "content-encoding": "gzip, identity" },
      body: gzipSync(promptBody("listed")),
    });
    expect([list.status, list.json]).toEqual([
      415,
      error(
        "unsupported_media_type",
        'unsupported body encoding: unsupported content encoding "gzip, identity"',
        "content-type",
      ),
    ]);
  });

  test("a zstd body is inflated where this Node has zstd (and one it cannot decode is a 400 on the body), and a 415 naming the encoding where it has not", async () => {
    const sceneId = await newScene();
    const headers = { ...bearer(), "content-type": json, "content-encoding": "zstd" };
    if ("createZstdDecompress" in zlib) {
      const { zstdCompressSync } = zlib as unknown as { zstdCompressSync(b: Buffer): Buffer };
      const r = await enqueue(sceneId, { headers, body: zstdCompressSync(Buffer.from(promptBody("zstd"))) });
      expect([r.status, r.json?.sequence]).toEqual([202, 1]);
      expect(await storedPrompt(r.json.jobId)).toBe("zstd");
      const notZstd = await enqueue(sceneId, { headers });
      expect([notZstd.status, notZstd.json]).toEqual([
        400,
        error("validation_failed", "request body does not decode by its Content-Encoding", "body"),
      ]);
    } else {
      const r = await enqueue(sceneId, { headers });
      expect([r.status, r.json]).toEqual([
        415,
        error(
          "unsupported_media_type",
          'unsupported body encoding: unsupported content encoding "zstd"',
          "content-type",
        ),
      ]);
      expect(r.names).toEqual(ERROR_NAMES);
    }
  });

  test("an empty Content-Type, a list of types, and application/json on a request without a body are 415s", async () => {
    const sceneId = await newScene();
    const cases: Array<[Partial<Req>, string]> = [
      [{ headers: { ...bearer(), "content-type": "" } }, '""'],
      [{ headers: { ...bearer(), "content-type": `${json}, text/plain` } }, '"application/json, text/plain"'],
      // neither Content-Length nor Transfer-Encoding: type-is says the request has no body, so no type matches
      [{ headers: { ...bearer(), "content-type": json }, body: undefined }, '"application/json"'],
    ];
    for (const [req, got] of cases) {
      const r = await enqueue(sceneId, req);
      expect([got, r.status, r.json]).toEqual([
        got,
        415,
        error("unsupported_media_type", `Content-Type must be application/json, got ${got}`, "content-type"),
      ]);
      expect(r.names).toEqual(ERROR_NAMES);
    }
  });

  test("a utf- charset the decoder does not know is a 415 naming it; an empty charset is UTF-8", async () => {
    const sceneId = await newScene();
    const r = await enqueue(sceneId, { headers: { ...bearer(), "content-type": `${json}; charset=utf-foo` } });
    expect([r.status, r.json]).toEqual([
      415,
      error("unsupported_media_type", 'unsupported body encoding: unsupported charset "UTF-FOO"', "content-type"),
    ]);
    expect(r.names).toEqual(ERROR_NAMES);
    const empty = await enqueue(sceneId, { headers: { ...bearer(), "content-type": `${json}; charset=` } });
    expect(empty.status).toBe(202);
  });

  test("a taken sequence with another prompt, or one past the next, is a 409 on sequence saying which", async () => {
    const sceneId = await newScene();
    expect((await enqueue(sceneId)).status).toBe(202);
    const cases: Array<[object, string]> = [
      [{ prompt: "another", sequence: 1 }, "sequence 1 was already requested with another prompt"],
      [{ prompt: "ahead", sequence: 5 }, "sequence must be 2 (the next segment), got 5"],
    ];
    for (const [body, message] of cases) {
      const r = await enqueue(sceneId, { body: JSON.stringify(body) });
      expect([r.status, r.json]).toEqual([409, error("conflict", message, "sequence")]);
      expect(r.names).toEqual(ERROR_NAMES);
    }
  });
});

// POST /scenes/:id/segments answered ahead of Express (app/fastpath.ts segmentsFastPath): which requests it takes,
// that it answers every one of them itself, and that its answers are the route's. One app answers through it, one
// with it turned off answers through the route; the same requests go to both (each to its own scene, so both see
// the same history) and their answers are compared whole: status, body, header names in order and their values.
import { connect } from "node:net";
import { deflateSync, gzipSync } from "node:zlib";
import fc from "fast-check";
import type { Client } from "pg";
import { createLogger } from "../../core/logger";
import { sharedServices } from "./services";
import {
  adminWithTopic,
  appEnv,
  call,
  metricValue,
  startApp,
  token,
  unique,
  waitFor,
  type RunningApp,
} from "./helpers";
import { chunked, rawHttp, type RawAnswer, type Req } from "./raw-http";

const TAKEN = "http_fast_path_writes_total";
const UUIDS = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

describe("the enqueue answered ahead of the routers", () => {
  const urls = sharedServices();
  const logLines: string[] = [];
  const routedLines: string[] = [];
  const alice = token("alice");
  let admin: Client;
  let fast: RunningApp;
  let routed: RunningApp;
  let topicId: string;

  beforeAll(async () => {
    ({ admin, topicId } = await adminWithTopic(urls, "Enqueue fast path"));
    const env = appEnv(urls, { QUEUE_PREFIX: `{${unique("wfast")}}`, LOG_LEVEL: "info", TRUST_PROXY: "true" });
    fast = await startApp(
      env,
      createLogger("info", { service: "api" }, (l) => logLines.push(l)),
    );
    routed = await startApp(
      env,
      createLogger("info", { service: "api" }, (l) => routedLines.push(l)),
      {
        writeFastPath: false,
      },
    );
  }, 90_000);

  afterAll(async () => {
    await fast?.close();
    await routed?.close();
    await admin?.end();
  });

  /** Every request its own client address, so no two share a write-limit bucket (the apps share Redis). */
  let client = 0;
  const nextIp = () => {
    client += 1;
    return `10.77.${client >> 8}.${client & 255}`;
  };
  const portOf = (app: RunningApp) => Number(new URL(app.url).port);
  const clientOf = (app: RunningApp) => rawHttp(() => portOf(app), nextIp);
  const send = (app: RunningApp, r: Req): Promise<RawAnswer> => clientOf(app).send(r);
  const newScene = async (app: RunningApp): Promise<string> => {
    const r = await call(app.url, "/scenes", {
      method: "POST",
      token: alice,
      body: { topicId, title: "fast enqueue" },
      headers: { "x-forwarded-for": nextIp() },
    });
    expect(r.status).toBe(201);
    return r.json.id as string;
  };
  const json = { "content-type": "application/json" };
  const bearer = (t = alice) => ({ authorization: `Bearer ${t}` });
  const prompt = (p = "the storm breaks") => JSON.stringify({ prompt: p });
  /** The access-log line of the request with this X-Request-Id, once written. */
  const requestLine = (lines: string[], requestId: string): Record<string, any> | undefined =>
    lines.map((l) => JSON.parse(l) as Record<string, any>).find((l) => l.msg === "request" && l.reqId === requestId);

  test("it takes a POST to the lowercase path with a well-formed id and answers it, good or bad", async () => {
    const sceneId = await newScene(fast);
    const path = `/scenes/${sceneId}/segments`;
    const taken: Array<[string, Req, number]> = [
      ["an enqueue", { path, headers: { ...json, ...bearer() }, body: prompt() }, 202],
      [
        "an uppercase id",
        { path: path.replace(sceneId, sceneId.toUpperCase()), headers: { ...json, ...bearer() }, body: prompt("u") },
        202,
      ],
      ["no token", { path, headers: json, body: prompt() }, 401],
      ["not JSON by its type", { path, headers: { ...bearer(), "content-type": "text/plain" }, body: prompt() }, 415],
      ["not JSON", { path, headers: { ...json, ...bearer() }, body: "{not json" }, 400],
      ["too large", { path, headers: { ...json, ...bearer() }, body: prompt("x".repeat(70_000)) }, 413],
      [
        "an unknown scene",
        {
          path: `/scenes/${"0".repeat(8)}-0000-4000-8000-${"0".repeat(12)}/segments`,
          headers: { ...json, ...bearer() },
          body: prompt(),
        },
        404,
      ],
    ];
    for (const [what, r, status] of taken) {
      const before = await metricValue(fast, TAKEN);
      expect([what, (await send(fast, r)).status]).toEqual([what, status]);
      expect([what, (await metricValue(fast, TAKEN)) - before]).toEqual([what, 1]);
    }
    // the access-log line and the histogram are the route's either way: only the counter tells the paths apart,
    // and the app with the fast path off counts nothing
    expect(await metricValue(routed, TAKEN)).toBe(0);
  });

  test("the path's other spellings, other methods and ids it cannot read are left to the route, with nothing counted", async () => {
    const sceneId = await newScene(fast);
    const body = prompt("left");
    const headers = { ...json, ...bearer() };
    const left: Array<[string, Req, number]> = [
      ["a query string", { path: `/scenes/${sceneId}/segments?x=1`, headers, body }, 202],
      ["a trailing slash", { path: `/scenes/${sceneId}/segments/`, headers, body }, 202],
      ["an uppercase path", { path: `/SCENES/${sceneId}/SEGMENTS`, headers, body }, 202],
      ["a percent-escape", { path: `/scenes/%zz/segments`, headers, body }, 400],
      ["an id that is not a UUID", { path: `/scenes/123/segments`, headers, body }, 400],
      ["GET", { path: `/scenes/${sceneId}/segments`, method: "GET" }, 405],
      ["OPTIONS", { path: `/scenes/${sceneId}/segments`, method: "OPTIONS" }, 204],
      ["another route", { path: `/scenes/${sceneId}/segments/x`, headers, body }, 404],
    ];
    for (const [what, r, status] of left) {
      const before = await metricValue(fast, TAKEN);
      expect([what, (await send(fast, r)).status]).toEqual([what, status]);
      expect([what, await metricValue(fast, TAKEN)]).toEqual([what, before]);
    }
  });

  test("a client that goes away in the middle of its body ends that request alone, and the process keeps serving", async () => {
    const sceneId = await newScene(fast);
    logLines.length = 0;
    const taken = await metricValue(fast, TAKEN);
    const socket = connect(portOf(fast), "127.0.0.1");
    await new Promise((resolve) => socket.on("connect", resolve));
    socket.write(
      clientOf(fast).frame({
        path: `/scenes/${sceneId}/segments`,
        headers: {
          ...json,
          ...bearer(),
          "content-length": "5000",
          "x-request-id": "gone-1",
        },
      }),
    );
    socket.write('{"prompt":"half');
    await waitFor("the fast path to take the request", async () => (await metricValue(fast, TAKEN)) > taken);
    socket.destroy();
    // the access log writes the request's line once the server saw it end
    const line = await waitFor("the request's access-log line", async () => requestLine(logLines, "gone-1"));
    expect(line).toMatchObject({ route: "/scenes/:id/segments" });
    const after = await send(fast, {
      path: `/scenes/${sceneId}/segments`,
      headers: { ...json, ...bearer() },
      body: prompt("after"),
    });
    expect(after.status).toBe(202);
    expect(
      logLines.filter((l) => l.includes("the enqueue fast path failed") || l.includes("after its answer started")),
    ).toEqual([]);
  });

  /** One enqueue as the property below generates it; `{scene}` in the path is each app's own scene. */
  interface Case {
    id: string;
    suffix: string;
    method: string;
    auth: Record<string, string>;
    type: Record<string, string>;
    body: string;
    encoding: string;
    framing: "length" | "chunked" | "none";
  }
  const bytesOf = (c: Case): Buffer => {
    const text = Buffer.from(c.body, /charset=utf-16le/i.test(c.type["content-type"] ?? "") ? "utf16le" : "utf8");
    return c.encoding === "gzip" ? gzipSync(text) : c.encoding === "deflate" ? deflateSync(text) : text;
  };
  const requestOf = (c: Case, sceneId: string, requestId: string): Req => {
    const headers: Record<string, string> = { "x-request-id": requestId, ...c.auth, ...c.type };
    if (c.encoding !== "identity") headers["content-encoding"] = c.encoding;
    const path = `/scenes/${c.id.replace("{scene}", sceneId).replace("{SCENE}", sceneId.toUpperCase())}/segments${c.suffix}`;
    if (c.framing === "none") return { path, method: c.method, headers };
    const body = bytesOf(c);
    if (c.framing === "length") return { path, method: c.method, headers, body };
    headers["transfer-encoding"] = "chunked";
    return { path, method: c.method, headers, body: chunked(body, 1024) };
  };
  /** An answer with what differs by app or by moment replaced: ids, the request id, times, the cookie's value. */
  const normalized = (a: RawAnswer, sceneId: string) => {
    const ids = (text: string) => text.replaceAll(new RegExp(sceneId, "gi"), "{scene}").replace(UUIDS, "{uuid}");
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(a.headers))
      headers[name] = ["x-request-id", "date", "ratelimit-reset", "retry-after"].includes(name)
        ? "(varies)"
        : name === "set-cookie"
          ? value.replace(/^sf_ryw=[^;]+/, "sf_ryw=(signed)")
          : ids(value);
    return { status: a.status, names: a.names, headers, body: ids(a.body) };
  };
  /** The request's access-log line, without what varies (its time, address, id). */
  const accessLine = (lines: string[], requestId: string) => {
    const line = requestLine(lines, requestId);
    if (line === undefined) return undefined;
    const varies = new Set(["time", "responseTime", "ip", "reqId", "pid", "hostname"]);
    return Object.fromEntries(
      Object.entries(line)
        .filter(([k]) => !varies.has(k))
        .map(([k, v]) => [
          k,
          k === "req" ? { method: v.method } : k === "path" ? String(v).replace(UUIDS, "{uuid}") : v,
        ]),
    );
  };

  test("every enqueue, good or bad, gets the same answer and access-log line ahead of the routers as from the route", async () => {
    const [sceneFast, sceneRouted] = [await newScene(fast), await newScene(routed)];
    const expired = token("alice", undefined, -3600);
    const nested = (depth: number) => `{"prompt":"p","x":${"[".repeat(depth - 1)}${"]".repeat(depth - 1)}}`;
    const cases = fc.record<Case>({
      id: fc.oneof(
        { weight: 6, arbitrary: fc.constant("{scene}") },
        fc.constantFrom("{SCENE}", "123", "%zz", "00000000-0000-4000-8000-000000000001"),
        fc.uuid(),
      ),
      suffix: fc.oneof({ weight: 8, arbitrary: fc.constant("") }, fc.constantFrom("/", "?x=1")),
      method: fc.oneof(
        { weight: 10, arbitrary: fc.constant("POST") },
        fc.constantFrom("GET", "HEAD", "PUT", "OPTIONS"),
      ),
      auth: fc.oneof(
        { weight: 6, arbitrary: fc.constant(bearer()) },
        fc.constantFrom(
          {},
          bearer(token("bob")),
          bearer(expired),
          bearer(`${alice}x`),
          { authorization: "Basic x" },
          { authorization: "" },
        ),
      ),
      type: fc.oneof(
        { weight: 6, arbitrary: fc.constant(json) },
        fc.constantFrom<Record<string, string>>(
          {},
          { "content-type": "" },
          { "content-type": "text/plain" },
          { "content-type": "application/vnd.api+json" },
          { "content-type": 'Application/JSON; Charset="UTF-8"' },
          { "content-type": "application/json; charset=latin1" },
          { "content-type": "application/json; charset=utf-16le" },
        ),
      ),
      body: fc.oneof(
        { weight: 4, arbitrary: fc.string({ minLength: 1, maxLength: 40 }).map((p) => JSON.stringify({ prompt: p })) },
        fc
          .record({ prompt: fc.string({ maxLength: 20 }), sequence: fc.integer({ min: -1, max: 6 }) })
          .map((b) => JSON.stringify(b)),
        fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
        fc.constantFrom(
          "",
          "{}",
          "[1,2]",
          "{not json",
          '"x"',
          "null",
          `\ufeff${prompt("bom")}`,
          ` \n\t${prompt("space")}`,
          '{"prompt":"p","extra":1}',
          nested(32),
          nested(33),
          prompt("x".repeat(70_000)),
        ),
      ),
      encoding: fc.oneof(
        { weight: 8, arbitrary: fc.constant("identity") },
        fc.constantFrom("gzip", "deflate", "compress"),
      ),
      framing: fc.oneof(
        { weight: 6, arbitrary: fc.constant("length" as const) },
        fc.constantFrom("chunked" as const, "none" as const),
      ),
    });
    let n = 0;
    await fc.assert(
      fc.asyncProperty(cases, async (c) => {
        const id = `diff-${++n}`;
        const viaFast = await send(fast, requestOf(c, sceneFast, id));
        const viaRoute = await send(routed, requestOf(c, sceneRouted, id));
        expect(normalized(viaFast, sceneFast)).toEqual(normalized(viaRoute, sceneRouted));
        const lines = await waitFor("both access-log lines", async () => {
          const both = [accessLine(logLines, id), accessLine(routedLines, id)];
          return both.every((l) => l !== undefined) ? both : undefined;
        });
        expect(lines[0]).toEqual(lines[1]);
      }),
      { numRuns: 150 },
    );
    // the fast app took them, the other never did
    expect(await metricValue(fast, TAKEN)).toBeGreaterThan(0);
    expect(await metricValue(routed, TAKEN)).toBe(0);
  }, 120_000);
});

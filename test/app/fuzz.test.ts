// Property-based fuzz of request inputs against the real API: whatever a client sends, the answer is a
// JSON error with a 4xx (or a success), never a 500.
import fc from "fast-check";
import { Client } from "pg";
import { sharedServices } from "./services";
import { appEnv, call, insertTopic, migrate, startApp, token, unique, JWT_SECRET, type RunningApp } from "./helpers";
import { createHmac } from "node:crypto";

/** Signs any claims, also those fast-jwt's signer refuses to write (a negative exp): the verifier must cope. */
const rawSign = (claims: unknown): string => {
  const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
  const input = `${part({ alg: "HS256", typ: "JWT" })}.${part(claims)}`;
  return `${input}.${createHmac("sha256", JWT_SECRET).update(input).digest("base64url")}`;
};

describe("fuzzing request inputs never yields a 500", () => {
  const urls = sharedServices();
  let app: RunningApp;
  let roomy: RunningApp;
  let admin: Client;
  let topicId: string;
  let sceneId: string;
  const alice = token("fuzzer");

  beforeAll(async () => {
    await migrate(urls);
    admin = new Client({ connectionString: urls.primaryUrl });
    await admin.connect();
    app = await startApp(appEnv(urls, { QUEUE_PREFIX: `{${unique("fuzz")}}`, BODY_LIMIT_BYTES: "4096" }));
    roomy = await startApp(appEnv(urls, { QUEUE_PREFIX: `{${unique("fuzz")}}` }));
    topicId = await insertTopic(async (t, v) => (await admin.query(t, v)).rows, "Fuzz");
    sceneId = (
      await call(app.url, "/scenes", { method: "POST", token: alice, body: { topicId, title: "fuzz target" } })
    ).json.id;
  }, 90_000);

  afterAll(async () => {
    await app?.close();
    await roomy?.close();
    await admin?.end();
  });

  const ids = () =>
    fc.oneof(
      fc.constant(sceneId),
      fc.constant(topicId),
      fc.uuid(),
      fc.string({ maxLength: 40 }),
      fc.constantFrom("%", "%E0%A4%A", "..", "%00", "a%2Fb", "-1", "1e9"),
    );
  const raw = (s: string) => s.replace(/[#?]/g, "");
  const anyJson = fc.jsonValue({ maxDepth: 3 });

  const expectNot500 = (r: { status: number; json: unknown; text: string }, what: string) => {
    if (r.status >= 500) throw new Error(`${what} answered ${r.status}: ${r.text.slice(0, 300)}`);
    if (r.status >= 400) expect((r.json as { error?: { code?: string } })?.error?.code).toEqual(expect.any(String));
  };

  test("GET paths and query strings", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(
          "/topics/",
          "/scenes/",
          "/jobs/",
          "/scenes?topicId=",
          "/scenes?cursor=",
          "/scenes?limit=",
          "/search?q=",
          "/search?limit=5&q=",
          "/scenes?topicId=a&topicId=",
        ),
        ids(),
        fc.boolean(),
        async (prefix, id, playlist) => {
          const value = prefix.includes("?") ? encodeURIComponent(id) : raw(id);
          const path = `${prefix}${value}${playlist && prefix === "/scenes/" ? "/playlist" : ""}`;
          expectNot500(await call(app.url, path), `GET ${path}`);
        },
      ),
      { numRuns: 300 },
    );
  });

  test("POST /scenes bodies", async () => {
    const sceneBody = fc.record(
      {
        topicId: fc.oneof(fc.constant(topicId), fc.uuid(), anyJson),
        title: fc.oneof(fc.string({ maxLength: 250 }), fc.string({ unit: "binary", maxLength: 50 }), anyJson),
        description: fc.oneof(fc.string({ maxLength: 100 }), anyJson),
        tags: fc.oneof(fc.array(fc.string({ maxLength: 45 }), { maxLength: 12 }), anyJson),
        thumbnailUrl: fc.oneof(fc.webUrl(), fc.string(), anyJson),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(sceneBody, anyJson), async (body) => {
        const r = await call(app.url, "/scenes", {
          method: "POST",
          token: alice,
          rawBody: JSON.stringify(body) ?? "null",
          headers: { "content-type": "application/json" },
        });
        expectNot500(r, `POST /scenes ${JSON.stringify(body)}`);
      }),
      { numRuns: 200 },
    );
  });

  test("POST /scenes/:id/segments bodies, ids and content types", async () => {
    await fc.assert(
      fc.asyncProperty(
        ids(),
        fc.record(
          {
            prompt: fc.oneof(fc.string({ maxLength: 60 }), anyJson),
            sequence: fc.oneof(fc.integer({ min: -5, max: 5 }), fc.double(), anyJson),
          },
          { requiredKeys: [] },
        ),
        fc.constantFrom(
          "application/json",
          "application/json; charset=utf-16",
          "text/plain",
          "application/x-www-form-urlencoded",
          "",
        ),
        async (id, body, contentType) => {
          const headers: Record<string, string> = contentType === "" ? {} : { "content-type": contentType };
          const r = await call(app.url, `/scenes/${raw(id)}/segments`, {
            method: "POST",
            token: alice,
            rawBody: JSON.stringify(body),
            headers,
          });
          expectNot500(r, `POST /scenes/${id}/segments ${contentType} ${JSON.stringify(body)}`);
        },
      ),
      { numRuns: 200 },
    );
  });

  test("raw bodies and Authorization headers", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string({ maxLength: 200 }), fc.constant("x".repeat(5000)), fc.constant('{"title":')),
        fc.oneof(
          fc.constant(`Bearer ${alice}`),
          fc.string({ maxLength: 80 }).map((s) => `Bearer ${s.replace(/[^\x20-\x7e]/g, "")}`),
          fc.string({ maxLength: 40 }).map((s) => s.replace(/[^\x20-\x7e]/g, "")),
          fc.record({ sub: fc.string({ maxLength: 20 }), exp: fc.integer() }).map((c) => `Bearer ${rawSign(c)}`),
        ),
        async (text, authorization) => {
          const r = await call(app.url, "/scenes", {
            method: "POST",
            rawBody: text,
            headers: { "content-type": "application/json", authorization },
          });
          expectNot500(r, `POST /scenes auth=${authorization} body=${text.slice(0, 50)}`);
        },
      ),
      { numRuns: 200 },
    );
  });

  test("deeply nested bodies, at any depth and in any field, are a 4xx", async () => {
    const nest = (depth: number, open: string, close: string, inner: string) =>
      `${open.repeat(depth)}${inner}${close.repeat(depth)}`;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 10_000, max: 30_000 })),
        fc.constantFrom(["[", "]"], ['{"a":', "}"]),
        fc.constantFrom("", "1", '"x"'),
        fc.constantFrom("body", "prompt", "sequence"),
        async (depth, [open, close], inner, where) => {
          const nested = nest(depth, open, close, inner);
          const rawBody =
            where === "body"
              ? nested
              : where === "prompt"
                ? `{"prompt":${nested}}`
                : `{"prompt":"p","sequence":${nested}}`;
          // the app with the default 64 KiB body limit: 30,000 levels fit in it
          const r = await call(roomy.url, `/scenes/${sceneId}/segments`, {
            method: "POST",
            token: alice,
            rawBody,
            headers: { "content-type": "application/json" },
          });
          expectNot500(r, `POST nested ${where} depth ${depth}`);
          expect(r.status).toBeGreaterThanOrEqual(400);
        },
      ),
      { numRuns: 60 },
    );
  });

  test("cursors of any date, real or impossible, are a 200 or a 400 naming cursor", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 9999 }),
        // mostly real months and the days at their ends, where impossible dates (02-30, 04-31) live
        fc.oneof(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 99 })),
        fc.oneof(fc.integer({ min: 28, max: 31 }), fc.integer({ min: 0, max: 99 })),
        fc.integer({ min: 0, max: 99 }),
        fc.integer({ min: 0, max: 99 }),
        fc.integer({ min: 0, max: 99 }),
        fc.uuid(),
        async (y, mo, d, h, mi, sec, id) => {
          const p = (n: number, w = 2) => String(n).padStart(w, "0");
          const text = `${p(y, 4)}-${p(mo)}-${p(d)}T${p(h)}:${p(mi)}:${p(sec)}.000000Z|${id}`;
          const r = await call(app.url, `/scenes?cursor=${Buffer.from(text).toString("base64url")}`);
          expectNot500(r, `GET /scenes cursor ${text}`);
          if (r.status !== 200)
            expect({ status: r.status, field: r.json?.error?.field }).toEqual({ status: 400, field: "cursor" });
        },
      ),
      { numRuns: 200 },
    );
  });
});

// The OpenSearch backend, proved offline (no OpenSearch server can run here): the requests the official
// client sends are captured by a local HTTP server and checked against the OpenSearch API specification's own
// schemas (vendored in opensearch-spec/schemas.json, commit in its $comment), their SigV4 signatures are
// recomputed independently from a known credential, and expiring credentials are refreshed.
import { createHash, createHmac } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import Ajv2020, { type ValidateFunction } from "ajv/dist/2020";
import schemas from "./opensearch-spec/schemas.json";
import { OpenSearchSearch } from "../../../core/opensearch";
import {
  SCENE_INDEX_BODY,
  buildSearchQuery,
  cachedCredentials,
  parseSearchResponse,
  type AwsCredentials,
  type SceneDocument,
} from "../../../core/search";

const ajv = new Ajv2020({ strict: true, allErrors: true });
ajv.addKeyword("discriminator"); // OpenAPI's, no validation meaning
for (const f of ["float", "double"]) ajv.addFormat(f, { type: "number", validate: (n: number) => Number.isFinite(n) });
ajv.addFormat("int32", { type: "number", validate: (n: number) => Number.isInteger(n) && Math.abs(n) <= 2 ** 31 });
ajv.addFormat("int64", { type: "number", validate: (n: number) => Number.isSafeInteger(n) });
ajv.addSchema(schemas, "spec");
const spec = (name: string): ValidateFunction => ajv.getSchema(`spec#/$defs/${name}`) as ValidateFunction;
const expectValid = (name: string, value: unknown) => {
  const v = spec(name);
  const ok = v(value);
  expect({ ok, errors: v.errors ?? null }).toEqual({ ok: true, errors: null });
};

/** OpenSearch reads `index.refresh_interval` as `index: { refresh_interval }`: check the expanded form too. */
function expandDotted(settings: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(settings)) {
    const [head, ...rest] = k.split(".");
    if (rest.length === 0) out[k] = v;
    else out[head] = { ...(out[head] ?? {}), [rest.join(".")]: v };
  }
  return out;
}

/** A document's fields against the §6.2 mapping: only mapped fields, each with a JSON type its mapping takes. */
function checkAgainstMapping(doc: Record<string, unknown>): string[] {
  const props = SCENE_INDEX_BODY.mappings?.properties as Record<string, { type: string }>;
  const problems: string[] = [];
  for (const [field, value] of Object.entries(doc)) {
    const type = props[field]?.type;
    const values = Array.isArray(value) ? value : [value];
    const ok =
      type === "keyword" || type === "text"
        ? values.every((v) => typeof v === "string")
        : type === "integer"
          ? values.every((v) => Number.isInteger(v) && Math.abs(v as number) < 2 ** 31)
          : type === "date"
            ? values.every((v) => typeof v === "string" && !Number.isNaN(Date.parse(v)))
            : false;
    if (!ok) problems.push(`${field} (${type ?? "not mapped"}): ${JSON.stringify(value)}`);
  }
  return problems;
}

const doc: SceneDocument = {
  id: "0b3f8a4e-7d0c-4c5e-9a55-2f1e6a1b9c01",
  topic_id: "5d9f4c2a-1b7e-4f3a-8c6d-0e2a9b8c7d6e",
  title: "The dragon's egg",
  description: "A hatchling story",
  tags: ["fantasy"],
  creator_id: "alice",
  segment_count: 3,
  like_count: 0,
  view_count: 7,
  created_at: "2026-11-23T10:00:00.000Z",
  updated_at: "2026-11-23T10:05:00.000Z",
};

describe("OpenSearch requests against the API specification", () => {
  test("the index body (seed 000 §6.2) is a valid indices.create request body, also with dotted keys expanded", () => {
    expectValid("indices.create", SCENE_INDEX_BODY);
    expectValid("indices.create", {
      ...SCENE_INDEX_BODY,
      settings: expandDotted(SCENE_INDEX_BODY.settings as Record<string, unknown>),
    });
    // the check can fail: a misspelt field type or analyzer part is refused by the specification
    const broken = JSON.parse(JSON.stringify(SCENE_INDEX_BODY));
    broken.mappings.properties.title.type = "txt";
    expect(spec("indices.create")(broken)).toBe(false);
    const badAnalyzer = JSON.parse(JSON.stringify(SCENE_INDEX_BODY));
    badAnalyzer.settings.analysis.analyzer.story_analyzer.filter = "lowercase stop";
    expect(spec("indices.create")(badAnalyzer)).toBe(false);
  });

  test("the search body is a valid search request body, with and without the topic filter", () => {
    expectValid("search", buildSearchQuery("dragon egg", { limit: 5, topicId: doc.topic_id }));
    expectValid("search", buildSearchQuery("dragon", { limit: 50 }));
    const wrong = buildSearchQuery("x", { limit: 1 }) as { query: { bool: { must: Array<Record<string, any>> } } };
    wrong.query.bool.must[0].multi_match.operator = "both";
    expect(spec("search")(wrong)).toBe(false);
  });
});

interface Captured {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

/** SigV4, written from the AWS documentation, independent of the library that signed the request. */
function expectedSignature(req: Captured, secret: string): { signature: string; credential: string } {
  const auth = req.headers.authorization as string;
  const m = /^AWS4-HMAC-SHA256 Credential=([^,]+), SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(auth);
  if (m === null) throw new Error(`not a SigV4 Authorization header: ${auth}`);
  const [, credential, signedHeaders] = m as unknown as [string, string, string];
  const [, date, region, service] = credential.split("/") as [string, string, string, string];
  const u = new URL(req.url, "http://x");
  const query = [...u.searchParams.entries()]
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .sort()
    .join("&");
  const headers = signedHeaders
    .split(";")
    .map((h) => `${h}:${String(req.headers[h]).trim().replace(/\s+/g, " ")}\n`)
    .join("");
  const payloadHash = createHash("sha256").update(req.body).digest("hex");
  const canonical = [req.method, u.pathname, query, headers, signedHeaders, payloadHash].join("\n");
  const amzDate = req.headers["x-amz-date"] as string;
  const scope = `${date}/${region}/${service}/aws4_request`;
  const toSign = ["AWS4-HMAC-SHA256", amzDate, scope, createHash("sha256").update(canonical).digest("hex")].join("\n");
  const hmac = (key: Buffer | string, data: string) => createHmac("sha256", key).update(data).digest();
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), "aws4_request");
  return { signature: createHmac("sha256", key).update(toSign).digest("hex"), credential };
}

describe("the OpenSearch client on the wire (a local HTTP server plays OpenSearch)", () => {
  let server: Server;
  let url: string;
  const captured: Captured[] = [];
  let indexExists = false;

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        captured.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
        const json = (status: number, value: unknown) =>
          res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(value));
        if (req.method === "HEAD") return res.writeHead(indexExists ? 200 : 404).end();
        if (req.method === "PUT") return ((indexExists = true), json(200, { acknowledged: true, index: "scenes" }));
        if (req.url?.startsWith("/_bulk"))
          return json(200, {
            took: 1,
            errors: false,
            items: [{ index: { _index: "scenes", _id: doc.id, status: 201 } }],
          });
        if (req.url?.includes("/_search"))
          return json(200, {
            took: 1,
            timed_out: false,
            hits: { total: { value: 1, relation: "eq" }, hits: [{ _id: doc.id, _score: 1.5, _source: doc }] },
          });
        json(404, { error: "no such route" });
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  beforeEach(() => {
    captured.length = 0;
    indexExists = false;
  });

  const creds: AwsCredentials = {
    accessKeyId: "AKIDEXAMPLE",
    secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
    sessionToken: "session-token-1",
  };

  test("indexing creates the index once and sends one _bulk of index actions; every body passes the specification", async () => {
    const backend = new OpenSearchSearch({ url, index: "scenes", sigv4: false, region: undefined });
    await backend.indexScene(doc);
    await backend.indexScenes([doc, { ...doc, id: "f7e1d2c3-b4a5-4968-8776-655443322110" }]);
    expect(captured.map((c) => `${c.method} ${c.url.split("?")[0]}`)).toEqual([
      "HEAD /scenes",
      "PUT /scenes",
      "POST /_bulk",
      "POST /_bulk",
    ]);
    expectValid("indices.create", JSON.parse(captured[1].body));
    for (const bulk of captured.slice(2)) {
      expect(bulk.headers["content-type"]).toMatch(/application\/(x-)?ndjson|application\/json/);
      const lines = bulk.body
        .trimEnd()
        .split("\n")
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines.length % 2).toBe(0);
      for (let i = 0; i < lines.length; i += 2) {
        expectValid("bulk.OperationContainer", lines[i]);
        expect(lines[i]).toEqual({ index: { _index: "scenes", _id: expect.any(String) } });
        expect(checkAgainstMapping(lines[i + 1])).toEqual([]);
      }
    }
    expect(spec("bulk.OperationContainer")({ indx: { _index: "scenes" } })).toBe(false);
  });

  test("search sends a valid search body and maps hits to the PostgreSQL backend's shape", async () => {
    const backend = new OpenSearchSearch({ url, index: "scenes", sigv4: false, region: undefined });
    const hits = await backend.search("dragon", { limit: 5, topicId: doc.topic_id });
    expect(captured[0].method).toBe("POST");
    expect(captured[0].url.split("?")[0]).toBe("/scenes/_search");
    expectValid("search", JSON.parse(captured[0].body));
    expect(hits).toEqual([
      {
        id: doc.id,
        topicId: doc.topic_id,
        title: doc.title,
        description: doc.description,
        tags: doc.tags,
        segmentCount: 3,
        createdAt: doc.created_at,
        score: 1.5,
      },
    ]);
  });

  test("signed requests carry a SigV4 signature that verifies with the known credential, the body hash and the session token", async () => {
    const backend = new OpenSearchSearch({
      url,
      index: "scenes",
      sigv4: true,
      region: "eu-west-1",
      credentials: async () => creds,
    });
    await backend.indexScene(doc);
    await backend.search("dragon egg", { limit: 5 });
    expect(captured).toHaveLength(4);
    for (const req of captured) {
      const { signature, credential } = expectedSignature(req, creds.secretAccessKey);
      expect(credential).toMatch(/^AKIDEXAMPLE\/\d{8}\/eu-west-1\/es\/aws4_request$/);
      expect(req.headers.authorization).toContain(`Signature=${signature}`);
      expect(req.headers.authorization).toMatch(/SignedHeaders=[a-z0-9;-]*host[a-z0-9;-]*x-amz-date/);
      expect(req.headers["x-amz-content-sha256"]).toBe(createHash("sha256").update(req.body).digest("hex"));
      expect(req.headers["x-amz-security-token"]).toBe("session-token-1");
    }
    // and a signature made with another secret does not verify: the check can fail
    expect(captured[0].headers.authorization).not.toContain(
      `Signature=${expectedSignature(captured[0], "another-secret").signature}`,
    );
  });

  test("credentials are fetched once, reused, and refreshed before they expire", async () => {
    let calls = 0;
    const provider = async (): Promise<AwsCredentials> => {
      calls += 1;
      // expires 300.4 s from now: inside the 5 min refresh margin 400 ms from now
      return { ...creds, accessKeyId: `AKIDROTATED${calls}`, expiration: new Date(Date.now() + 300_400) };
    };
    const backend = new OpenSearchSearch({
      url,
      index: "scenes",
      sigv4: true,
      region: "eu-west-1",
      credentials: provider,
    });
    await Promise.all([
      backend.search("a", { limit: 1 }),
      backend.search("b", { limit: 1 }),
      backend.search("c", { limit: 1 }),
    ]);
    expect(calls).toBe(1);
    await new Promise((r) => setTimeout(r, 600));
    await backend.search("d", { limit: 1 });
    expect(calls).toBe(2);
    const keys = captured.map((c) => /Credential=([A-Z0-9]+)\//.exec(String(c.headers.authorization))?.[1]);
    expect(keys).toEqual(["AKIDROTATED1", "AKIDROTATED1", "AKIDROTATED1", "AKIDROTATED2"]);
    for (const req of captured)
      expect(req.headers.authorization).toContain(
        `Signature=${expectedSignature(req, creds.secretAccessKey).signature}`,
      );
  });

  test("a failed credential refresh is not cached; concurrent callers share one refresh", async () => {
    let t = 0;
    let calls = 0;
    let fail = true;
    const provider = cachedCredentials(
      async () => {
        calls += 1;
        await new Promise((r) => setTimeout(r, 10));
        if (fail) throw new Error("sts down");
        return { ...creds, expiration: new Date(1_000_000) };
      },
      300_000,
      () => t,
    );
    await expect(Promise.all([provider(), provider()])).rejects.toThrow("sts down");
    expect(calls).toBe(1);
    fail = false;
    await provider();
    await provider();
    expect(calls).toBe(2);
    t = 1_000_000 - 299_999; // inside the refresh margin
    await provider();
    expect(calls).toBe(3);
  });

  test("without SigV4 the request is unsigned", async () => {
    const backend = new OpenSearchSearch({ url: `${url}/`, index: "scenes", sigv4: false, region: undefined });
    await backend.search("x", { limit: 1 });
    expect(captured[0].headers.authorization).toBeUndefined();
  });

  test("a 404 from search (no index yet) is an empty result", () => {
    expect(parseSearchResponse({ hits: { hits: [] } })).toEqual([]);
  });
});

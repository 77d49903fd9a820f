import { readFile } from "node:fs/promises";
import aws4 from "aws4";
import type { Db, Target } from "./db";

/** One search hit; both backends answer with exactly this shape. */
export interface SearchHit {
  id: string;
  topicId: string;
  title: string;
  description: string;
  tags: string[];
  segmentCount: number;
  createdAt: string;
  score: number;
}

/** The fields of a scene the search index holds (seed 000 §6.2). */
export interface SceneDocument {
  id: string;
  topic_id: string;
  title: string;
  description: string;
  tags: string[];
  creator_id: string;
  segment_count: number;
  like_count: number;
  view_count: number;
  created_at: string;
  updated_at: string;
}

export interface SearchBackend {
  readonly name: "postgres" | "opensearch";
  search(q: string, opts: { limit: number; topicId?: string; target?: Target }): Promise<SearchHit[]>;
  /** Makes the scene findable (no-op for PostgreSQL: the tsvector column is generated). */
  indexScene(doc: SceneDocument): Promise<void>;
}

/** PostgreSQL full-text search over the generated `scenes.search` column (GIN index). */
export class PgSearch implements SearchBackend {
  readonly name = "postgres" as const;
  constructor(private readonly db: Db) {}

  async search(q: string, opts: { limit: number; topicId?: string; target?: Target }): Promise<SearchHit[]> {
    const rows = await this.db.read<{
      id: string;
      topic_id: string;
      title: string;
      description: string;
      tags: string[];
      segment_count: number;
      created_at: Date;
      score: number;
    }>(
      `SELECT id, topic_id, title, description, tags, segment_count, created_at, ts_rank(search, query)::float8 AS score
         FROM scenes, websearch_to_tsquery('english', $1) AS query
        WHERE status = 'active' AND search @@ query AND ($3::uuid IS NULL OR topic_id = $3::uuid)
        ORDER BY score DESC, created_at DESC, id DESC
        LIMIT $2`,
      [q, opts.limit, opts.topicId ?? null],
      opts.target,
    );
    return rows.map((r) => ({
      id: r.id,
      topicId: r.topic_id,
      title: r.title,
      description: r.description,
      tags: r.tags,
      segmentCount: r.segment_count,
      createdAt: r.created_at.toISOString(),
      score: Number(r.score),
    }));
  }

  async indexScene(): Promise<void> {}
}

/** seed 000 §6.2: index settings, analyzer and mapping, verbatim. */
export const SCENE_INDEX_BODY = {
  settings: {
    number_of_shards: 5,
    number_of_replicas: 1,
    "index.refresh_interval": "5s",
    analysis: {
      analyzer: {
        story_analyzer: { type: "custom", tokenizer: "standard", filter: ["lowercase", "stop", "snowball"] },
      },
    },
  },
  mappings: {
    properties: {
      title: { type: "text", analyzer: "story_analyzer", fields: { keyword: { type: "keyword" } } },
      description: { type: "text", analyzer: "story_analyzer" },
      topic_id: { type: "keyword" },
      category_id: { type: "keyword" },
      tags: { type: "keyword" },
      creator_id: { type: "keyword" },
      segment_count: { type: "integer" },
      like_count: { type: "integer" },
      view_count: { type: "integer" },
      created_at: { type: "date" },
      updated_at: { type: "date" },
    },
  },
} as const;

/** The query body: title weighted over description, optional topic filter, newest first on ties. */
export function buildSearchQuery(q: string, opts: { limit: number; topicId?: string }): Record<string, unknown> {
  return {
    size: opts.limit,
    query: {
      bool: {
        must: [{ multi_match: { query: q, fields: ["title^2", "description"], operator: "and" } }],
        filter: opts.topicId === undefined ? [] : [{ term: { topic_id: opts.topicId } }],
      },
    },
    sort: ["_score", { created_at: "desc" }],
  };
}

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface HttpRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

/** Adds SigV4 headers (service `es`) to a request; pure apart from the clock aws4 reads. */
export function signRequest(req: HttpRequest, region: string, creds: AwsCredentials): HttpRequest {
  const u = new URL(req.url);
  const opts: aws4.Request = {
    host: u.host,
    path: u.pathname + u.search,
    method: req.method,
    service: "es",
    region,
    headers: { ...req.headers },
    ...(req.body === undefined ? {} : { body: req.body }),
  };
  aws4.sign(opts, creds);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.headers ?? {})) if (v !== undefined) headers[k] = String(v);
  return { ...req, headers };
}

/**
 * Credentials from the standard environment: static keys, or on EKS the IRSA
 * web identity token exchanged at STS (AssumeRoleWithWebIdentity), cached
 * until five minutes before expiry.
 */
export class EnvCredentials {
  private cached: { creds: AwsCredentials; expires: number } | undefined;
  constructor(
    private readonly env: Record<string, string | undefined>,
    private readonly region: string,
  ) {}

  async get(): Promise<AwsCredentials> {
    const e = this.env;
    if (e.AWS_ACCESS_KEY_ID !== undefined && e.AWS_SECRET_ACCESS_KEY !== undefined) {
      return {
        accessKeyId: e.AWS_ACCESS_KEY_ID,
        secretAccessKey: e.AWS_SECRET_ACCESS_KEY,
        ...(e.AWS_SESSION_TOKEN === undefined ? {} : { sessionToken: e.AWS_SESSION_TOKEN }),
      };
    }
    if (this.cached !== undefined && Date.now() < this.cached.expires - 300_000) return this.cached.creds;
    if (e.AWS_WEB_IDENTITY_TOKEN_FILE === undefined || e.AWS_ROLE_ARN === undefined) {
      throw new Error(
        "no AWS credentials: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_ROLE_ARN/AWS_WEB_IDENTITY_TOKEN_FILE (IRSA)",
      );
    }
    const token = (await readFile(e.AWS_WEB_IDENTITY_TOKEN_FILE, "utf8")).trim();
    const params = new URLSearchParams({
      Action: "AssumeRoleWithWebIdentity",
      Version: "2011-06-15",
      RoleArn: e.AWS_ROLE_ARN,
      RoleSessionName: e.AWS_ROLE_SESSION_NAME ?? "storyforge",
      WebIdentityToken: token,
    });
    const res = await fetch(`https://sts.${this.region}.amazonaws.com/?${params.toString()}`, {
      signal: AbortSignal.timeout(5_000),
    });
    const xml = await res.text();
    if (!res.ok) throw new Error(`STS AssumeRoleWithWebIdentity failed with ${res.status}`);
    const pick = (tag: string) => new RegExp(`<${tag}>([^<]+)</${tag}>`).exec(xml)?.[1];
    const accessKeyId = pick("AccessKeyId");
    const secretAccessKey = pick("SecretAccessKey");
    const sessionToken = pick("SessionToken");
    const expiration = pick("Expiration");
    if (accessKeyId === undefined || secretAccessKey === undefined || sessionToken === undefined)
      throw new Error("STS answer carried no credentials");
    const creds = { accessKeyId, secretAccessKey, sessionToken };
    this.cached = { creds, expires: expiration === undefined ? Date.now() + 900_000 : Date.parse(expiration) };
    return creds;
  }
}

/** OpenSearch over HTTPS with fetch; every request SigV4-signed when `sigv4` is set. */
export class OpenSearchSearch implements SearchBackend {
  readonly name = "opensearch" as const;
  private ensured: Promise<void> | undefined;

  constructor(
    private readonly opts: {
      url: string;
      index: string;
      sigv4: boolean;
      region: string | undefined;
      credentials?: EnvCredentials;
      timeoutMs?: number;
    },
  ) {
    if (opts.sigv4 && opts.region === undefined) throw new Error("AWS_REGION is required to sign OpenSearch requests");
  }

  /** The request this backend would send, signed if configured (exposed for tests). */
  async buildRequest(method: string, path: string, body?: unknown): Promise<HttpRequest> {
    const req: HttpRequest = {
      method,
      url: this.opts.url.replace(/\/+$/, "") + path,
      headers: { "content-type": "application/json", accept: "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    };
    if (!this.opts.sigv4) return req;
    const creds = await (this.opts.credentials ?? new EnvCredentials(process.env, this.opts.region as string)).get();
    return signRequest(req, this.opts.region as string, creds);
  }

  private async send(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
    const req = await this.buildRequest(method, path, body);
    const res = await fetch(req.url, {
      method: req.method,
      headers: req.headers,
      ...(req.body === undefined ? {} : { body: req.body }),
      signal: AbortSignal.timeout(this.opts.timeoutMs ?? 5_000),
    });
    const text = await res.text();
    return { status: res.status, json: text === "" ? null : JSON.parse(text) };
  }

  /** Creates the index with §6.2's settings if it does not exist (a 400 resource_already_exists is fine). */
  ensureIndex(): Promise<void> {
    this.ensured ??= (async () => {
      const idx = encodeURIComponent(this.opts.index);
      const head = await this.send("HEAD", `/${idx}`);
      if (head.status === 200) return;
      const res = await this.send("PUT", `/${idx}`, SCENE_INDEX_BODY);
      if (res.status >= 300 && !JSON.stringify(res.json).includes("resource_already_exists")) {
        throw new Error(`OpenSearch index creation failed with ${res.status}`);
      }
    })().catch((err: unknown) => {
      this.ensured = undefined;
      throw err;
    });
    return this.ensured;
  }

  async indexScene(doc: SceneDocument): Promise<void> {
    await this.ensureIndex();
    const { id, ...source } = doc;
    const res = await this.send(
      "PUT",
      `/${encodeURIComponent(this.opts.index)}/_doc/${encodeURIComponent(id)}`,
      source,
    );
    if (res.status >= 300) throw new Error(`OpenSearch indexing of scene ${id} failed with ${res.status}`);
  }

  async search(q: string, opts: { limit: number; topicId?: string }): Promise<SearchHit[]> {
    const res = await this.send("POST", `/${encodeURIComponent(this.opts.index)}/_search`, buildSearchQuery(q, opts));
    if (res.status === 404) return [];
    if (res.status >= 300) throw new Error(`OpenSearch search failed with ${res.status}`);
    return parseSearchResponse(res.json);
  }
}

export function parseSearchResponse(json: unknown): SearchHit[] {
  const hits =
    (json as { hits?: { hits?: Array<{ _id: string; _score: number | null; _source: Omit<SceneDocument, "id"> }> } })
      .hits?.hits ?? [];
  return hits.map((h) => ({
    id: h._id,
    topicId: h._source.topic_id,
    title: h._source.title,
    description: h._source.description,
    tags: h._source.tags ?? [],
    segmentCount: h._source.segment_count,
    createdAt: h._source.created_at,
    score: h._score ?? 0,
  }));
}

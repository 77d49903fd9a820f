import type { API } from "@opensearch-project/opensearch";
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
  /** Several scenes in one request (the worker's group commit). */
  indexScenes(docs: SceneDocument[]): Promise<void>;
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

  async indexScenes(): Promise<void> {}
}

/** seed 000 §6.2: index settings, analyzer and mapping, verbatim. */
export const SCENE_INDEX_BODY: API.Indices_Create_RequestBody = {
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
};

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

/** AWS credentials as the SDK's providers return them (`expiration` unset for static keys). */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}
export type CredentialProvider = () => Promise<AwsCredentials>;

/**
 * Caches a provider's credentials until `refreshBeforeMs` before they expire, sharing one refresh between
 * concurrent callers; a failed refresh is not cached (the next call tries again). The `expiration` handed on is
 * that refresh time, so a cache downstream (AwsSigv4Signer keeps its own) asks again by then too.
 */
export function cachedCredentials(
  provider: CredentialProvider,
  refreshBeforeMs = 300_000,
  now: () => number = Date.now,
): CredentialProvider {
  let current: AwsCredentials | undefined;
  let pending: Promise<AwsCredentials> | undefined;
  return () => {
    if (current !== undefined && (current.expiration === undefined || current.expiration.getTime() > now()))
      return Promise.resolve(current);
    pending ??= provider()
      .then((c) => {
        current =
          c.expiration === undefined ? c : { ...c, expiration: new Date(c.expiration.getTime() - refreshBeforeMs) };
        return current;
      })
      .finally(() => (pending = undefined));
    return pending;
  };
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

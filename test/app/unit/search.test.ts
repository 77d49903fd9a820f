// OpenSearch request building and SigV4 signing, checked offline: no OpenSearch runs here, so these
// tests prove the requests we would send, not that a cluster accepts them.
import {
  OpenSearchSearch,
  SCENE_INDEX_BODY,
  buildSearchQuery,
  parseSearchResponse,
  signRequest,
  type EnvCredentials,
} from "../../../core/search";

const creds = {
  accessKeyId: "AKIDEXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
  sessionToken: "token",
};

describe("OpenSearch backend (offline)", () => {
  test("the index body is seed 000 §6.2's settings, story_analyzer and mapping", () => {
    expect(SCENE_INDEX_BODY.settings.analysis.analyzer.story_analyzer).toEqual({
      type: "custom",
      tokenizer: "standard",
      filter: ["lowercase", "stop", "snowball"],
    });
    expect(SCENE_INDEX_BODY.settings.number_of_shards).toBe(5);
    expect(SCENE_INDEX_BODY.mappings.properties.title).toEqual({
      type: "text",
      analyzer: "story_analyzer",
      fields: { keyword: { type: "keyword" } },
    });
    expect(Object.keys(SCENE_INDEX_BODY.mappings.properties).sort()).toEqual([
      "category_id",
      "created_at",
      "creator_id",
      "description",
      "like_count",
      "segment_count",
      "tags",
      "title",
      "topic_id",
      "updated_at",
      "view_count",
    ]);
  });

  test("the query weights title over description and filters by topic when asked", () => {
    expect(buildSearchQuery("dragon egg", { limit: 5, topicId: "t1" })).toEqual({
      size: 5,
      query: {
        bool: {
          must: [{ multi_match: { query: "dragon egg", fields: ["title^2", "description"], operator: "and" } }],
          filter: [{ term: { topic_id: "t1" } }],
        },
      },
      sort: ["_score", { created_at: "desc" }],
    });
  });

  test("requests to an AWS domain carry a SigV4 Authorization for service es, the session token and a body hash", async () => {
    const backend = new OpenSearchSearch({
      url: "https://search-storyforge-abc.eu-west-1.es.amazonaws.com",
      index: "scenes",
      sigv4: true,
      region: "eu-west-1",
      credentials: { get: async () => creds } as unknown as EnvCredentials,
    });
    const req = await backend.buildRequest("POST", "/scenes/_search", buildSearchQuery("x", { limit: 1 }));
    expect(req.url).toBe("https://search-storyforge-abc.eu-west-1.es.amazonaws.com/scenes/_search");
    expect(req.headers.Authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/es\/aws4_request, SignedHeaders=[a-z0-9;-]*host[a-z0-9;-]*, Signature=[0-9a-f]{64}$/,
    );
    expect(req.headers["X-Amz-Security-Token"]).toBe("token");
    expect(req.headers["X-Amz-Date"]).toMatch(/^\d{8}T\d{6}Z$/);
  });

  test("the signature covers the body: a different body signs differently", () => {
    const base = {
      method: "POST",
      url: "https://h.eu-west-1.es.amazonaws.com/scenes/_search",
      headers: { "content-type": "application/json" },
    };
    const a = signRequest({ ...base, body: '{"a":1}' }, "eu-west-1", creds).headers.Authorization;
    const b = signRequest({ ...base, body: '{"a":2}' }, "eu-west-1", creds).headers.Authorization;
    expect(a).not.toBe(b);
  });

  test("without SigV4 the request is unsigned", async () => {
    const backend = new OpenSearchSearch({
      url: "http://127.0.0.1:9200/",
      index: "scenes",
      sigv4: false,
      region: undefined,
    });
    const req = await backend.buildRequest("GET", "/scenes");
    expect(req.headers.Authorization).toBeUndefined();
    expect(req.url).toBe("http://127.0.0.1:9200/scenes");
  });

  test("hits become the same shape PostgreSQL search answers with", () => {
    const hits = parseSearchResponse({
      hits: {
        hits: [
          {
            _id: "s1",
            _score: 2.5,
            _source: {
              topic_id: "t",
              title: "T",
              description: "D",
              tags: ["a"],
              segment_count: 3,
              created_at: "2026-01-01T00:00:00.000Z",
            },
          },
        ],
      },
    });
    expect(hits).toEqual([
      {
        id: "s1",
        topicId: "t",
        title: "T",
        description: "D",
        tags: ["a"],
        segmentCount: 3,
        createdAt: "2026-01-01T00:00:00.000Z",
        score: 2.5,
      },
    ]);
  });
});

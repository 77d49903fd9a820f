import { OpenAPIRegistry, OpenApiGeneratorV31, type RouteConfig } from "@asteasolutions/zod-to-openapi";
import { httpsUrl, int, intParam, tag, text, uuid, z } from "./validate";

/**
 * Every route's input (params, query, body) and output as zod schemas: the routes parse with them, and
 * /openapi.json (OpenAPI 3.1) is generated from them, so the document cannot drift from what is enforced.
 * Query and body objects are strict: an unknown key (including `topicId[]`) is a 400 naming it.
 */
export const registry = new OpenAPIRegistry();

// ---- inputs
export const idParams = z.strictObject({ id: uuid() });
export const noQuery = z.strictObject({});
export const sceneListQuery = z.strictObject({
  topicId: uuid().optional(),
  cursor: z.string().optional().openapi({ description: "opaque nextCursor of the previous page" }),
  limit: intParam(1, 50, 20),
});
export const searchQuery = z.strictObject({
  q: text(1, 200),
  topicId: uuid().optional(),
  limit: intParam(1, 50, 20),
});
export const newSceneBody = z.strictObject({
  topicId: uuid(),
  title: text(1, 200),
  description: text(0, 5000).optional(),
  tags: z
    .array(tag())
    .max(10)
    .optional()
    .transform((t) => [...new Set(t ?? [])]),
  thumbnailUrl: httpsUrl().nullable().optional(),
});
export const enqueueBody = z.strictObject({
  prompt: text(1, 2000),
  sequence: int(1, 100_000).optional().openapi({ type: "integer", minimum: 1, maximum: 100_000 }),
});
const character = z.strictObject({ name: text(1, 100), description: text(0, 2000).optional() });
export const bibleBody = z.strictObject({
  synopsis: text(0, 5000).optional(),
  setting: text(0, 5000).optional(),
  style: text(0, 2000).optional(),
  characters: z.array(character).max(50).optional(),
  version: int(0, 2_147_483_647)
    .optional()
    .openapi({ type: "integer", description: "the version being replaced; a mismatch is a 409" }),
});

// ---- outputs
const isoTime = z.string().openapi({ format: "date-time" });
const ErrorBody = registry.register(
  "Error",
  z.object({
    error: z.object({
      code: z.enum([
        "validation_failed",
        "unauthorized",
        "forbidden",
        "not_found",
        "method_not_allowed",
        "conflict",
        "payload_too_large",
        "unsupported_media_type",
        "rate_limited",
        "unavailable",
        "internal",
      ]),
      message: z.string(),
      field: z.string().optional(),
    }),
  }),
);
const Topic = registry.register(
  "Topic",
  z.object({
    id: z.uuid(),
    slug: z.string(),
    name: z.string(),
    description: z.string(),
    sceneCount: z.int(),
    createdAt: isoTime,
  }),
);
const Scene = registry.register(
  "Scene",
  z.object({
    id: z.uuid(),
    topicId: z.uuid(),
    userId: z.string(),
    title: z.string(),
    description: z.string(),
    tags: z.array(z.string()),
    status: z.enum(["active", "hidden"]),
    thumbnailUrl: z.string().nullable(),
    segmentCount: z.int(),
    totalDurationMs: z.int(),
    likeCount: z.int(),
    viewCount: z.int(),
    lastSequence: z.int(),
    createdAt: isoTime,
    updatedAt: isoTime,
  }),
);
const SceneListItem = registry.register(
  "SceneListItem",
  Scene.pick({
    id: true,
    topicId: true,
    userId: true,
    title: true,
    thumbnailUrl: true,
    segmentCount: true,
    likeCount: true,
    createdAt: true,
  }),
);
const Job = registry.register(
  "Job",
  z.object({
    id: z.uuid(),
    sceneId: z.uuid(),
    sequence: z.int(),
    status: z.enum(["queued", "active", "completed", "failed"]),
    attempts: z.int(),
    error: z.string().nullable(),
    segmentId: z.uuid().nullable(),
    createdAt: isoTime,
    updatedAt: isoTime,
  }),
);
const SearchHit = registry.register(
  "SearchHit",
  z.object({
    id: z.uuid(),
    topicId: z.uuid(),
    title: z.string(),
    description: z.string(),
    tags: z.array(z.string()),
    segmentCount: z.int(),
    createdAt: isoTime,
    score: z.number(),
  }),
);
const Enqueued = registry.register(
  "Enqueued",
  z.object({
    jobId: z.uuid(),
    sceneId: z.uuid(),
    sequence: z.int(),
    status: Job.shape.status,
    created: z.boolean(),
    statusUrl: z.string(),
  }),
);
const Bible = registry.register(
  "SceneBible",
  z.object({
    sceneId: z.uuid(),
    version: z.int().openapi({ description: "0 until the first PUT" }),
    synopsis: z.string(),
    setting: z.string(),
    style: z.string(),
    characters: z.array(z.object({ name: z.string(), description: z.string() })),
    updatedAt: isoTime.nullable(),
  }),
);
const Session = registry.register(
  "Session",
  z.object({
    sessionId: z.string(),
    token: z.string().openapi({ description: "a bearer token bound to the session (claim sid)" }),
    expiresAt: isoTime,
  }),
);

// ---- paths
const json = (schema: z.ZodType, description: string) => ({ description, content: { "application/json": { schema } } });
const errors = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((s) => [String(s), json(ErrorBody, "error")]));
const bearer = [{ bearer: [] }];
registry.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer", bearerFormat: "JWT" });
const read = (cfg: Omit<RouteConfig, "method">) => registry.registerPath({ method: "get", ...cfg });
const write = (cfg: RouteConfig) => registry.registerPath({ security: bearer, ...cfg });

read({
  path: "/topics",
  summary: "All topics (cache:topics, 300 s)",
  responses: { 200: json(z.object({ items: z.array(Topic) }), "topics"), ...errors(400, 429, 503) },
});
read({
  path: "/topics/{id}",
  request: { params: idParams },
  responses: { 200: json(Topic, "topic"), ...errors(400, 404, 429, 503) },
});
read({
  path: "/scenes",
  summary: "Active scenes, newest first (keyset pages)",
  request: { query: sceneListQuery },
  responses: {
    200: json(z.object({ items: z.array(SceneListItem), nextCursor: z.string().nullable() }), "a page"),
    ...errors(400, 429, 503),
  },
});
read({
  path: "/scenes/{id}",
  request: { params: idParams },
  responses: { 200: json(Scene, "scene"), ...errors(400, 404, 429, 503) },
});
read({
  path: "/scenes/{id}/playlist",
  request: { params: idParams },
  responses: {
    200: { description: "HLS EVENT playlist", content: { "application/vnd.apple.mpegurl": { schema: z.string() } } },
    ...errors(400, 404, 429, 503),
  },
});
read({
  path: "/scenes/{id}/bible",
  summary: "The scene bible (cache:scene:{id}:bible, 300 s)",
  request: { params: idParams },
  responses: { 200: json(Bible, "bible"), ...errors(400, 404, 429, 503) },
});
read({
  path: "/jobs/{id}",
  request: { params: idParams },
  responses: { 200: json(Job, "job status"), ...errors(400, 404, 429, 503) },
});
read({
  path: "/search",
  request: { query: searchQuery },
  responses: {
    200: json(z.object({ query: z.string(), items: z.array(SearchHit) }), "hits"),
    ...errors(400, 429, 503),
  },
});
read({
  path: "/openapi.json",
  summary: "This document",
  responses: { 200: json(z.object({ openapi: z.string() }).loose(), "OpenAPI 3.1") },
});
write({
  method: "post",
  path: "/scenes",
  request: { body: { content: { "application/json": { schema: newSceneBody } } } },
  responses: { 201: json(Scene, "created"), ...errors(400, 401, 413, 415, 429, 503) },
});
write({
  method: "post",
  path: "/scenes/{id}/segments",
  summary: "Request the next segment (only the scene's creator)",
  request: { params: idParams, body: { content: { "application/json": { schema: enqueueBody } } } },
  responses: { 202: json(Enqueued, "accepted"), ...errors(400, 401, 403, 404, 409, 413, 415, 429, 503) },
});
write({
  method: "put",
  path: "/scenes/{id}/bible",
  summary: "Replace the scene bible (only the scene's creator)",
  request: { params: idParams, body: { content: { "application/json": { schema: bibleBody } } } },
  responses: { 200: json(Bible, "replaced"), ...errors(400, 401, 403, 404, 409, 413, 415, 429, 503) },
});
write({
  method: "post",
  path: "/sessions",
  summary: "Open a server-side session for a valid bearer token (24 h)",
  responses: { 201: json(Session, "session"), ...errors(401, 429, 503) },
});
write({
  method: "delete",
  path: "/sessions/current",
  summary: "Log out: the session of the bearer token ends at once on every instance",
  responses: { 204: { description: "ended" }, ...errors(400, 401, 429, 503) },
});
write({
  method: "delete",
  path: "/sessions/{id}",
  summary: "Revoke one of your sessions",
  request: { params: z.object({ id: z.string() }) },
  responses: { 204: { description: "revoked" }, ...errors(401, 404, 429, 503) },
});

let document: object | undefined;
/** The OpenAPI 3.1 document, generated once. */
export function openApiDocument(): object {
  document ??= new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: "3.1.0",
    info: { title: "StoryForge API", version: "1" },
  });
  return document;
}

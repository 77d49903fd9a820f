/**
 * The CDN's cache behaviours as data (seed 000 §2.1 layers 1-2): which paths go to which origin, for how long
 * CloudFront keeps them and which methods pass. `infra/components/cdn.ts` builds the distribution from this table,
 * the tests read it, and the app's Cache-Control values (core/keys.ts CACHE_CONTROL) can be compared with it.
 *
 * TTL interplay with the origin: every cached API behaviour has `min = 0` and `default = max = the seed's TTL`.
 * CloudFront then honours the API's `s-maxage` (or `max-age`) up to `max`, uses `default` when the API sends no
 * Cache-Control, and caches nothing when the API answers `no-store`/`private` (possible only because min is 0).
 * A longer `s-maxage` from the API is capped at `max`, so the table here is the ceiling and the app the dial.
 * Immutable S3 objects set min = default = max = one year, so no origin header can shorten them.
 * `stale-while-revalidate` from the app is honoured by CloudFront as sent; it needs no policy setting.
 */
import type { TierName } from "../../stacks/tiers";

export type HttpMethod = "GET" | "HEAD" | "OPTIONS" | "PUT" | "POST" | "PATCH" | "DELETE";
export type CdnOrigin = "api" | "assets";

/** CloudFront accepts only these method sets. */
export const ALL_METHODS: readonly HttpMethod[] = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"];
export const READ_METHODS: readonly HttpMethod[] = ["GET", "HEAD"];

export interface Ttl {
  min: number;
  default: number;
  max: number;
}

export interface CacheBehaviourSpec {
  /** Short name: resource names and the plan use it. */
  id: string;
  /** CloudFront path pattern (`*` any characters, `?` one); `*` for the default behaviour. */
  pathPattern: string;
  origin: CdnOrigin;
  /** Methods CloudFront accepts and forwards; writes need all seven. */
  allowedMethods: readonly HttpMethod[];
  /** Methods whose responses CloudFront caches. */
  cachedMethods: readonly HttpMethod[];
  /** null: uncached (AWS managed CachingDisabled). */
  ttl: Ttl | null;
  /** Query strings in the cache key (and so forwarded); empty: none. */
  queryStrings: readonly string[];
  /** Paths this behaviour must serve; the table's order is checked against them. */
  examples: readonly string[];
  /** Where the number comes from. */
  source: string;
}

export const ONE_YEAR = 31_536_000;

/** min 0 so the origin's Cache-Control can lower or forbid caching; default = max = the seed's TTL. */
const originBounded = (seconds: number): Ttl => ({ min: 0, default: seconds, max: seconds });
const immutable: Ttl = { min: ONE_YEAR, default: ONE_YEAR, max: ONE_YEAR };

/**
 * Ordered behaviours, first match wins, so the more specific patterns come first: the playlist before
 * `/scenes/*`, `*.m3u8` playlists before the year-long `/segments/*`. Cached API paths still accept every method
 * (a path pattern cannot select methods, and `POST /scenes` shares the `/scenes` path); CloudFront caches only
 * GET and HEAD and passes the viewer's `Authorization` through on POST, PUT, PATCH and DELETE.
 */
export const ORDERED_BEHAVIOURS: readonly CacheBehaviourSpec[] = [
  {
    id: "scene-playlist",
    pathPattern: "/scenes/*/playlist",
    origin: "api",
    allowedMethods: ALL_METHODS,
    cachedMethods: READ_METHODS,
    ttl: originBounded(30),
    queryStrings: [],
    examples: ["/scenes/6f1c2b9e-0000-4000-8000-000000000001/playlist"],
    source: "seed 000 §2.2 playlist 30 s (HLS playlist served by the API)",
  },
  {
    id: "scene",
    pathPattern: "/scenes/*",
    origin: "api",
    allowedMethods: ALL_METHODS,
    cachedMethods: READ_METHODS,
    ttl: originBounded(30),
    queryStrings: [],
    examples: ["/scenes/6f1c2b9e-0000-4000-8000-000000000001", "/scenes/6f1c2b9e-0000-4000-8000-000000000001/segments"],
    source: "seed 000 §2.1 layer 2: GET /scenes/:id 30 s",
  },
  {
    id: "scene-list",
    pathPattern: "/scenes",
    origin: "api",
    allowedMethods: ALL_METHODS,
    cachedMethods: READ_METHODS,
    ttl: originBounded(60),
    // The API reads topicId, cursor and limit (app/routes/reads.ts); a key without `limit` would hand a 5-item
    // page to a 50-item request.
    queryStrings: ["topicId", "cursor", "limit"],
    examples: ["/scenes"],
    source: "seed 000 §2.1 layer 2: GET /scenes 1 min, vary by query",
  },
  {
    id: "topics",
    pathPattern: "/topics*",
    origin: "api",
    allowedMethods: ALL_METHODS,
    cachedMethods: READ_METHODS,
    ttl: originBounded(300),
    queryStrings: [],
    examples: ["/topics", "/topics/6f1c2b9e-0000-4000-8000-000000000002"],
    source: "seed 000 §2.1 layer 2: GET /topics 5 min",
  },
  {
    id: "hls-playlists",
    pathPattern: "*.m3u8",
    origin: "assets",
    allowedMethods: READ_METHODS,
    cachedMethods: READ_METHODS,
    ttl: originBounded(30),
    queryStrings: [],
    examples: ["/segments/6f1c2b9e/index.m3u8", "/assets/intro/master.m3u8"],
    source: "seed 000 §2.1 layer 1: HLS playlists; §2.2 playlist 30 s",
  },
  {
    id: "video-segments",
    pathPattern: "*.ts",
    origin: "assets",
    allowedMethods: READ_METHODS,
    cachedMethods: READ_METHODS,
    ttl: immutable,
    queryStrings: [],
    examples: ["/video/6f1c2b9e/000001.ts"],
    source: "seed 000 §2.1 layer 1: video segments (.ts), immutable, 1 year",
  },
  {
    id: "segments",
    pathPattern: "/segments/*",
    origin: "assets",
    allowedMethods: READ_METHODS,
    cachedMethods: READ_METHODS,
    ttl: immutable,
    queryStrings: [],
    examples: ["/segments/6f1c2b9e/000001.m4s", "/segments/6f1c2b9e/thumb.jpg"],
    source: "seed 000 §2.1 layer 1: segments immutable, 1 year",
  },
  {
    id: "assets",
    pathPattern: "/assets/*",
    origin: "assets",
    allowedMethods: READ_METHODS,
    cachedMethods: READ_METHODS,
    ttl: immutable,
    queryStrings: [],
    examples: ["/assets/app.3f9a1c.js", "/assets/logo.svg"],
    source: "seed 000 §2.1 layer 1: static assets (content-hashed names), 1 year",
  },
];

/** Everything else goes to the API uncached, every method passed through (writes, jobs, search, health). */
export const DEFAULT_BEHAVIOUR: CacheBehaviourSpec = {
  id: "api-default",
  pathPattern: "*",
  origin: "api",
  allowedMethods: ALL_METHODS,
  cachedMethods: READ_METHODS,
  ttl: null,
  queryStrings: [],
  examples: ["/jobs/6f1c2b9e-0000-4000-8000-000000000003", "/search", "/health/ready", "/"],
  source: "issue 3 §5: everything else uncached",
};

/** AWS managed policies (ids are global and stable). */
export const MANAGED_POLICIES = {
  /** Cache policy: TTL 0, nothing in the key. */
  cachingDisabled: "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
  /** Origin request policy: every viewer header, cookie and query string except Host (the ALB needs its own). */
  allViewerExceptHostHeader: "b689b0a8-53d0-40ab-baf2-68738e2966ac",
  /** Response headers policy: HSTS, X-Content-Type-Options, X-Frame-Options, Referrer-Policy, XSS protection. */
  securityHeaders: "67f7725c-6f97-4210-82d7-5512b31e9d03",
} as const;

/**
 * Headers the API needs on cached paths for the writes that share them (`POST /scenes`,
 * `POST /scenes/:id/segments`): the body's type, CORS and request tracing. None changes a cached response, so
 * they are forwarded, not keyed. Authorization cannot be listed in an origin request policy (CloudFront rejects
 * it); on POST/PUT/PATCH/DELETE CloudFront forwards it anyway.
 */
export const API_WRITE_HEADERS: readonly string[] = [
  "Content-Type",
  "Origin",
  "Access-Control-Request-Method",
  "Access-Control-Request-Headers",
  "X-Request-Id",
];

/**
 * Name of the cache policy a behaviour uses, equal for behaviours with the same TTLs and query key (they share
 * one policy); null for an uncached behaviour (the managed CachingDisabled policy).
 */
export function cachePolicyKey(b: CacheBehaviourSpec): string | null {
  if (b.ttl === null) return null;
  const ttl = b.ttl.min === b.ttl.max ? `immutable-${b.ttl.max}` : `ttl-${b.ttl.min}-${b.ttl.default}-${b.ttl.max}`;
  return b.queryStrings.length === 0 ? ttl : `${ttl}-q-${[...b.queryStrings].sort().join("-").toLowerCase()}`;
}

/** CloudFront path-pattern match: case-sensitive, `*` = any run of characters, `?` = exactly one. */
export function matchesPathPattern(pattern: string, path: string): boolean {
  const body = pattern.startsWith("/") || pattern.startsWith("*") ? pattern : `/${pattern}`;
  const regex = new RegExp(
    "^" +
      body
        .split("")
        .map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
        .join("") +
      "$",
  );
  return regex.test(path);
}

/** The behaviour CloudFront picks for `path` (no query string): the first ordered match, else the default. */
export function behaviourFor(
  path: string,
  ordered: readonly CacheBehaviourSpec[] = ORDERED_BEHAVIOURS,
): CacheBehaviourSpec {
  return ordered.find((b) => matchesPathPattern(b.pathPattern, path)) ?? DEFAULT_BEHAVIOUR;
}

/** Problems in a behaviour table; empty when it is sound. The component refuses a table with problems. */
export function behaviourProblems(ordered: readonly CacheBehaviourSpec[] = ORDERED_BEHAVIOURS): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const b of [...ordered, DEFAULT_BEHAVIOUR]) {
    if (seen.has(b.pathPattern)) problems.push(`path pattern ${b.pathPattern} appears twice`);
    seen.add(b.pathPattern);
    if (!b.cachedMethods.every((m) => b.allowedMethods.includes(m))) {
      problems.push(`${b.pathPattern}: cached methods ${b.cachedMethods.join(",")} must be allowed methods`);
    }
    const methods = [...b.allowedMethods].sort().join(",");
    if (
      methods !== [...READ_METHODS].sort().join(",") &&
      methods !== [...ALL_METHODS].sort().join(",") &&
      methods !== ["GET", "HEAD", "OPTIONS"].sort().join(",")
    ) {
      problems.push(
        `${b.pathPattern}: CloudFront accepts GET,HEAD or GET,HEAD,OPTIONS or all seven methods, got ${b.allowedMethods.join(",")}`,
      );
    }
    if (
      b.ttl !== null &&
      !(b.ttl.min >= 0 && b.ttl.min <= b.ttl.default && b.ttl.default <= b.ttl.max && b.ttl.max <= ONE_YEAR)
    ) {
      problems.push(
        `${b.pathPattern}: TTLs must satisfy 0 <= min <= default <= max <= ${ONE_YEAR}, got ${JSON.stringify(b.ttl)}`,
      );
    }
    if (b.ttl === null && b.queryStrings.length > 0)
      problems.push(`${b.pathPattern}: an uncached behaviour has no cache key`);
    for (const example of b.examples) {
      const chosen = behaviourFor(example, ordered);
      if (chosen !== b)
        problems.push(`${example} should reach ${b.pathPattern} but ${chosen.pathPattern} matches first`);
    }
  }
  return problems;
}

/**
 * Edge locations per tier. mvp serves North America and Europe (PriceClass_100: the cheapest edges, where the
 * launch audience is); v1 adds Asia, the Middle East and Africa (PriceClass_200) as the audience widens; v2 serves
 * every edge (PriceClass_All) because at 10K+ concurrent viewers watching video, latency in South America and
 * Oceania is worth the higher per-GB rate there.
 */
export const PRICE_CLASS: Record<TierName, "PriceClass_100" | "PriceClass_200" | "PriceClass_All"> = {
  mvp: "PriceClass_100",
  v1: "PriceClass_200",
  v2: "PriceClass_All",
};

import type { IncomingMessage, ServerResponse } from "node:http";
import { CACHE, CACHE_CONTROL } from "../core/keys";
import type { RateLimiter } from "../core/ratelimit";
import { clientIp, setRateLimitHeaders, state, type ApiContext } from "./http";
import { UUID } from "./validate";

const SCENE_PATH = /^\/scenes\/([^/?#]{36})$/;

/**
 * `GET /scenes/:id` answered in the request's first tick, ahead of Express, when nothing needs waiting for: an anonymous client
 * without a read-your-writes cookie (so identification and the read target have nothing to do), a well-formed
 * id whose scene this instance holds in its LRU, and a rate-limit token this instance already leased. That is
 * the bulk of the CDN's misses (docs/benchmarks.md: the router walk past a dozen routes, three async
 * middlewares, zod and `res.send` were a third of a cached read's CPU; Express's own entry, which re-parents
 * the request and response objects, made every property the access log then set on them slow). Anything else (a
 * token, a cookie, a query string, HEAD, a miss, a client near its limit) goes on to the route in
 * app/routes/reads.ts unchanged, with nothing counted here, so the answer and its headers are the route's own:
 * the same body, Cache-Control, RateLimit-* headers, access-log line (route `/scenes/:id`), histogram and
 * cache-hit metric. True when it answered; `observe` (app/http.ts) ran first.
 */
export function sceneFastPath(
  ctx: ApiContext,
  limiter: RateLimiter,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  const limit = ctx.config.rateLimitReadPerMin;
  return (req, res) => {
    if (req.method !== "GET" || req.headers.authorization !== undefined || req.headers.cookie !== undefined)
      return false;
    const m = SCENE_PATH.exec(req.url ?? "");
    if (m === null || !UUID.test(m[1])) return false;
    // the route's schema lowercases the id (app/validate.ts uuid()); the cache key is the lowercased one
    const key = CACHE.scene.key(m[1].toLowerCase());
    const json = ctx.cache.localJson(key);
    if (json === undefined) return false;
    const r = limiter.hitLeased("read", clientIp(res), limit);
    if (r === undefined) return false;
    ctx.cache.countLocalHit(key);
    ctx.metrics.fastPathReads.inc();
    state(res).route = "/scenes/:id";
    setRateLimitHeaders(res, r);
    res.setHeader("Cache-Control", CACHE_CONTROL.scene);
    res.setHeader("Content-Type", "application/json; charset=utf-8");
    res.setHeader("Content-Length", Buffer.byteLength(json));
    res.statusCode = 200;
    res.end(json);
    return true;
  };
}

import type { RequestHandler, Response } from "express";
import { CACHE, CACHE_CONTROL } from "../core/keys";
import type { RateLimiter } from "../core/ratelimit";
import { clientIp, setRateLimitHeaders, type ApiContext } from "./http";
import { UUID } from "./validate";

const SCENE_PATH = /^\/scenes\/([^/?#]{36})$/;

/**
 * `GET /scenes/:id` answered in the request's first tick when nothing needs waiting for: an anonymous client
 * without a read-your-writes cookie (so identification and the read target have nothing to do), a well-formed
 * id whose scene this instance holds in its LRU, and a rate-limit token this instance already leased. That is
 * the bulk of the CDN's misses (docs/benchmarks.md: the router walk past a dozen routes, three async
 * middlewares, zod and `res.send` were a third of a cached read's CPU). Anything else (a token, a cookie, a
 * query string, HEAD, a miss, a client near its limit) goes on to the route in app/routes/reads.ts unchanged,
 * with nothing counted here, so the answer and its headers are the route's own: the same body, Cache-Control,
 * RateLimit-* headers, access-log line (route `/scenes/:id`), histogram and cache-hit metric.
 */
export function sceneFastPath(ctx: ApiContext, limiter: RateLimiter): RequestHandler {
  const limit = ctx.config.rateLimitReadPerMin;
  return (req, res, next) => {
    if (req.method !== "GET" || req.headers.authorization !== undefined || req.headers.cookie !== undefined)
      return next();
    const m = SCENE_PATH.exec(req.url);
    if (m === null || !UUID.test(m[1])) return next();
    // the route's schema lowercases the id (app/validate.ts uuid()); the cache key is the lowercased one
    const key = CACHE.scene.key(m[1].toLowerCase());
    const json = ctx.cache.localJson(key);
    if (json === undefined) return next();
    const r = limiter.hitLeased("read", clientIp(req), limit);
    if (r === undefined) return next();
    ctx.cache.countLocalHit(key);
    ctx.metrics.fastPathReads.inc();
    (res as Response).locals.route = "/scenes/:id";
    setRateLimitHeaders(res, r);
    res.setHeader("Cache-Control", CACHE_CONTROL.scene);
    res.setHeader("Content-Type", "application/json; charset=utf-8");
    res.setHeader("Content-Length", Buffer.byteLength(json));
    res.statusCode = 200;
    res.end(json);
  };
}

import type { IncomingMessage, ServerResponse } from "node:http";
import type { RequestHandler } from "express";
import { CACHE, CACHE_CONTROL } from "../core/keys";
import type { RateLimiter } from "../core/ratelimit";
import { clientIp, endJson, errorReply, setRateLimitHeaders, state, type ApiContext, type Check } from "./http";
import type { EnqueueSegment } from "./routes/writes";
import { UUID } from "./validate";

const SCENE_PATH = /^\/scenes\/([^/?#]{36})$/;
const SEGMENTS_PATH = /^\/scenes\/([^/?#%]{36})\/segments$/;

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
    endJson(res, 200, json);
    return true;
  };
}

/** What the enqueue's route is made of (app/server.ts builds both from the same instances). */
export interface EnqueueParts {
  /** The write checks, in the route's order: identify, the write limit, auth, JSON content type. */
  checks: Check[];
  /** The route's JSON body parser (body-parser: limit, encodings, charset, depth check, strict parse). */
  json: RequestHandler;
  /** The route's handler past its checks (app/routes/writes.ts). */
  enqueue: EnqueueSegment;
}

/**
 * `POST /scenes/:id/segments` answered ahead of Express, through the route's own parts: the same checks in the
 * same order, the same body parser on the same bytes, the same handler, and the error handler's answer (so every
 * status, body, header in its order, access-log line and metric is the route's; test/app/enqueue-answer.test.ts
 * runs on both). What it saves is Express's entry (which re-parents the request and response), the router walk
 * past every route before this one, and `res.json`'s rewrites (docs/benchmarks.md). It decides from the request
 * line alone, before anything is counted or read: a POST to the lowercase path with a well-formed id, no query,
 * no trailing slash and no percent-escape. Anything else goes to Express, which matches the rarer spellings too.
 * Once it takes a request it answers it, good or bad: handing it to Express after a check ran would count it
 * twice and read its body twice. True when it took the request.
 */
export function segmentsFastPath(
  ctx: ApiContext,
  parts: EnqueueParts,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  const { checks, json, enqueue } = parts;
  const parseBody = (req: IncomingMessage, res: ServerResponse) =>
    new Promise<void>((resolve, reject) =>
      // body-parser reads only what Node's request has (headers, the stream); Express adds nothing it needs
      json(req as Parameters<RequestHandler>[0], res as Parameters<RequestHandler>[1], (err?: unknown) =>
        err === undefined || err === null ? resolve() : reject(err),
      ),
    );
  const answer = async (req: IncomingMessage, res: ServerResponse, id: string): Promise<void> => {
    try {
      for (const check of checks) await check(req, res);
      await parseBody(req, res);
      await enqueue({ id }, (req as IncomingMessage & { body?: unknown }).body, res);
    } catch (err) {
      if (res.headersSent) {
        // as Express's final handler does: the answer is broken, so is the connection
        ctx.logger.error("the enqueue failed after its answer started", { requestId: state(res).requestId, err });
        req.socket.destroy();
        return;
      }
      const e = errorReply(ctx, err, res);
      endJson(res, e.status, JSON.stringify(e.toJSON()));
    }
  };
  return (req, res) => {
    if (req.method !== "POST") return false;
    const m = SEGMENTS_PATH.exec(req.url ?? "");
    if (m === null || !UUID.test(m[1])) return false;
    // taken: from here on nothing may throw, and nothing goes back to Express. The route is named before the
    // write limit runs, which labels its 429 metric with it
    state(res).route = "/scenes/:id/segments";
    ctx.metrics.fastPathWrites.inc();
    answer(req, res, m[1]).catch((err: unknown) => {
      // its error answer could not be written either: the client is not left waiting on an open connection
      ctx.logger.error("the enqueue fast path failed to answer", { requestId: state(res).requestId, err });
      req.socket.destroy();
    });
    return true;
  };
}

import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { NextFunction, Request, RequestHandler, Response } from "express";
import { pinoHttp } from "pino-http";
import proxyaddr from "proxy-addr";
import typeis from "type-is";
import type { ApiConfig } from "../core/config";
import type { Context } from "../core/context";
import type { Target } from "../core/db";
import { HttpError } from "../core/errors";
import type { LimitResult, RateLimiter } from "../core/ratelimit";
import type { ReadYourWrites } from "../core/ryw";

export type ApiContext = Context<ApiConfig>;

/** Per-request state the middlewares leave for routes. */
export interface RequestState {
  requestId: string;
  /** Verified token subject, if the request carried a valid bearer token (and live session, when bound to one). */
  sub?: string;
  /** The server-side session the token is bound to (claim `sid`). */
  sid?: string;
  /** Why the bearer token was refused (writes answer with it; reads ignore it). */
  authError?: HttpError;
  /** Where this request's reads go (primary while read-your-writes applies). */
  target: Target;
  /** The client's address, as Express's `req.ip` reckons it under `trust proxy` (computed once, in `observe`). */
  ip: string;
  /** A route answered ahead of Express names itself here (app/fastpath.ts). */
  route?: string;
  /** When the request arrived (process.hrtime.bigint), for the duration histogram. */
  start: bigint;
}

export function state(res: ServerResponse): RequestState {
  return (res as Response).locals as RequestState;
}

/** The verified subject of an authenticated request (requireAuth ran before). */
export function user(res: ServerResponse): string {
  const sub = state(res).sub;
  if (sub === undefined) throw new HttpError("unauthorized", "this endpoint needs a bearer token", "authorization");
  return sub;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * The matched route pattern, never the raw path (ids would explode the label set); `unmatched` for 404s. A route
 * answered ahead of Express names itself in the state; Express's router leaves `route` and `baseUrl` on the request.
 */
export function routeLabel(req: IncomingMessage, res: ServerResponse): string {
  const fixed = state(res).route;
  if (fixed !== undefined) return fixed;
  const { route, baseUrl } = req as Partial<Request>;
  const path = (route as { path?: unknown } | undefined)?.path;
  return typeof path === "string" ? `${baseUrl ?? ""}${path}` : "unmatched";
}

/**
 * A step in front of a route, on Node's request and response: it refuses by throwing (an HttpError) or rejecting.
 * Routes take it as Express middleware (`middleware`); the enqueue's fast path (app/fastpath.ts) runs the same
 * ones, in the same order, without Express.
 */
export type Check = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/** A check as Express middleware: Express's router turns its throw or rejection into the error handler's answer. */
export function middleware(check: Check): RequestHandler {
  return (req, res, next) => {
    const done = check(req, res);
    if (done === undefined) return next();
    return done.then(() => next());
  };
}

/** Writes a JSON answer: the status, its Content-Type and Content-Length, and `json` as the body. */
export function endJson(res: ServerResponse, status: number, json: string): void {
  res.setHeader("Content-Type", "application/json; charset=utf-8");
  res.setHeader("Content-Length", Buffer.byteLength(json));
  res.statusCode = status;
  res.end(json);
}

/** What runs on every request before anything answers it (app/server.ts): see `observe`. */
export type Front = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Request id (a well-formed X-Request-Id is kept), client IP, the access log (pino-http: one JSON line per request
 * with request id, method, route, path when no route matched, status, response time, client IP and user) and the
 * duration histogram. It runs ahead of Express (app/server.ts), on the request as Node made it: so a request
 * answered ahead of Express (app/fastpath.ts) is logged and measured the same way. `trust` is the app's compiled
 * `trust proxy` (Express's `trust proxy fn`), so the IP is the one `req.ip` would give.
 */
export function observe(ctx: ApiContext, trust: (addr: string, i: number) => boolean): Front {
  const log = pinoHttp({
    logger: ctx.logger.access,
    wrapSerializers: false,
    // no per-request child logger for `reqId` (nothing logs through req.log): accessFields adds the field to the
    // one line, one pino child per request fewer (the access log was a sixth of a cached read's CPU)
    quietReqLogger: false,
    genReqId: (req: IncomingMessage, res: ServerResponse) => {
      const given = req.headers["x-request-id"];
      const id = typeof given === "string" && REQUEST_ID.test(given) ? given : randomUUID();
      res.setHeader("X-Request-Id", id);
      return id;
    },
    serializers: {
      req: (req: Request) => ({ id: req.id, method: req.method }),
      res: (res: ServerResponse) => ({ statusCode: res.statusCode }),
    },
    customLogLevel: (_req, res, err) => (err !== undefined || res.statusCode >= 500 ? "warn" : "info"),
    customSuccessMessage: () => "request",
    customErrorMessage: () => "request",
    customSuccessObject: (req, res, value: Record<string, unknown>) => accessFields(req as Request, res, value),
    customErrorObject: (req, res, _err, value: Record<string, unknown>) => accessFields(req as Request, res, value),
  });
  return (req, res) => {
    // Express keeps locals it finds on the response
    const locals = Object.create(null) as RequestState;
    locals.target = "replica";
    locals.start = process.hrtime.bigint();
    locals.ip = proxyaddr(req, trust);
    (res as Response).locals = locals;
    log(req, res);
    locals.requestId = req.id as string;
  };

  /** Runs once per finished request (pino-http's success/error object), so it also feeds the histogram. */
  function accessFields(req: Request, res: ServerResponse, value: Record<string, unknown>): Record<string, unknown> {
    const route = routeLabel(req, res);
    const locals = state(res);
    const seconds = Number(process.hrtime.bigint() - locals.start) / 1e9;
    ctx.metrics.httpDuration.observe({ method: req.method, route, status: String(res.statusCode) }, seconds);
    return {
      ...value,
      reqId: req.id,
      route,
      // only Express answers an unmatched request, so its `req.path` is there
      ...(route === "unmatched" ? { path: req.path } : {}),
      ip: locals.ip,
      ...(locals.sub === undefined ? {} : { user: locals.sub }),
    };
  }
}

function bearer(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  if (h === undefined) return undefined;
  const m = /^Bearer ([A-Za-z0-9._-]{1,4096})$/.exec(h);
  if (m === null) throw new HttpError("unauthorized", "Authorization must be 'Bearer <token>'", "authorization");
  return m[1];
}

/** Verifies a bearer token (and its session, if bound to one); resolves to the subject or throws a 401/503. */
export type Authenticate = (token: string) => Promise<{ sub: string; sid?: string }>;

/**
 * Identifies the caller without refusing anyone: a valid token sets `sub` (and `sid`); an invalid one leaves
 * its reason in `authError` for requireAuth. Runs before the write limits, so anonymous writes can be limited
 * (and shed) apart from authenticated ones.
 */
export function identify(authenticate: Authenticate): Check {
  return async (req, res) => {
    const s = state(res);
    try {
      const token = bearer(req);
      if (token !== undefined) {
        const who = await authenticate(token);
        s.sub = who.sub;
        if (who.sid !== undefined) s.sid = who.sid;
      }
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      if (err.status >= 500) throw err;
      s.authError = err;
    }
  };
}

/** Writes need a valid bearer token (identify ran before). */
export const requireAuth: Check = (_req, res) => {
  const s = state(res);
  if (s.sub === undefined)
    throw s.authError ?? new HttpError("unauthorized", "this endpoint needs a bearer token", "authorization");
};

/**
 * Reads are public. A valid token on a read only identifies the client for read-your-writes; an invalid one
 * is ignored rather than refused (identify ran before).
 */
export function readTarget(ryw: ReadYourWrites): Check {
  return async (req, res) => {
    const cookie = req.headers.cookie;
    const s = state(res);
    // nothing to check for an anonymous client without a cookie: no Redis round trip on the hot read path
    if ((cookie !== undefined || s.sub !== undefined) && (await ryw.mustReadPrimary(cookie, s.sub)))
      s.target = "primary";
  };
}

/** After a successful write: the writer's next reads go to the primary. */
export async function markWrite(res: ServerResponse, ryw: ReadYourWrites): Promise<void> {
  const sub = state(res).sub;
  if (sub === undefined) return;
  res.appendHeader("Set-Cookie", await ryw.markWrite(sub));
}

/** The IETF RateLimit-* headers of a hit. */
export function setRateLimitHeaders(res: ServerResponse, r: LimitResult): void {
  res.setHeader("RateLimit-Limit", String(r.limit));
  res.setHeader("RateLimit-Remaining", String(r.remaining));
  res.setHeader("RateLimit-Reset", String(r.resetSec));
  res.setHeader("RateLimit-Policy", `${r.limit};w=60`);
}

/** A rate limit with the IETF RateLimit-* headers and Retry-After on 429; `limit` may change per request. */
export function rateLimit(
  ctx: ApiContext,
  limiter: RateLimiter,
  type: string,
  limit: number | ((req: IncomingMessage, res: ServerResponse) => number),
  key: (req: IncomingMessage, res: ServerResponse) => string,
): Check {
  return async (req, res) => {
    const max = typeof limit === "number" ? limit : limit(req, res);
    const r = await limiter.hit(type, key(req, res), max);
    setRateLimitHeaders(res, r);
    if (!r.allowed) {
      ctx.metrics.rateLimited.inc({ limit: type, route: routeLabel(req, res) });
      res.setHeader("Retry-After", String(r.resetSec));
      throw new HttpError(
        "rate_limited",
        `rate limit of ${r.limit} ${type} requests per minute exceeded; retry in ${r.resetSec} s`,
      );
    }
  };
}

/** The client's address (see `observe`). */
export const clientIp = (res: ServerResponse): string => state(res).ip;

/**
 * POST/PUT bodies must be JSON: type-is's test, which is what Express's `req.is` calls (so a request without a
 * body, no Content-Length nor Transfer-Encoding, is refused too) and what the JSON body parser tests again.
 */
export const requireJson: Check = (req) => {
  if (!typeis(req, ["application/json"])) {
    throw new HttpError(
      "unsupported_media_type",
      `Content-Type must be application/json, got ${JSON.stringify(req.headers["content-type"] ?? "none")}`,
      "content-type",
    );
  }
};

/** Turns anything thrown into the JSON error shape; only our own faults are 500s. */
export function errorHandler(ctx: ApiContext) {
  return (err: unknown, _req: Request, res: Response, next: NextFunction): void => {
    if (res.headersSent) return next(err);
    const e = errorReply(ctx, err, res);
    res.status(e.status).json(e.toJSON());
  };
}

/** What an error answers with, logged (our own faults at error, a dependency's at warn) and marked no-store. */
export function errorReply(ctx: ApiContext, err: unknown, res: ServerResponse): HttpError {
  const e = toHttpError(err);
  const fields = { requestId: state(res).requestId, err: err instanceof Error ? err : String(err) };
  if (e.status === 500) ctx.logger.error("request failed", fields);
  else if (e.status > 500) ctx.logger.warn("request failed on a dependency", fields);
  res.setHeader("Cache-Control", "no-store");
  return e;
}

export function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  const e = err as { type?: string; status?: number; statusCode?: number; code?: string; message?: string };
  switch (e.type) {
    case "entity.too.large":
      return new HttpError("payload_too_large", "request body is larger than the limit", "body");
    case "entity.parse.failed":
      return new HttpError("validation_failed", "request body is not valid JSON", "body");
    case "entity.verify.failed":
      // app/validate.ts checkJsonDepth
      return new HttpError("validation_failed", e.message ?? "request body is refused", "body");
    case "encoding.unsupported":
    case "charset.unsupported":
      return new HttpError("unsupported_media_type", `unsupported body encoding: ${e.message ?? ""}`, "content-type");
  }
  // a body that does not decode by its Content-Encoding: zlib's, brotli's and zstd's errors, which body-parser
  // passes on as a 400. Known by the decoder's code, which also survives where body-parser copies the error into
  // one of its own (under Jest the decoder's error is another realm's Error: its message is lost, its code kept)
  if (typeof e.code === "string" && /^(Z_|ERR__ERROR|ZSTD_error)/.test(e.code))
    return new HttpError("validation_failed", "request body does not decode by its Content-Encoding", "body");
  const status = e.status ?? e.statusCode;
  // body-parser / router client errors we did not name (bad percent-encoding in a path, aborted body...)
  if (typeof status === "number" && status >= 400 && status < 500)
    return new HttpError("validation_failed", e.message ?? "bad request");
  // a timed-out query or an unreachable database is a dependency failure, not a crash
  if (typeof e.code === "string" && /^(08|57P0|53300|ECONNREFUSED|ECONNRESET|ETIMEDOUT)/.test(e.code))
    return new HttpError("unavailable", "a dependency is unavailable; retry shortly");
  if (
    e.message !== undefined &&
    /Query read timeout|timeout exceeded when trying to connect|canceling statement due to statement timeout/.test(
      e.message,
    )
  ) {
    return new HttpError("unavailable", "the database did not answer in time; retry shortly");
  }
  return new HttpError("internal", "internal error");
}

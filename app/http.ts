import { randomUUID } from "node:crypto";
import type { NextFunction, Request, RequestHandler, Response } from "express";
import type { Context } from "../core/context";
import { HttpError } from "../core/errors";
import { JwtError, verifyHs256 } from "../core/jwt";
import type { RateLimiter } from "../core/ratelimit";
import type { ReadYourWrites } from "../core/ryw";
import type { Target } from "../core/db";

/** Per-request state the middlewares leave for routes. */
export interface RequestState {
  requestId: string;
  /** Verified token subject, if the request carried a valid bearer token. */
  sub?: string;
  /** Where this request's reads go (primary while read-your-writes applies). */
  target: Target;
}

export function state(res: Response): RequestState {
  return res.locals as RequestState;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Request id (taken from X-Request-Id when well-formed), one JSON access-log line, the duration histogram. */
export function observe(ctx: Context): RequestHandler {
  return (req, res, next) => {
    const start = process.hrtime.bigint();
    const given = req.get("x-request-id");
    const requestId = given !== undefined && REQUEST_ID.test(given) ? given : randomUUID();
    res.locals.requestId = requestId;
    res.locals.target = "replica";
    res.setHeader("X-Request-Id", requestId);
    res.on("finish", () => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      // the matched route pattern, never the raw path: ids would explode the label set
      const route = req.route?.path === undefined ? "unmatched" : `${req.baseUrl}${String(req.route.path)}`;
      ctx.metrics.httpDuration.observe({ method: req.method, route, status: String(res.statusCode) }, seconds);
      ctx.logger.info("request", {
        requestId,
        method: req.method,
        route,
        status: res.statusCode,
        durationMs: Math.round(seconds * 1e4) / 10,
      });
    });
    next();
  };
}

function bearer(req: Request): string | undefined {
  const h = req.get("authorization");
  if (h === undefined) return undefined;
  const m = /^Bearer ([A-Za-z0-9._-]{1,4096})$/.exec(h);
  if (m === null) throw new HttpError("unauthorized", "Authorization must be 'Bearer <token>'", "authorization");
  return m[1];
}

function verify(ctx: Context, token: string): string {
  try {
    return verifyHs256(token, ctx.config.jwtSecret as string, {
      ...(ctx.config.jwtIssuer === undefined ? {} : { issuer: ctx.config.jwtIssuer }),
      ...(ctx.config.jwtAudience === undefined ? {} : { audience: ctx.config.jwtAudience }),
    }).sub;
  } catch (err) {
    if (err instanceof JwtError) throw new HttpError("unauthorized", err.message, "authorization");
    throw err;
  }
}

/** Writes need a valid HS256 bearer token. */
export function requireAuth(ctx: Context): RequestHandler {
  return (req, res, next) => {
    const token = bearer(req);
    if (token === undefined) throw new HttpError("unauthorized", "this endpoint needs a bearer token", "authorization");
    res.locals.sub = verify(ctx, token);
    next();
  };
}

/**
 * Reads are public. A valid token on a read only identifies the client for
 * read-your-writes; an invalid one is ignored rather than refused.
 */
export function readTarget(ctx: Context, ryw: ReadYourWrites): RequestHandler {
  return async (req, res, next) => {
    let sub: string | undefined;
    try {
      const token = bearer(req);
      if (token !== undefined) sub = verify(ctx, token);
    } catch {
      sub = undefined;
    }
    if (await ryw.mustReadPrimary(req.get("cookie"), sub)) res.locals.target = "primary";
    next();
  };
}

/** After a successful write: the writer's next reads go to the primary. */
export async function markWrite(res: Response, ryw: ReadYourWrites): Promise<void> {
  const sub = state(res).sub;
  if (sub === undefined) return;
  res.append("Set-Cookie", await ryw.markWrite(sub));
}

/** A rate limit with the IETF RateLimit-* headers and Retry-After on 429. */
export function rateLimit(
  ctx: Context,
  limiter: RateLimiter,
  type: string,
  limit: number,
  key: (req: Request, res: Response) => string,
): RequestHandler {
  return async (req, res, next) => {
    const r = await limiter.hit(type, key(req, res), limit);
    res.setHeader("RateLimit-Limit", String(r.limit));
    res.setHeader("RateLimit-Remaining", String(r.remaining));
    res.setHeader("RateLimit-Reset", String(r.resetSec));
    res.setHeader("RateLimit-Policy", `${r.limit};w=60`);
    if (!r.allowed) {
      ctx.metrics.rateLimited.inc({ limit: type });
      res.setHeader("Retry-After", String(r.resetSec));
      throw new HttpError(
        "rate_limited",
        `rate limit of ${r.limit} ${type} requests per minute exceeded; retry in ${r.resetSec} s`,
      );
    }
    next();
  };
}

export const clientIp = (req: Request): string => req.ip ?? req.socket.remoteAddress ?? "unknown";

/** POST bodies must be JSON. */
export const requireJson: RequestHandler = (req, _res, next) => {
  if (!req.is("application/json")) {
    throw new HttpError(
      "unsupported_media_type",
      `Content-Type must be application/json, got ${JSON.stringify(req.get("content-type") ?? "none")}`,
      "content-type",
    );
  }
  next();
};

/** Turns anything thrown into the JSON error shape; only our own faults are 500s. */
export function errorHandler(ctx: Context) {
  return (err: unknown, _req: Request, res: Response, next: NextFunction): void => {
    if (res.headersSent) return next(err);
    const e = toHttpError(err);
    if (e.status === 500)
      ctx.logger.error("request failed", {
        requestId: state(res).requestId,
        err: err instanceof Error ? err : String(err),
      });
    else if (e.status > 500)
      ctx.logger.warn("request failed on a dependency", {
        requestId: state(res).requestId,
        err: err instanceof Error ? err : String(err),
      });
    res.setHeader("Cache-Control", "no-store");
    res.status(e.status).json(e.toJSON());
  };
}

export function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  const e = err as { type?: string; status?: number; statusCode?: number; code?: string; message?: string };
  switch (e.type) {
    case "entity.too.large":
      return new HttpError("payload_too_large", "request body is larger than the limit", "body");
    case "entity.parse.failed":
      return new HttpError("validation_failed", "request body is not valid JSON", "body");
    case "encoding.unsupported":
    case "charset.unsupported":
      return new HttpError("unsupported_media_type", `unsupported body encoding: ${e.message ?? ""}`, "content-type");
  }
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

import {
  createServer as createHttpServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from "node:http";
import express from "express";
import { HttpError } from "../core/errors";
import { noSuchEndpoint } from "../core/ops";
import { RateLimiter } from "../core/ratelimit";
import { ReadYourWrites } from "../core/ryw";
import {
  clientIp,
  errorHandler,
  identify,
  middleware,
  observe,
  rateLimit,
  readTarget,
  requireAuth,
  requireJson,
  state,
  toHttpError,
  type ApiContext,
  type Check,
} from "./http";
import { sceneFastPath, segmentsFastPath } from "./fastpath";
import { opsRoutes } from "./routes/ops";
import { readRoutes } from "./routes/reads";
import { enqueueSegment, writeRoutes } from "./routes/writes";
import { BibleService } from "./services/bible";
import { JobService } from "./services/jobs";
import { SceneService } from "./services/scenes";
import { SessionService } from "./services/sessions";
import { TopicService } from "./services/topics";
import { LoadShedder } from "./shedding";
import { checkJsonDepth } from "./validate";

export interface ServerOptions {
  /** Whether the process is draining (readiness answers 503). */
  shuttingDown?: () => boolean;
  /** Load shedding; one is made (and started) from the config when absent. */
  shedder?: LoadShedder;
  /**
   * Whether `POST /scenes/:id/segments` is answered ahead of Express (app/fastpath.ts; default true). Off, the
   * route answers every enqueue: the tests compare the two.
   */
  writeFastPath?: boolean;
}

/** Methods each known path answers, for the 405's Allow header (HEAD comes with GET). */
const ALLOW: Record<string, string> = {
  "/topics": "GET, HEAD",
  "/topics/:id": "GET, HEAD",
  "/scenes": "GET, HEAD, POST",
  "/scenes/:id": "GET, HEAD",
  "/scenes/:id/playlist": "GET, HEAD",
  "/scenes/:id/bible": "GET, HEAD, PUT",
  "/scenes/:id/segments": "POST",
  "/jobs/:id": "GET, HEAD",
  "/search": "GET, HEAD",
  "/openapi.json": "GET, HEAD",
  "/sessions": "POST",
  "/sessions/current": "DELETE",
  "/sessions/:id": "DELETE",
};

/** The API, built and not yet listening. */
export interface ApiServer {
  /** Node's request listener: `observe`, then the cached-read and enqueue fast paths, then Express. */
  listener: RequestListener;
  /** An HTTP server for `listener`, listening on `port` (0: any free one) and `host`. */
  listen(port: number, host: string, onListening?: () => void): Server;
  /** Stops the load-shedding sampler; whoever closes the context calls it first (app/main.ts, tests' startApp). */
  stop(): void;
}

/** Builds the API without listening (app/main.ts listens; tests mount it on an ephemeral port). */
export function createServer(ctx: ApiContext, opts: ServerOptions = {}): ApiServer {
  const cfg = ctx.config;
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", cfg.trustProxy);
  app.set("etag", false);

  const sessions = new SessionService(ctx);
  const services = {
    topics: new TopicService(ctx),
    scenes: new SceneService(ctx),
    jobs: new JobService(ctx),
    bible: new BibleService(ctx),
    sessions,
  };
  const limiter = new RateLimiter(ctx.redis, ctx.redisBreaker, ctx.logger);
  const ryw = new ReadYourWrites(cfg.jwtSecret, cfg.readYourWritesMs, ctx.redis, ctx.redisBreaker);
  const shedder = opts.shedder ?? new LoadShedder(ctx);
  if (opts.shedder === undefined) shedder.start();

  app.use(opsRoutes(ctx, { shuttingDown: opts.shuttingDown ?? (() => false) }));
  // OPTIONS ahead of the routers: each router answers OPTIONS itself with only its own methods (200, the list as
  // text), so OPTIONS /scenes said "GET, HEAD" without the POST the write router allows
  for (const [path, allow] of Object.entries(ALLOW)) {
    app.options(path, (_req, res) => {
      res.setHeader("Allow", allow);
      res.status(204).end();
    });
  }

  const authenticated = (res: ServerResponse) => state(res).sub !== undefined;
  const ip = (_req: IncomingMessage, res: ServerResponse) => clientIp(res);
  const who = identify(sessions.authenticate);
  // seed 001: public reads 120/min/IP, public writes 30/min/IP (tightened first when shedding), creation 20/min/user
  const readLimit = rateLimit(ctx, limiter, "read", cfg.rateLimitReadPerMin, ip);
  const writeLimit = rateLimit(
    ctx,
    limiter,
    "write",
    (_req, res) => shedder.writeLimit(cfg.rateLimitWritePerMin, authenticated(res)),
    ip,
  );
  const sceneCreateLimit = rateLimit(
    ctx,
    limiter,
    "scene-create",
    () => shedder.writeLimit(cfg.rateLimitSceneCreatePerMin, true),
    (_req, res) => state(res).sub ?? "",
  );
  const json = express.json({
    limit: cfg.bodyLimitBytes,
    type: "application/json",
    strict: true,
    verify: (_req, _res, buf) => checkJsonDepth(buf),
  });

  // the order of a write's checks, written once: the route's middleware and the enqueue's fast path run it
  const authChecks: Check[] = [who, writeLimit, requireAuth];
  const writeChecks: Check[] = [...authChecks, requireJson];
  const enqueue = enqueueSegment(services.jobs, ryw);

  app.use(readRoutes(ctx, services, [readLimit, who, readTarget(ryw)].map(middleware)));
  app.use(
    writeRoutes(services, enqueue, ryw, {
      write: [...writeChecks.map(middleware), json],
      sceneCreate: middleware(sceneCreateLimit),
      auth: authChecks.map(middleware),
    }),
  );

  // a known path with another method: 405 naming what it allows
  for (const [path, allow] of Object.entries(ALLOW)) {
    app.all(path, (req, res) => {
      res.setHeader("Allow", allow);
      throw new HttpError("method_not_allowed", `${req.method} is not allowed on ${path}; allowed: ${allow}`);
    });
  }
  app.use(() => {
    throw noSuchEndpoint();
  });
  app.use(errorHandler(ctx));

  // ahead of Express, which re-parents the request and response (Object.setPrototypeOf) on entry: done after
  // pino-http's properties are set, that left every request paying for slow property writes
  const front = observe(ctx, app.get("trust proxy fn") as (addr: string, i: number) => boolean);
  const fast = sceneFastPath(ctx, limiter);
  const writeFast =
    (opts.writeFastPath ?? true) ? segmentsFastPath(ctx, { checks: writeChecks, json, enqueue }) : () => false;
  // Express's error handling is not around these: a throw here would end the process, not the request
  const listener: RequestListener = (req, res) => {
    try {
      front(req, res);
    } catch (err) {
      ctx.logger.error("request failed before routing", { err });
      const e = toHttpError(err);
      res.writeHead(e.status, { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store" });
      res.end(JSON.stringify(e.toJSON()));
      return;
    }
    try {
      if (fast(req, res)) return;
    } catch (err) {
      // the route answers instead, with its own headers
      ctx.logger.warn("the cached-read fast path failed; the route answers", { err });
      if (res.headersSent) return;
    }
    // not in a try: once it took a request it answers it, and it throws nothing after that
    if (writeFast(req, res)) return;
    app(req, res);
  };
  return {
    listener,
    listen: (port, host, onListening) => createHttpServer(listener).listen(port, host, onListening),
    stop: () => shedder.stop(),
  };
}

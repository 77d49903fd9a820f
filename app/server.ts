import express, { type Express } from "express";
import type { Context } from "../core/context";
import { noSuchEndpoint } from "../core/ops";
import { RateLimiter } from "../core/ratelimit";
import { ReadYourWrites } from "../core/ryw";
import { clientIp, errorHandler, observe, rateLimit, readTarget, requireAuth, requireJson, state } from "./http";
import { opsRoutes } from "./routes/ops";
import { readRoutes } from "./routes/reads";
import { writeRoutes } from "./routes/writes";
import { JobService } from "./services/jobs";
import { SceneService } from "./services/scenes";
import { TopicService } from "./services/topics";

export interface ServerOptions {
  /** Whether the process is draining (readiness answers 503). */
  shuttingDown?: () => boolean;
}

/** Builds the API without listening (app/main.ts listens; tests mount it on an ephemeral port). */
export function createServer(ctx: Context, opts: ServerOptions = {}): Express {
  const cfg = ctx.config;
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", cfg.trustProxy);
  app.set("etag", false);

  const services = { topics: new TopicService(ctx), scenes: new SceneService(ctx), jobs: new JobService(ctx) };
  const limiter = new RateLimiter(ctx.redis, ctx.redisBreaker, ctx.logger);
  const ryw = new ReadYourWrites(cfg.jwtSecret as string, cfg.readYourWritesMs, ctx.redis, ctx.redisBreaker);

  app.use(observe(ctx));
  app.use(opsRoutes(ctx, { shuttingDown: opts.shuttingDown ?? (() => false) }));

  // seed 001: public reads 120/min/IP, public writes 30/min/IP, scene creation 20/min/user
  const readLimit = rateLimit(ctx, limiter, "read", cfg.rateLimitReadPerMin, (req) => clientIp(req));
  const writeLimit = rateLimit(ctx, limiter, "write", cfg.rateLimitWritePerMin, (req) => clientIp(req));
  const sceneCreateLimit = rateLimit(
    ctx,
    limiter,
    "scene-create",
    cfg.rateLimitSceneCreatePerMin,
    (_req, res) => state(res).sub as string,
  );
  const json = express.json({ limit: cfg.bodyLimitBytes, type: "application/json", strict: true });

  app.get(
    ["/topics", "/topics/:id", "/scenes", "/scenes/:id", "/scenes/:id/playlist", "/jobs/:id", "/search"],
    readLimit,
    readTarget(ctx, ryw),
  );
  app.use(readRoutes(ctx, services));

  app.post("/scenes", writeLimit, requireAuth(ctx), sceneCreateLimit, requireJson, json);
  app.post("/scenes/:id/segments", writeLimit, requireAuth(ctx), requireJson, json);
  app.use(writeRoutes(services, ryw));

  app.use(() => {
    throw noSuchEndpoint();
  });
  app.use(errorHandler(ctx));
  return app;
}

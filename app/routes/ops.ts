import { Router } from "express";
import type { Context } from "../../core/context";
import { databaseCheck, opsEndpoints, type ReadinessCheck } from "../../core/ops";
import { redisHealth } from "../../core/redis";

/** Health, metrics and the queue depth the worker autoscaler reads (core/ops.ts). Not for the public CDN. */
export function opsRoutes(ctx: Context, lifecycle: { shuttingDown: () => boolean }): Router {
  const r = Router();
  // the API answers from PostgreSQL without Redis, so Redis is optional: degraded, still ready. Every master is
  // asked for its cluster state: a PING reaches one live node and said "ok" during CLUSTERDOWN (issue 14 item 10)
  const redis: ReadinessCheck = {
    name: "redis",
    required: false,
    failed: "degraded",
    run: () => redisHealth(ctx.redis, 1_000),
  };
  const endpoints = opsEndpoints(ctx, {
    readiness: [databaseCheck(ctx), redis],
    draining: lifecycle.shuttingDown,
    queueDepth: true,
  });
  for (const [path, handler] of Object.entries(endpoints)) {
    r.get(path, async (_req, res) => {
      const reply = await handler();
      res.set("Cache-Control", "no-store").status(reply.status).type(reply.contentType).send(reply.body);
    });
  }
  return r;
}

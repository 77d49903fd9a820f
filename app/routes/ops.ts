import { Router } from "express";
import type { Context } from "../../core/context";
import { queueDepth } from "../../core/queue";
import { withTimeout } from "../../core/timeout";

/** Health, metrics and the queue depth the worker autoscaler reads. Not for the public CDN. */
export function opsRoutes(ctx: Context, lifecycle: { shuttingDown: () => boolean }): Router {
  const r = Router();
  const noStore = { "Cache-Control": "no-store" };

  // liveness: the process runs and its event loop answers; never depends on anything else
  r.get("/health/live", (_req, res) => {
    res.set(noStore).json({ status: "ok" });
  });

  // readiness: the primary answers through PgBouncer; Redis is optional (degraded, still ready); draining on shutdown
  r.get("/health/ready", async (_req, res) => {
    const checks: Record<string, string> = {};
    let ready = !lifecycle.shuttingDown();
    if (!ready) checks.shutdown = "draining";
    try {
      await withTimeout(ctx.db.primary.query("SELECT 1"), 2_000);
      checks.database = "ok";
    } catch {
      checks.database = "unreachable";
      ready = false;
    }
    try {
      await withTimeout(ctx.redis.ping(), 1_000);
      checks.redis = "ok";
    } catch {
      checks.redis = "degraded";
    }
    res
      .set(noStore)
      .status(ready ? 200 : 503)
      .json({ status: ready ? (checks.redis === "ok" ? "ok" : "degraded") : "unavailable", checks });
  });

  r.get("/internal/queue-depth", async (_req, res) => {
    const depth = await withTimeout(queueDepth(ctx.queue), 3_000);
    ctx.metrics.queueDepth.set({ queue: depth.queue }, depth.depth);
    res.set(noStore).json(depth);
  });

  r.get("/metrics", async (_req, res) => {
    ctx.db.sampleMetrics(ctx.metrics);
    try {
      const depth = await withTimeout(queueDepth(ctx.queue), 1_000);
      ctx.metrics.queueDepth.set({ queue: depth.queue }, depth.depth);
    } catch {
      // Redis unreachable: keep the last value rather than failing the scrape
    }
    res
      .set(noStore)
      .type(ctx.metrics.registry.contentType)
      .send(await ctx.metrics.registry.metrics());
  });

  return r;
}

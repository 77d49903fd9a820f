import { createServer, type Server } from "node:http";
import type { Context } from "./context";
import { HttpError } from "./errors";
import { queueDepth } from "./queue";
import { withTimeout } from "./timeout";

/**
 * Health, metrics and queue depth, written once for both processes: the API mounts these handlers on its
 * Express app (app/routes/ops.ts), the worker serves them alone on WORKER_METRICS_PORT (createOpsServer).
 */
export interface OpsReply {
  status: number;
  contentType: string;
  body: string;
}

export type OpsHandler = () => Promise<OpsReply>;

const JSON_TYPE = "application/json; charset=utf-8";
const json = (status: number, value: unknown): OpsReply => ({
  status,
  contentType: JSON_TYPE,
  body: JSON.stringify(value),
});

/** The 404 of an unknown path, on the API (its last middleware) and on the worker's ops port alike. */
export const noSuchEndpoint = (): HttpError => new HttpError("not_found", "no such endpoint");

/**
 * One dependency readiness looks at. `run` resolves when it is usable and rejects when not. A required
 * check that fails makes the process unready (503); an optional one only makes it "degraded".
 */
export interface ReadinessCheck {
  name: string;
  required: boolean;
  /** What the check reports when it fails: "unreachable", "degraded"... */
  failed: string;
  /** Report why it failed too ("cannot take jobs: fetch loop stalled"); for endpoints off the public path. */
  explain?: boolean;
  /** Resolves with what to report when usable ("ok" unless it says more), rejects when not. */
  run(): Promise<string | void>;
}

/**
 * liveness: the process runs and its event loop answers; it never depends on another service. `stuck` names
 * an internal wedge a restart would cure (the worker's stalled fetch loop), or undefined.
 */
export function liveness(stuck: () => string | undefined = () => undefined): OpsHandler {
  return () => {
    const why = stuck();
    return Promise.resolve(
      why === undefined ? json(200, { status: "ok" }) : json(503, { status: "stuck", reason: why }),
    );
  };
}

export function readiness(checks: ReadinessCheck[], draining: () => boolean): OpsHandler {
  return async () => {
    const report: Record<string, string> = {};
    let ready = true;
    let degraded = false;
    if (draining()) {
      report.shutdown = "draining";
      ready = false;
    }
    const results = await Promise.allSettled(checks.map((c) => c.run()));
    checks.forEach((c, i) => {
      const r = results[i];
      if (r.status === "fulfilled") {
        report[c.name] = typeof r.value === "string" ? r.value : "ok";
        return;
      }
      const why = r.reason instanceof Error ? r.reason.message : String(r.reason);
      report[c.name] = c.explain === true ? `${c.failed}: ${why}` : c.failed;
      if (c.required) ready = false;
      else degraded = true;
    });
    const status = !ready ? "unavailable" : degraded ? "degraded" : "ok";
    return json(ready ? 200 : 503, { status, checks: report });
  };
}

/** The primary answers through PgBouncer (the one dependency neither process can work without). */
export function databaseCheck(ctx: Context, timeoutMs = 2_000): ReadinessCheck {
  return {
    name: "database",
    required: true,
    failed: "unreachable",
    run: async () => {
      await withTimeout(ctx.db.primary.query("SELECT 1"), timeoutMs, "database check");
    },
  };
}

export function queueDepthHandler(ctx: Context): OpsHandler {
  return async () => {
    try {
      const depth = await withTimeout(queueDepth(ctx.queue), 3_000, "queue depth");
      ctx.metrics.queueDepth.set({ queue: depth.queue }, depth.depth);
      return json(200, depth);
    } catch {
      // KEDA's input: "no figure now" (503, it keeps the last decision), never a 500 (issue 14 item 11)
      return json(503, new HttpError("unavailable", "the queue depth cannot be read now (Redis)").toJSON());
    }
  };
}

export function metricsHandler(ctx: Context): OpsHandler {
  return async () => {
    ctx.db.sampleMetrics(ctx.metrics);
    try {
      const depth = await withTimeout(queueDepth(ctx.queue), 1_000, "queue depth");
      ctx.metrics.queueDepth.set({ queue: depth.queue }, depth.depth);
    } catch {
      // Redis unreachable: keep the last value rather than failing the scrape
    }
    return { status: 200, contentType: ctx.metrics.registry.contentType, body: await ctx.metrics.registry.metrics() };
  };
}

export interface OpsEndpointsOptions {
  readiness: ReadinessCheck[];
  /** A wedge only a restart cures (see liveness); the API has none. */
  stuck?: () => string | undefined;
  draining: () => boolean;
  /** Serve /internal/queue-depth (the API does; KEDA reads it there). */
  queueDepth?: boolean;
}

/** Path -> handler, for both the API's router and the worker's ops server. */
export function opsEndpoints(ctx: Context, opts: OpsEndpointsOptions): Record<string, OpsHandler> {
  return {
    "/health/live": liveness(opts.stuck),
    "/health/ready": readiness(opts.readiness, opts.draining),
    "/metrics": metricsHandler(ctx),
    ...(opts.queueDepth === true ? { "/internal/queue-depth": queueDepthHandler(ctx) } : {}),
  };
}

/** The endpoints on their own HTTP server (the worker has no Express app). Not for the public CDN. */
export function createOpsServer(endpoints: Record<string, OpsHandler>): Server {
  return createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    const handler = req.method === "GET" || req.method === "HEAD" ? endpoints[path] : undefined;
    const send = (r: OpsReply) =>
      res.writeHead(r.status, { "content-type": r.contentType, "cache-control": "no-store" }).end(r.body);
    if (handler === undefined) return send(json(404, noSuchEndpoint().toJSON()));
    handler().then(send, () => send(json(500, new HttpError("internal", "internal error").toJSON())));
  });
}

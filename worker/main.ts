import { createServer } from "node:http";
import { loadConfig } from "../core/config";
import { createContext } from "../core/context";
import { createLogger } from "../core/logger";
import { loadGenerator } from "./generator";
import { createGenerationWorker } from "./worker";

/** The worker process: BullMQ worker, partition maintenance, and /metrics + health on WORKER_METRICS_PORT. */
async function main(): Promise<void> {
  const config = loadConfig(process.env, "worker");
  const logger = createLogger(config.logLevel, { service: "worker" });
  const ctx = await createContext(config, { subscribe: false, logger });
  const generator = loadGenerator(config);
  const gw = createGenerationWorker(ctx, generator);
  let stopping = false;

  const ops = createServer((req, res) => {
    if (req.url === "/metrics") {
      ctx.db.sampleMetrics(ctx.metrics);
      void ctx.metrics.registry
        .metrics()
        .then((body) => res.writeHead(200, { "content-type": ctx.metrics.registry.contentType }).end(body));
    } else if (req.url === "/health/live") {
      res.writeHead(200, { "content-type": "application/json" }).end('{"status":"ok"}');
    } else if (req.url === "/health/ready") {
      const ready = !stopping && gw.worker.isRunning();
      res
        .writeHead(ready ? 200 : 503, { "content-type": "application/json" })
        .end(JSON.stringify({ status: ready ? "ok" : "unavailable" }));
    } else {
      res
        .writeHead(404, { "content-type": "application/json" })
        .end('{"error":{"code":"not_found","message":"no such endpoint"}}');
    }
  });
  ops.listen(config.workerMetricsPort, config.host);
  logger.info("worker started", {
    concurrency: config.workerConcurrency,
    generator: generator.name,
    metricsPort: config.workerMetricsPort,
  });

  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info("worker stopping", { signal });
    const hard = setTimeout(() => {
      logger.error("worker did not stop in time; exiting");
      process.exit(1);
    }, config.shutdownTimeoutMs + 5_000);
    hard.unref();
    await gw.close(Math.max(0, config.shutdownTimeoutMs - 2_000));
    ops.close();
    await ctx.close();
    logger.info("worker stopped");
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}

main().catch((err: unknown) => {
  process.stderr.write(
    `${JSON.stringify({ level: "error", msg: "worker failed to start", error: err instanceof Error ? err.message : String(err) })}\n`,
  );
  process.exit(1);
});

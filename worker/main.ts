import { loadConfig } from "../core/config";
import { createContext } from "../core/context";
import { createLogger } from "../core/logger";
import { runMain } from "../core/main";
import { createOpsServer, databaseCheck, opsEndpoints } from "../core/ops";
import { redisHealth } from "../core/redis";
import { loadGenerator } from "./generator";
import { createGenerationWorker } from "./worker";

/** The worker process: BullMQ worker, partition maintenance, and /metrics + health on WORKER_METRICS_PORT. */
async function main(): Promise<(signal: NodeJS.Signals) => Promise<void>> {
  const config = loadConfig(process.env, "worker");
  const logger = createLogger(config.logLevel, { service: "worker" });
  const ctx = await createContext(config, { subscribe: false, logger });
  const generator = loadGenerator(config);
  const gw = createGenerationWorker(ctx, generator);
  let stopping = false;

  const ops = createOpsServer(
    opsEndpoints(ctx, {
      // ready = can take jobs now: its fetch loop works, Redis serves (all masters ok), and the primary answers
      // through PgBouncer (every job writes there; issue 14 item 10)
      readiness: [
        databaseCheck(ctx),
        {
          name: "worker",
          required: true,
          failed: "cannot take jobs",
          explain: true,
          run: () => {
            const problem = gw.cannotTakeJobs();
            return problem === undefined ? Promise.resolve() : Promise.reject(new Error(problem));
          },
        },
        {
          name: "redis",
          required: true,
          failed: "unavailable",
          explain: true,
          run: () => redisHealth(ctx.redis, 1_000),
        },
      ],
      draining: () => stopping,
      // the bounded reconnect (worker/watch.ts) should never let this happen; if something else wedges the
      // fetch loop, liveness fails and Kubernetes restarts the pod
      stuck: () => {
        const ms = gw.stalledForMs();
        return ms > config.workerStallRestartMs ? `job fetch stuck for ${Math.round(ms / 1000)} s` : undefined;
      },
    }),
  );
  await new Promise<void>((resolve, reject) => {
    ops.once("error", reject);
    ops.listen(config.workerMetricsPort, config.host, resolve);
  });
  const address = ops.address();
  logger.info("worker started", {
    concurrency: config.workerConcurrency,
    generator: generator.name,
    // the bound port (WORKER_METRICS_PORT=0 picks a free one)
    metricsPort: typeof address === "object" && address !== null ? address.port : config.workerMetricsPort,
  });

  return async (signal) => {
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
}

runMain({ failed: "worker failed to start", stopFailed: "worker failed to stop" }, main);

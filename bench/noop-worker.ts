// Baseline: a BullMQ worker whose processor does nothing, on the same Redis Cluster, same concurrency.
import { Worker } from "bullmq";
import { loadConfig } from "../core/config";
import { createRedis } from "../core/redis";

const cfg = loadConfig(process.env, "worker");
const connection = createRedis({
  urls: cfg.redisUrls,
  cluster: cfg.redisCluster,
  name: "bench-noop",
  maxRetriesPerRequest: null,
  offlineQueue: true,
});
const worker = new Worker(process.env.NOOP_QUEUE ?? "noop", () => Promise.resolve(undefined), {
  connection,
  prefix: cfg.queuePrefix,
  concurrency: cfg.workerConcurrency,
});
void worker.waitUntilReady().then(() => process.stdout.write("worker started\n"));
process.on("SIGTERM", () => void worker.close().then(() => process.exit(0)));

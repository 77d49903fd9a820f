import type { Queue } from "bullmq";
import { CircuitBreaker } from "./breaker";
import { Cache } from "./cache";
import type { Config } from "./config";
import { Db } from "./db";
import { createLogger, type Logger } from "./logger";
import { Metrics } from "./metrics";
import { createGenerationQueue, type GenerationJobData } from "./queue";
import { QueueRelay } from "./relay";
import { closeRedis, createRedis, waitForRedis, type RedisClient } from "./redis";
import { settleWithin } from "./timeout";
import { PgSearch, type SearchBackend } from "./search";
import type * as OpenSearchModule from "./opensearch";

/** Everything the API and the worker share, built once from the config. */
export interface Context<C extends Config = Config> {
  config: C;
  logger: Logger;
  metrics: Metrics;
  db: Db;
  /** Request-path Redis: short timeouts, no offline queue. */
  redis: RedisClient;
  /** Breaker shared by every request-path Redis use (cache, rate limits, read-your-writes). */
  redisBreaker: CircuitBreaker;
  cache: Cache;
  queue: Queue<GenerationJobData>;
  /** Committed jobs to BullMQ in batches, off the request path (the jobs row is the outbox). */
  relay: QueueRelay;
  search: SearchBackend;
  close(): Promise<void>;
}

export interface ContextOptions {
  /** Subscribe to cache invalidations (API instances; the worker only publishes). */
  subscribe: boolean;
  /** Process-wide default metrics (off for several instances in one test process). */
  defaultMetrics?: boolean;
  logger?: Logger;
}

export async function createContext<C extends Config>(config: C, opts: ContextOptions): Promise<Context<C>> {
  const logger = opts.logger ?? createLogger(config.logLevel);
  const metrics = new Metrics(opts.defaultMetrics ?? true);
  const db = new Db({
    primaryUrl: config.databaseUrl,
    replicaUrl: config.databaseReplicaUrl,
    poolMax: config.databasePoolMax,
    queryTimeoutMs: config.dbQueryTimeoutMs,
    logger,
    metrics,
  });
  const redisBase = { urls: config.redisUrls, cluster: config.redisCluster };
  const redis = createRedis({
    ...redisBase,
    name: "storyforge-app",
    maxRetriesPerRequest: 1,
    commandTimeoutMs: config.redisCommandTimeoutMs,
    offlineQueue: false,
    autoPipelining: true,
  });
  // a failing connection emits 'error' repeatedly; the breaker and logs at call sites say what matters
  redis.on("error", () => {});
  const subscriber = opts.subscribe
    ? createRedis({ ...redisBase, name: "storyforge-sub", maxRetriesPerRequest: null, offlineQueue: true })
    : undefined;
  subscriber?.on("error", () => {});
  // enqueue must not hang when Redis is gone: a bounded command timeout, one retry
  const queueRedis = createRedis({
    ...redisBase,
    name: "storyforge-queue",
    maxRetriesPerRequest: 1,
    commandTimeoutMs: 3_000,
    offlineQueue: true,
  });
  queueRedis.on("error", () => {});
  const queue = createGenerationQueue(queueRedis, config.jobAttempts, config.queuePrefix);
  queue.on("error", () => {});
  const relay = new QueueRelay(queue, logger, metrics);
  const redisBreaker = new CircuitBreaker(3, 2_000);
  const cache = new Cache({
    redis,
    ...(subscriber === undefined ? {} : { subscriber }),
    logger,
    metrics,
    breaker: redisBreaker,
    lruTtlMs: config.cacheLruTtlMs,
  });
  const redisUp = await waitForRedis(redis, 5_000);
  if (!redisUp) logger.warn("redis not reachable at start-up; serving from PostgreSQL until it is");
  if (opts.subscribe) await cache.listen();
  const search: SearchBackend =
    config.opensearchUrl === undefined
      ? new PgSearch(db)
      : new (openSearchModule().OpenSearchSearch)({
          url: config.opensearchUrl,
          index: config.opensearchIndex,
          sigv4: config.opensearchSigv4,
          region: config.awsRegion,
        });

  let closed: Promise<void> | undefined;
  return {
    config,
    logger,
    metrics,
    db,
    redis,
    redisBreaker,
    cache,
    queue,
    relay,
    search,
    close() {
      closed ??= (async () => {
        // what is still queued for BullMQ goes out first; past the bound the requeue pass delivers it
        await settleWithin(relay.drain(), 3_000);
        await settleWithin(queue.close(), 2_000);
        await Promise.all([
          closeRedis(queueRedis),
          closeRedis(redis),
          subscriber === undefined ? Promise.resolve() : closeRedis(subscriber),
        ]);
        await db.close();
      })();
      return closed;
    },
  };
}

/** core/opensearch.ts, loaded only by a process configured with OPENSEARCH_URL (the client is ~20 MB of RSS). */
function openSearchModule(): typeof OpenSearchModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require("./opensearch") as typeof OpenSearchModule;
}

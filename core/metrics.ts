import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** One registry per process (or per app instance in tests) with the metrics of §8 of issue 4. */
export class Metrics {
  readonly registry = new Registry();
  readonly httpDuration = new Histogram({
    name: "http_request_duration_seconds",
    help: "HTTP request duration by route and status",
    labelNames: ["method", "route", "status"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly cacheHits = new Counter({
    name: "cache_hits_total",
    help: "Cache hits by layer (lru, redis) and key kind (scene, topic, topics, playlist, job, bible)",
    labelNames: ["layer", "kind"] as const,
    registers: [this.registry],
  });
  readonly cacheMisses = new Counter({
    name: "cache_misses_total",
    help: "Cache misses (read from PostgreSQL) by key kind",
    labelNames: ["kind"] as const,
    registers: [this.registry],
  });
  readonly cacheErrors = new Counter({
    name: "cache_errors_total",
    help: "Redis cache operations that failed or were skipped by the breaker, by key kind",
    labelNames: ["kind"] as const,
    registers: [this.registry],
  });
  readonly poolConnections = new Gauge({
    name: "db_pool_connections",
    help: "PostgreSQL pool connections by pool and state",
    labelNames: ["pool", "state"] as const,
    registers: [this.registry],
  });
  readonly dbFallbacks = new Counter({
    name: "db_replica_fallbacks_total",
    help: "Reads sent to the primary because the replica pool failed",
    registers: [this.registry],
  });
  readonly queueDepth = new Gauge({
    name: "redis_queue_depth",
    help: "Generation jobs waiting + delayed + prioritized (worker autoscaling input)",
    labelNames: ["queue"] as const,
    registers: [this.registry],
  });
  readonly jobsProcessed = new Counter({
    name: "jobs_processed_total",
    help: "Generation jobs completed",
    labelNames: ["queue"] as const,
    registers: [this.registry],
  });
  readonly jobsFailed = new Counter({
    name: "jobs_failed_total",
    help: "Generation job attempts that failed",
    labelNames: ["queue", "final"] as const,
    registers: [this.registry],
  });
  readonly jobDuration = new Histogram({
    name: "job_duration_seconds",
    help: "Generation job attempts by outcome (completed, failed, handed back on shutdown), in seconds",
    labelNames: ["queue", "outcome"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30, 60, 120],
    registers: [this.registry],
  });
  readonly jobsRequeued = new Counter({
    name: "jobs_requeued_total",
    help: "Accepted generation jobs put back into BullMQ after it lost them (the worker's requeue pass)",
    registers: [this.registry],
  });
  readonly relayBatch = new Histogram({
    name: "queue_relay_batch_jobs",
    help: "Committed jobs per BullMQ addBulk of the API's relay (core/relay.ts)",
    labelNames: ["outcome"] as const,
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
    registers: [this.registry],
  });
  readonly enqueueBatch = new Histogram({
    name: "enqueue_batch_requests",
    help: "Enqueues per group-committed statement of the API (app/services/take-next.ts)",
    labelNames: ["outcome"] as const,
    buckets: [1, 2, 5, 10, 20, 50, 100],
    registers: [this.registry],
  });
  readonly fastPathReads = new Counter({
    name: "http_fast_path_responses_total",
    help: "Cached scene reads answered ahead of the routers (app/fastpath.ts); the rest of GET /scenes/:id takes the route",
    registers: [this.registry],
  });
  readonly fastPathWrites = new Counter({
    name: "http_fast_path_writes_total",
    help: "Enqueues (POST /scenes/:id/segments) taken ahead of the routers (app/fastpath.ts), whatever they answered; the rest take the route",
    registers: [this.registry],
  });
  readonly rateLimited = new Counter({
    name: "rate_limited_total",
    help: "Requests refused by a rate limit, by limit and matched route",
    labelNames: ["limit", "route"] as const,
    registers: [this.registry],
  });

  readonly loadShedLevel = new Gauge({
    name: "load_shed_level",
    help: "Adaptive load shedding (seed 001): 0 off, 1 anonymous writes tightened, 2 all writes tightened",
    registers: [this.registry],
  });
  readonly loadShedSignal = new Gauge({
    name: "load_shed_signal",
    help: "Last sampled input of load shedding: queue_depth (waiting + delayed + prioritized), retrying_jobs",
    labelNames: ["signal"] as const,
    registers: [this.registry],
  });
  readonly loadShedThreshold = new Gauge({
    name: "load_shed_threshold",
    help: "Configured load-shedding thresholds by signal and level",
    labelNames: ["signal", "level"] as const,
    registers: [this.registry],
  });

  constructor(defaults = true) {
    if (defaults) collectDefaultMetrics({ register: this.registry });
  }
}

/**
 * The environment, parsed and validated once at start-up into a typed object.
 * Every variable is listed in README.md (The API and the worker, Environment); an invalid value is an error naming
 * the variable and the value it got.
 */
export interface Config {
  /** API listen port. */
  port: number;
  /** API listen address. */
  host: string;
  /** Primary through PgBouncer (database `storyforge`): writes and read-your-writes. */
  databaseUrl: string;
  /** Replica through PgBouncer (database `storyforge_replica`): public reads. Defaults to databaseUrl. */
  databaseReplicaUrl: string;
  /** Direct primary connection for migrations and partition maintenance DDL (not through PgBouncer). */
  databaseMigrationUrl: string | undefined;
  /** Connections per pool per process. */
  databasePoolMax: number;
  /** Per-query timeout (seed 001: 5 s). */
  dbQueryTimeoutMs: number;
  /** How long a client's reads go to the primary after its write. */
  readYourWritesMs: number;
  /** Redis: one URL or a comma-separated list of cluster nodes (redis:// or rediss://). */
  redisUrls: string[];
  /** Whether REDIS_URL is a Redis Cluster (ElastiCache cluster mode). */
  redisCluster: boolean;
  /** Timeout of a cache/rate-limit command before the API answers without Redis. */
  redisCommandTimeoutMs: number;
  /** Lifetime of an in-process (LRU) cache copy if its invalidation message is lost. */
  cacheLruTtlMs: number;
  /** HS256 secret for bearer tokens (API only). */
  jwtSecret: string | undefined;
  jwtIssuer: string | undefined;
  jwtAudience: string | undefined;
  /** OpenSearch endpoint; unset means PostgreSQL full-text search. */
  opensearchUrl: string | undefined;
  opensearchIndex: string;
  /** Sign OpenSearch requests with SigV4 (default: when the host is *.amazonaws.com). */
  opensearchSigv4: boolean;
  awsRegion: string | undefined;
  logLevel: "debug" | "info" | "warn" | "error";
  /** Grace period for in-flight requests / active jobs on SIGTERM. */
  shutdownTimeoutMs: number;
  /** After SIGTERM the API keeps serving (readiness 503, `Connection: close`) this long so load balancers stop routing to it. */
  shutdownDrainMs: number;
  /** Largest JSON body accepted (413 beyond). */
  bodyLimitBytes: number;
  /** Express `trust proxy` (hops in front of the API: CloudFront + ALB = 2). */
  trustProxy: number | boolean;
  rateLimitReadPerMin: number;
  rateLimitWritePerMin: number;
  rateLimitSceneCreatePerMin: number;
  /** Base URL of segment media in HLS playlists. */
  mediaBaseUrl: string;
  workerConcurrency: number;
  jobTimeoutMs: number;
  jobAttempts: number;
  backoffMinMs: number;
  backoffMaxMs: number;
  /** Months of future partitions the maintenance task keeps created. */
  partitionMonthsAhead: number;
  maintenanceIntervalMs: number;
  /** Generator plugin: `local` (built-in, deterministic) or a module path exporting `createGenerator`. */
  generator: string;
  /** Simulated work per segment of the local generator, in ms. */
  generatorDelayMs: number;
  /** BullMQ lock on an active job; a killed worker's job is retried once the lock lapses. */
  jobLockMs: number;
  /** BullMQ key prefix; must be one Redis Cluster hash tag such as `{storyforge}`. */
  queuePrefix: string;
  /** Port of the worker's /metrics and health endpoints. */
  workerMetricsPort: number;
  /** An unfinished job whose row has not changed for this long is checked against BullMQ and put back if lost. */
  jobRequeueAfterMs: number;
  /** How often each worker runs that requeue pass. */
  jobRequeueIntervalMs: number;
  /** The worker's liveness fails once its job fetch has been stuck this long (Kubernetes then restarts it). */
  workerStallRestartMs: number;
}

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

function str(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === "" ? undefined : v.trim();
}

function required(env: Env, name: string): string {
  const v = str(env, name);
  if (v === undefined) throw new ConfigError(`${name} is required`);
  return v;
}

function int(env: Env, name: string, def: number, min: number, max: number): number {
  const raw = str(env, name);
  if (raw === undefined) return def;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be an integer, got ${JSON.stringify(raw)}`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${n}`);
  return n;
}

function bool(env: Env, name: string, def: boolean): boolean {
  const raw = str(env, name);
  if (raw === undefined) return def;
  if (raw === "true" || raw === "1") return true;
  if (raw === "false" || raw === "0") return false;
  throw new ConfigError(`${name} must be true or false, got ${JSON.stringify(raw)}`);
}

function url(name: string, value: string, protocols: string[]): string {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new ConfigError(`${name} must be a URL, got a value that does not parse`);
  }
  if (!protocols.includes(parsed.protocol))
    throw new ConfigError(`${name} must use ${protocols.join(" or ")}, got ${parsed.protocol}`);
  return value;
}

function queuePrefix(env: Env): string {
  const v = str(env, "QUEUE_PREFIX") ?? "{storyforge}";
  // the whole prefix is a hash tag, so every BullMQ key of every queue lands in one cluster slot
  if (!/^\{[A-Za-z0-9_-]{1,64}\}$/.test(v))
    throw new ConfigError(`QUEUE_PREFIX must be a hash tag like {storyforge}, got ${JSON.stringify(v)}`);
  return v;
}

/** What the process is: the API needs JWT_SECRET; the worker and the migrate command do not. */
export type Role = "api" | "worker" | "migrate";

export function loadConfig(env: Env = process.env, role: Role = "api"): Config {
  const pg = ["postgres:", "postgresql:"];
  const databaseUrl =
    role === "migrate" ? (str(env, "DATABASE_URL") ?? "") : url("DATABASE_URL", required(env, "DATABASE_URL"), pg);
  const replica = str(env, "DATABASE_REPLICA_URL");
  const migration = str(env, "DATABASE_MIGRATION_URL");
  const redisRaw = role === "migrate" ? (str(env, "REDIS_URL") ?? "") : required(env, "REDIS_URL");
  const redisUrls =
    redisRaw === "" ? [] : redisRaw.split(",").map((u) => url("REDIS_URL", u.trim(), ["redis:", "rediss:"]));
  const jwtSecret = str(env, "JWT_SECRET");
  if (role === "api") {
    if (jwtSecret === undefined) throw new ConfigError("JWT_SECRET is required");
    if (jwtSecret.length < 32)
      throw new ConfigError(`JWT_SECRET must be at least 32 characters, got ${jwtSecret.length}`);
  }
  if (role === "migrate" && migration === undefined && databaseUrl === "")
    throw new ConfigError("DATABASE_MIGRATION_URL is required");
  const opensearchUrl = str(env, "OPENSEARCH_URL");
  if (opensearchUrl !== undefined) url("OPENSEARCH_URL", opensearchUrl, ["https:", "http:"]);
  const logLevel = str(env, "LOG_LEVEL") ?? "info";
  if (!["debug", "info", "warn", "error"].includes(logLevel))
    throw new ConfigError(`LOG_LEVEL must be debug, info, warn or error, got ${JSON.stringify(logLevel)}`);
  const trustRaw = str(env, "TRUST_PROXY") ?? "false";
  let trustProxy: number | boolean;
  if (trustRaw === "true" || trustRaw === "false") trustProxy = trustRaw === "true";
  else if (/^\d+$/.test(trustRaw)) trustProxy = Number(trustRaw);
  else throw new ConfigError(`TRUST_PROXY must be true, false or a hop count, got ${JSON.stringify(trustRaw)}`);
  const backoffMinMs = int(env, "JOB_BACKOFF_MIN_MS", 30_000, 1, 86_400_000);
  const backoffMaxMs = int(env, "JOB_BACKOFF_MAX_MS", 600_000, 1, 86_400_000);
  if (backoffMaxMs < backoffMinMs)
    throw new ConfigError(`JOB_BACKOFF_MAX_MS must be >= JOB_BACKOFF_MIN_MS (${backoffMinMs}), got ${backoffMaxMs}`);

  return {
    port: int(env, "PORT", 3000, 0, 65535),
    host: str(env, "HOST") ?? "0.0.0.0",
    databaseUrl,
    databaseReplicaUrl: replica === undefined ? databaseUrl : url("DATABASE_REPLICA_URL", replica, pg),
    databaseMigrationUrl: migration === undefined ? undefined : url("DATABASE_MIGRATION_URL", migration, pg),
    databasePoolMax: int(env, "DATABASE_POOL_MAX", 10, 1, 500),
    dbQueryTimeoutMs: int(env, "DB_QUERY_TIMEOUT_MS", 5_000, 100, 600_000),
    readYourWritesMs: int(env, "READ_YOUR_WRITES_MS", 5_000, 0, 600_000),
    redisUrls,
    redisCluster: bool(env, "REDIS_CLUSTER", true),
    redisCommandTimeoutMs: int(env, "REDIS_COMMAND_TIMEOUT_MS", 250, 10, 60_000),
    cacheLruTtlMs: int(env, "CACHE_LRU_TTL_MS", 5_000, 1, 3_600_000),
    jwtSecret,
    jwtIssuer: str(env, "JWT_ISSUER"),
    jwtAudience: str(env, "JWT_AUDIENCE"),
    opensearchUrl,
    opensearchIndex: str(env, "OPENSEARCH_INDEX") ?? "scenes",
    opensearchSigv4: bool(
      env,
      "OPENSEARCH_SIGV4",
      opensearchUrl !== undefined && new URL(opensearchUrl).hostname.endsWith(".amazonaws.com"),
    ),
    awsRegion: str(env, "AWS_REGION") ?? str(env, "AWS_DEFAULT_REGION"),
    logLevel: logLevel as Config["logLevel"],
    shutdownTimeoutMs: int(env, "SHUTDOWN_TIMEOUT_MS", 25_000, 0, 600_000),
    shutdownDrainMs: int(env, "SHUTDOWN_DRAIN_MS", 3_000, 0, 600_000),
    bodyLimitBytes: int(env, "BODY_LIMIT_BYTES", 65_536, 1_024, 10_485_760),
    trustProxy,
    rateLimitReadPerMin: int(env, "RATE_LIMIT_READ_PER_MIN", 120, 1, 10_000_000),
    rateLimitWritePerMin: int(env, "RATE_LIMIT_WRITE_PER_MIN", 30, 1, 10_000_000),
    rateLimitSceneCreatePerMin: int(env, "RATE_LIMIT_SCENE_CREATE_PER_MIN", 20, 1, 10_000_000),
    mediaBaseUrl: (str(env, "MEDIA_BASE_URL") ?? "/media").replace(/\/+$/, ""),
    workerConcurrency: int(env, "WORKER_CONCURRENCY", 4, 1, 1_000),
    jobTimeoutMs: int(env, "JOB_TIMEOUT_MS", 15_000, 100, 3_600_000),
    jobAttempts: int(env, "JOB_ATTEMPTS", 5, 1, 100),
    backoffMinMs,
    backoffMaxMs,
    partitionMonthsAhead: int(env, "PARTITION_MONTHS_AHEAD", 3, 1, 36),
    maintenanceIntervalMs: int(env, "MAINTENANCE_INTERVAL_MS", 3_600_000, 1_000, 86_400_000),
    generator: str(env, "GENERATOR") ?? "local",
    generatorDelayMs: int(env, "GENERATOR_DELAY_MS", 0, 0, 3_600_000),
    jobLockMs: int(env, "JOB_LOCK_MS", 30_000, 500, 3_600_000),
    queuePrefix: queuePrefix(env),
    workerMetricsPort: int(env, "WORKER_METRICS_PORT", 9464, 0, 65535),
    jobRequeueAfterMs: int(env, "JOB_REQUEUE_AFTER_MS", 60_000, 100, 86_400_000),
    jobRequeueIntervalMs: int(env, "JOB_REQUEUE_INTERVAL_MS", 15_000, 100, 3_600_000),
    workerStallRestartMs: int(env, "WORKER_STALL_RESTART_MS", 60_000, 1_000, 3_600_000),
  };
}

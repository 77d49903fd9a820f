import { z } from "zod";

/**
 * The environment, parsed and validated once at start-up (zod) into a typed object, with one schema per role:
 * `apiEnvSchema`, `workerEnvSchema`, `migrateEnvSchema`. Every variable is listed in README.md (The API and the
 * worker, Environment); an invalid value is an error naming the variable and the value it got. A role validates
 * only its own variables; fields that belong to the other role keep their defaults.
 */
export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;
const blank = (v: unknown): unknown => (typeof v === "string" ? (v.trim() === "" ? undefined : v.trim()) : v);
const raw = () => z.preprocess(blank, z.string().optional());
const fail = (ctx: z.RefinementCtx, message: string): never => {
  ctx.addIssue({ code: "custom", message });
  return z.NEVER;
};

const text = (def: string) => raw().transform((v) => v ?? def);
const optionalText = () => raw();
const required = () => raw().transform((v, ctx) => v ?? fail(ctx, "is required"));

function int(def: number, min: number, max: number) {
  return raw().transform((v, ctx) => {
    if (v === undefined) return def;
    if (!/^\d+$/.test(v)) return fail(ctx, `must be an integer, got ${JSON.stringify(v)}`);
    const n = Number(v);
    return n < min || n > max ? fail(ctx, `must be between ${min} and ${max}, got ${n}`) : n;
  });
}

function bool(def: boolean) {
  return raw().transform((v, ctx) => {
    if (v === undefined) return def;
    if (v === "true" || v === "1") return true;
    if (v === "false" || v === "0") return false;
    return fail(ctx, `must be true or false, got ${JSON.stringify(v)}`);
  });
}

function checkUrl(value: string, protocols: string[], ctx: z.RefinementCtx): string {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    // the value may hold a password: never echo it
    return fail(ctx, "must be a URL, got a value that does not parse");
  }
  return protocols.includes(parsed.protocol)
    ? value
    : fail(ctx, `must use ${protocols.join(" or ")}, got ${parsed.protocol}`);
}
const PG = ["postgres:", "postgresql:"];
const url = (protocols: string[]) => required().transform((v, ctx) => checkUrl(v, protocols, ctx));
const optionalUrl = (protocols: string[]) =>
  raw().transform((v, ctx) => (v === undefined ? undefined : checkUrl(v, protocols, ctx)));
const urlList = (protocols: string[]) =>
  required().transform((v, ctx) => v.split(",").map((u) => checkUrl(u.trim(), protocols, ctx)));

const LEVELS = ["debug", "info", "warn", "error"] as const;
const isLevel = (v: string): v is (typeof LEVELS)[number] => (LEVELS as readonly string[]).includes(v);
const logLevel = raw().transform((v, ctx) => {
  const level = v ?? "info";
  return isLevel(level) ? level : fail(ctx, `must be debug, info, warn or error, got ${JSON.stringify(level)}`);
});

/** Variables every process that talks to the database and Redis reads (core/context.ts). */
const commonEnv = {
  HOST: text("0.0.0.0"),
  DATABASE_URL: url(PG),
  DATABASE_REPLICA_URL: optionalUrl(PG),
  DATABASE_MIGRATION_URL: optionalUrl(PG),
  DATABASE_POOL_MAX: int(10, 1, 500),
  DB_QUERY_TIMEOUT_MS: int(5_000, 100, 600_000), // seed 001
  REDIS_URL: urlList(["redis:", "rediss:"]),
  REDIS_CLUSTER: bool(true),
  REDIS_COMMAND_TIMEOUT_MS: int(250, 10, 60_000),
  CACHE_LRU_TTL_MS: int(5_000, 1, 3_600_000),
  OPENSEARCH_URL: optionalUrl(["https:", "http:"]),
  OPENSEARCH_INDEX: text("scenes"),
  OPENSEARCH_SIGV4: raw().transform((v, ctx) => {
    if (v === undefined) return undefined;
    if (v === "true" || v === "1") return true;
    if (v === "false" || v === "0") return false;
    return fail(ctx, `must be true or false, got ${JSON.stringify(v)}`);
  }),
  AWS_REGION: optionalText(),
  AWS_DEFAULT_REGION: optionalText(),
  LOG_LEVEL: logLevel,
  SHUTDOWN_TIMEOUT_MS: int(25_000, 0, 600_000),
  MEDIA_BASE_URL: text("/media").transform((v) => v.replace(/\/+$/, "")),
  JOB_ATTEMPTS: int(5, 1, 100),
  QUEUE_PREFIX: text("{storyforge}").transform((v, ctx) =>
    // the whole prefix is a hash tag, so every BullMQ key of every queue lands in one cluster slot
    /^\{[A-Za-z0-9_-]{1,64}\}$/.test(v)
      ? v
      : fail(ctx, `must be a hash tag like {storyforge}, got ${JSON.stringify(v)}`),
  ),
};

const apiEnv = {
  PORT: int(3000, 0, 65535),
  JWT_SECRET: required().transform((v, ctx) =>
    v.length >= 32 ? v : fail(ctx, `must be at least 32 characters, got ${v.length}`),
  ),
  JWT_ISSUER: optionalText(),
  JWT_AUDIENCE: optionalText(),
  READ_YOUR_WRITES_MS: int(5_000, 0, 600_000),
  SHUTDOWN_DRAIN_MS: int(3_000, 0, 600_000),
  BODY_LIMIT_BYTES: int(65_536, 1_024, 10_485_760),
  TRUST_PROXY: text("false").transform((v, ctx) => {
    if (v === "true" || v === "false") return v === "true";
    return /^\d+$/.test(v) ? Number(v) : fail(ctx, `must be true, false or a hop count, got ${JSON.stringify(v)}`);
  }),
  // seed 001: public reads 120/min/IP, public writes 30/min/IP, creation 20/min/user
  RATE_LIMIT_READ_PER_MIN: int(120, 1, 10_000_000),
  RATE_LIMIT_WRITE_PER_MIN: int(30, 1, 10_000_000),
  RATE_LIMIT_SCENE_CREATE_PER_MIN: int(20, 1, 10_000_000),
  // seed 001 adaptive shedding; depth thresholds after seed 004's queue-depth alert (10,000)
  SHED_QUEUE_DEPTH: int(10_000, 1, 100_000_000),
  SHED_QUEUE_DEPTH_CRITICAL: int(50_000, 1, 100_000_000),
  SHED_RETRYING_JOBS: int(1_000, 1, 100_000_000),
  SHED_RETRYING_JOBS_CRITICAL: int(5_000, 1, 100_000_000),
  SHED_ANONYMOUS_WRITE_PERCENT: int(10, 0, 100),
  SHED_AUTHENTICATED_WRITE_PERCENT: int(50, 0, 100),
  SHED_RELEASE_PERCENT: int(80, 1, 100),
  SHED_CHECK_INTERVAL_MS: int(5_000, 50, 600_000),
};

const workerEnv = {
  WORKER_CONCURRENCY: int(4, 1, 1_000),
  JOB_TIMEOUT_MS: int(15_000, 100, 3_600_000),
  JOB_BACKOFF_MIN_MS: int(30_000, 1, 86_400_000), // seed 001: 30 s to 10 min
  JOB_BACKOFF_MAX_MS: int(600_000, 1, 86_400_000),
  PARTITION_MONTHS_AHEAD: int(3, 1, 36),
  MAINTENANCE_INTERVAL_MS: int(3_600_000, 1_000, 86_400_000),
  GENERATOR: text("local"),
  GENERATOR_DELAY_MS: int(0, 0, 3_600_000),
  JOB_LOCK_MS: int(30_000, 500, 3_600_000),
  WORKER_METRICS_PORT: int(9464, 0, 65535),
  JOB_REQUEUE_AFTER_MS: int(60_000, 100, 86_400_000),
  JOB_REQUEUE_INTERVAL_MS: int(15_000, 100, 3_600_000),
  WORKER_STALL_RESTART_MS: int(60_000, 1_000, 3_600_000),
};

export const apiEnvSchema = z.object({ ...commonEnv, ...apiEnv });
export const workerEnvSchema = z.object({ ...commonEnv, ...workerEnv }).superRefine((e, ctx) => {
  if (e.JOB_BACKOFF_MAX_MS < e.JOB_BACKOFF_MIN_MS)
    ctx.addIssue({
      code: "custom",
      path: ["JOB_BACKOFF_MAX_MS"],
      message: `must be >= JOB_BACKOFF_MIN_MS (${e.JOB_BACKOFF_MIN_MS}), got ${e.JOB_BACKOFF_MAX_MS}`,
    });
});
export const migrateEnvSchema = z
  .object({ DATABASE_MIGRATION_URL: optionalUrl(PG), DATABASE_URL: optionalUrl(PG), LOG_LEVEL: logLevel })
  .superRefine((e, ctx) => {
    if (e.DATABASE_MIGRATION_URL === undefined && e.DATABASE_URL === undefined)
      ctx.addIssue({ code: "custom", path: ["DATABASE_MIGRATION_URL"], message: "is required" });
  });

type CommonEnv = z.output<z.ZodObject<typeof commonEnv>>;
type ApiEnv = z.output<z.ZodObject<typeof apiEnv>>;
type WorkerEnv = z.output<z.ZodObject<typeof workerEnv>>;

function common(e: CommonEnv) {
  return {
    host: e.HOST,
    /** Primary through PgBouncer (database `storyforge`): writes and read-your-writes. */
    databaseUrl: e.DATABASE_URL,
    /** Replica through PgBouncer (database `storyforge_replica`): public reads. Defaults to databaseUrl. */
    databaseReplicaUrl: e.DATABASE_REPLICA_URL ?? e.DATABASE_URL,
    /** Direct primary connection for migrations and partition maintenance DDL (not through PgBouncer). */
    databaseMigrationUrl: e.DATABASE_MIGRATION_URL,
    databasePoolMax: e.DATABASE_POOL_MAX,
    dbQueryTimeoutMs: e.DB_QUERY_TIMEOUT_MS,
    /** One URL or the cluster's nodes (redis:// or rediss://). */
    redisUrls: e.REDIS_URL,
    redisCluster: e.REDIS_CLUSTER,
    /** Timeout of a cache/rate-limit command before the API answers without Redis. */
    redisCommandTimeoutMs: e.REDIS_COMMAND_TIMEOUT_MS,
    /** Lifetime of an in-process (LRU) cache copy if its invalidation message is lost. */
    cacheLruTtlMs: e.CACHE_LRU_TTL_MS,
    /** OpenSearch endpoint; unset means PostgreSQL full-text search. */
    opensearchUrl: e.OPENSEARCH_URL,
    opensearchIndex: e.OPENSEARCH_INDEX,
    /** Sign OpenSearch requests with SigV4 (default: when the host is *.amazonaws.com). */
    opensearchSigv4:
      e.OPENSEARCH_SIGV4 ??
      (e.OPENSEARCH_URL !== undefined && new URL(e.OPENSEARCH_URL).hostname.endsWith(".amazonaws.com")),
    awsRegion: e.AWS_REGION ?? e.AWS_DEFAULT_REGION,
    logLevel: e.LOG_LEVEL,
    /** Grace period for in-flight requests / active jobs on SIGTERM. */
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    /** Base URL of segment media in HLS playlists. */
    mediaBaseUrl: e.MEDIA_BASE_URL,
    jobAttempts: e.JOB_ATTEMPTS,
    /** BullMQ key prefix; one Redis Cluster hash tag such as `{storyforge}`. */
    queuePrefix: e.QUEUE_PREFIX,
  };
}

function api(e: ApiEnv) {
  return {
    port: e.PORT,
    /** HS256 secret for bearer tokens and signed cookies. */
    jwtSecret: e.JWT_SECRET,
    jwtIssuer: e.JWT_ISSUER,
    jwtAudience: e.JWT_AUDIENCE,
    /** How long a client's reads go to the primary after its write. */
    readYourWritesMs: e.READ_YOUR_WRITES_MS,
    /** After SIGTERM the API keeps serving (readiness 503, `Connection: close`) this long. */
    shutdownDrainMs: e.SHUTDOWN_DRAIN_MS,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    /** Express `trust proxy` (hops in front of the API: CloudFront + ALB = 2). */
    trustProxy: e.TRUST_PROXY,
    rateLimitReadPerMin: e.RATE_LIMIT_READ_PER_MIN,
    rateLimitWritePerMin: e.RATE_LIMIT_WRITE_PER_MIN,
    rateLimitSceneCreatePerMin: e.RATE_LIMIT_SCENE_CREATE_PER_MIN,
    /** Adaptive load shedding (seed 001); see app/shedding.ts. */
    shedding: {
      queueDepth: e.SHED_QUEUE_DEPTH,
      queueDepthCritical: e.SHED_QUEUE_DEPTH_CRITICAL,
      retryingJobs: e.SHED_RETRYING_JOBS,
      retryingJobsCritical: e.SHED_RETRYING_JOBS_CRITICAL,
      anonymousWritePercent: e.SHED_ANONYMOUS_WRITE_PERCENT,
      authenticatedWritePercent: e.SHED_AUTHENTICATED_WRITE_PERCENT,
      releasePercent: e.SHED_RELEASE_PERCENT,
      checkIntervalMs: e.SHED_CHECK_INTERVAL_MS,
    },
  };
}

function worker(e: WorkerEnv) {
  return {
    workerConcurrency: e.WORKER_CONCURRENCY,
    jobTimeoutMs: e.JOB_TIMEOUT_MS,
    backoffMinMs: e.JOB_BACKOFF_MIN_MS,
    backoffMaxMs: e.JOB_BACKOFF_MAX_MS,
    /** Months of future partitions the maintenance task keeps created. */
    partitionMonthsAhead: e.PARTITION_MONTHS_AHEAD,
    maintenanceIntervalMs: e.MAINTENANCE_INTERVAL_MS,
    /** Generator plugin: `local` (built-in, deterministic) or a module path exporting `createGenerator`. */
    generator: e.GENERATOR,
    generatorDelayMs: e.GENERATOR_DELAY_MS,
    /** BullMQ lock on an active job; a killed worker's job is retried once the lock lapses. */
    jobLockMs: e.JOB_LOCK_MS,
    /** Port of the worker's /metrics and health endpoints. */
    workerMetricsPort: e.WORKER_METRICS_PORT,
    /** An unfinished job whose row has not changed for this long is checked against BullMQ and put back if lost. */
    jobRequeueAfterMs: e.JOB_REQUEUE_AFTER_MS,
    /** How often each worker runs that requeue pass. */
    jobRequeueIntervalMs: e.JOB_REQUEUE_INTERVAL_MS,
    /** The worker's liveness fails once its job fetch has been stuck this long (Kubernetes then restarts it). */
    workerStallRestartMs: e.WORKER_STALL_RESTART_MS,
  };
}

type ApiPart = ReturnType<typeof api>;
/**
 * What core/context.ts and the worker read: the common fields, the worker's, and the API's (defaults in a
 * worker; `jwtSecret` is only guaranteed in an API's config).
 */
export type Config = ReturnType<typeof common> &
  ReturnType<typeof worker> &
  Omit<ApiPart, "jwtSecret"> & {
    role: Role;
    jwtSecret: string | undefined;
  };
/** An API's config: the JWT secret is always there. */
export type ApiConfig = Config & { role: "api"; jwtSecret: string };
export interface MigrateConfig {
  role: "migrate";
  /** The primary directly (node-pg-migrate's lock needs a session, not PgBouncer). */
  databaseUrl: string;
  logLevel: Config["logLevel"];
}

/** What the process is: the API needs JWT_SECRET; the worker and the migrate command do not. */
export type Role = "api" | "worker" | "migrate";

function parse<S extends z.ZodType>(schema: S, env: Env): z.output<S> {
  const r = schema.safeParse(env);
  if (r.success) return r.data;
  throw new ConfigError(r.error.issues.map((i) => `${i.path.map(String).join(".")} ${i.message}`).join("; "));
}

const WORKER_DEFAULTS = worker(z.object(workerEnv).parse({}));
const { jwtSecret: _noSecret, ...API_DEFAULTS } = api({
  ...z.object(apiEnv).omit({ JWT_SECRET: true }).parse({}),
  JWT_SECRET: "",
});

export function loadConfig(env: Env, role: "api"): ApiConfig;
export function loadConfig(env: Env, role: "worker"): Config;
export function loadConfig(env: Env, role: "migrate"): MigrateConfig;
export function loadConfig(env?: Env, role?: Role): Config;
export function loadConfig(env: Env = process.env, role: Role = "api"): Config | ApiConfig | MigrateConfig {
  if (role === "migrate") {
    const e = parse(migrateEnvSchema, env);
    const databaseUrl = e.DATABASE_MIGRATION_URL ?? e.DATABASE_URL;
    if (databaseUrl === undefined) throw new ConfigError("DATABASE_MIGRATION_URL is required");
    return { role, databaseUrl, logLevel: e.LOG_LEVEL };
  }
  if (role === "api") {
    const e = parse(apiEnvSchema, env);
    return { role, ...common(e), ...WORKER_DEFAULTS, ...api(e) };
  }
  const e = parse(workerEnvSchema, env);
  return {
    role,
    ...common(e),
    ...API_DEFAULTS,
    ...worker(e),
    jwtSecret: undefined,
  };
}

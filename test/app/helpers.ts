// Shared helpers of the app tests: config from the harness URLs, migrations, an API instance on an
// ephemeral loopback port, tokens. No mocks: everything talks to the real services.
import { execFile } from "node:child_process";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Server } from "node:http";
import { Client } from "pg";
import { loadConfig, type ApiConfig, type Config } from "../../core/config";
import { createContext, type Context } from "../../core/context";
import { createLogger, type Logger } from "../../core/logger";
import { signHs256 } from "../../core/jwt";
import { createServer, type ServerOptions } from "../../app/server";
import type { ServiceUrls } from "./services";

const execFileAsync = promisify(execFile);
export const ROOT = join(__dirname, "..", "..");
export const JWT_SECRET = "test-secret-0123456789-abcdefghijklmnop";

/** The environment the API/worker would get in Kubernetes, pointed at a harness instance. */
export function appEnv(urls: ServiceUrls, overrides: Record<string, string> = {}): Record<string, string> {
  const auth = encodeURIComponent(urls.redisPassword);
  return {
    DATABASE_URL: urls.pgbouncerUrl,
    DATABASE_REPLICA_URL: urls.pgbouncerReplicaUrl,
    DATABASE_MIGRATION_URL: urls.primaryUrl,
    REDIS_URL: urls.redisNodes.map((n) => `redis://:${auth}@${n.host}:${n.port}`).join(","),
    REDIS_CLUSTER: "true",
    JWT_SECRET,
    HOST: "127.0.0.1",
    PORT: "0",
    LOG_LEVEL: "error",
    RATE_LIMIT_READ_PER_MIN: "1000000",
    RATE_LIMIT_WRITE_PER_MIN: "1000000",
    RATE_LIMIT_SCENE_CREATE_PER_MIN: "1000000",
    // the test files share one database under different queue prefixes: a worker's requeue pass would take
    // the other files' unfinished jobs into its own queue. Tests of the pass set it low on their own services.
    JOB_REQUEUE_AFTER_MS: "3600000",
    ...overrides,
  };
}

/** Runs `app/migrate.ts` as its own process (the way the platform's migration Job does). */
export async function migrate(urls: ServiceUrls): Promise<void> {
  await execFileAsync(process.execPath, ["--import", "tsx", join(ROOT, "app", "migrate.ts")], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_MIGRATION_URL: urls.primaryUrl },
    timeout: 60_000,
  });
  await waitForReplica(urls);
}

/**
 * Resolves once the replica has replayed everything the primary had written when called. The insert position, not
 * pg_current_wal_lsn(): with synchronous_commit off (the harness) a commit returns before its WAL is written, and
 * the write position can still be short of it.
 */
export async function waitForReplica(urls: ServiceUrls, timeoutMs = 20_000): Promise<void> {
  const { Client } = await import("pg");
  const primary = new Client({ connectionString: urls.superuserUrl });
  const replica = new Client({ connectionString: urls.replicaSuperuserUrl });
  await primary.connect();
  await replica.connect();
  try {
    const lsn = (await primary.query("SELECT pg_current_wal_insert_lsn()::text AS lsn")).rows[0].lsn as string;
    await waitFor(
      "replica replay",
      async () =>
        (await replica.query("SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok", [lsn])).rows[0].ok === true,
      timeoutMs,
      50,
    );
  } finally {
    await primary.end();
    await replica.end();
  }
}

export interface RunningApp {
  url: string;
  ctx: Context<ApiConfig>;
  config: Config;
  server: Server;
  close(): Promise<void>;
}

/** One API instance in this process, listening on 127.0.0.1 on a free port. */
export async function startApp(
  env: Record<string, string>,
  logger?: Logger,
  opts: ServerOptions = {},
): Promise<RunningApp> {
  const config = loadConfig(env, "api");
  const ctx = await createContext(config, {
    subscribe: true,
    defaultMetrics: false,
    logger: logger ?? createLogger(config.logLevel),
  });
  const api = createServer(ctx, opts);
  const server = await new Promise<Server>((resolve) => {
    const s = api.listen(0, "127.0.0.1", () => resolve(s));
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    ctx,
    config,
    server,
    async close() {
      api.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await ctx.close();
    },
  };
}

export function token(sub: string, secret = JWT_SECRET, expInSec = 3600): string {
  return signHs256({ sub, exp: Math.floor(Date.now() / 1000) + expInSec }, secret);
}

export function unique(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/** A topic, inserted the way an operator's seed would (topics have no API write). */
export async function insertTopic(
  sql: (text: string, values?: unknown[]) => Promise<Array<Record<string, unknown>>>,
  name = "Topic",
): Promise<string> {
  const slug = unique("t").toLowerCase();
  const rows = await sql("INSERT INTO topics (slug, name, description) VALUES ($1, $2, $3) RETURNING id", [
    slug,
    name,
    `about ${name}`,
  ]);
  return String(rows[0]?.id);
}

export interface Call {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

export async function call(
  base: string,
  path: string,
  init: { method?: string; body?: unknown; rawBody?: string; headers?: Record<string, string>; token?: string } = {},
): Promise<Call> {
  const headers: Record<string, string> = { ...(init.headers ?? {}) };
  if (init.token !== undefined) headers.authorization = `Bearer ${init.token}`;
  let body: string | undefined = init.rawBody;
  if (init.body !== undefined) {
    body = JSON.stringify(init.body);
    headers["content-type"] ??= "application/json";
  }
  // a hung request fails here, naming the request, instead of timing the whole test out
  const res = await fetch(base + path, {
    method: init.method ?? "GET",
    headers,
    ...(body === undefined ? {} : { body }),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | null | false>,
  timeoutMs = 20_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== null && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * Worker contexts (what the API and the worker share), each on its own queue prefix with short retry backoffs,
 * opened by `open` and all closed by `close`.
 */
export function workerContexts(urls: ServiceUrls, prefix: string) {
  const contexts: Context[] = [];
  return {
    async open(overrides: Record<string, string> = {}): Promise<{ ctx: Context; env: Record<string, string> }> {
      const env = appEnv(urls, {
        QUEUE_PREFIX: `{${unique(prefix)}}`,
        JOB_BACKOFF_MIN_MS: "50",
        JOB_BACKOFF_MAX_MS: "100",
        ...overrides,
      });
      const ctx = await createContext(loadConfig(env, "worker"), {
        subscribe: false,
        defaultMetrics: false,
        logger: createLogger("error"),
      });
      contexts.push(ctx);
      return { ctx, env };
    },
    async close(): Promise<void> {
      for (const ctx of contexts.splice(0)) await ctx.close();
    },
  };
}

/** The value of one unlabelled or fully labelled series in an app's metrics (0 when it has not been written). */
export async function metricValue(app: RunningApp, series: string): Promise<number> {
  const text = await app.ctx.metrics.registry.metrics();
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.split(" ")[1]);
}

/** The migrated databases, an admin connection to the primary and one topic: where most API tests start. */
export async function adminWithTopic(urls: ServiceUrls, title: string): Promise<{ admin: Client; topicId: string }> {
  await migrate(urls);
  const admin = new Client({ connectionString: urls.primaryUrl });
  await admin.connect();
  const topicId = await insertTopic(async (t, v) => (await admin.query(t, v)).rows, title);
  return { admin, topicId };
}

import { Cluster, Redis, type ClusterOptions, type RedisOptions } from "ioredis";
import { withTimeout } from "./timeout";

export type RedisClient = Redis | Cluster;

export interface RedisConnectOptions {
  urls: string[];
  cluster: boolean;
  /**
   * null for BullMQ workers (they block and must never give up a command);
   * a small number for request-path clients so a dead Redis fails fast.
   */
  maxRetriesPerRequest: number | null;
  /** Per-command timeout for request-path clients; undefined for blocking clients. */
  commandTimeoutMs?: number;
  /** Queue commands while (re)connecting; off for request-path clients so they never hang. */
  offlineQueue: boolean;
  /** ioredis connectionName, to see who is who in CLIENT LIST. */
  name: string;
  /**
   * Batch commands issued in the same tick into one write per node (fewer
   * syscalls and round trips); for request-path clients, not BullMQ's.
   */
  autoPipelining?: boolean;
}

function parse(url: string): { host: string; port: number; tls: boolean; username?: string; password?: string } {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: u.port === "" ? 6379 : Number(u.port),
    tls: u.protocol === "rediss:",
    ...(u.username === "" ? {} : { username: decodeURIComponent(u.username) }),
    ...(u.password === "" ? {} : { password: decodeURIComponent(u.password) }),
  };
}

/**
 * Cluster retries of a request-path client (one with a command timeout). ioredis retries a command that met
 * CLUSTERDOWN, TRYAGAIN or a closed node connection after 100 ms, up to maxRedirections (16) times, and the
 * command timeout covers one try only: with one master down every command took 1.7 s (measured on the test
 * cluster; two cache reads 3.4 s) although REDIS_COMMAND_TIMEOUT_MS was 250. Four tries 50 ms apart still
 * follow a MOVED/ASK of a resharding or failover and give up within ~250 ms when the cluster is down.
 */
const FAIL_FAST: Partial<ClusterOptions> = {
  maxRedirections: 4,
  retryDelayOnClusterDown: 50,
  retryDelayOnFailover: 50,
  retryDelayOnTryAgain: 50,
};

/**
 * A Redis Cluster client (ElastiCache cluster mode, the local 3-master
 * cluster of the tests) or a single-node client. Every key the app uses either
 * stands alone or carries the `{storyforge}` hash tag (BullMQ), so no command
 * spans slots.
 */
export function createRedis(opts: RedisConnectOptions): RedisClient {
  if (opts.urls.length === 0) throw new Error("REDIS_URL is required");
  const first = parse(opts.urls[0]);
  const base: RedisOptions = {
    connectionName: opts.name,
    maxRetriesPerRequest: opts.maxRetriesPerRequest,
    ...(opts.commandTimeoutMs === undefined ? {} : { commandTimeout: opts.commandTimeoutMs }),
    ...(first.username === undefined ? {} : { username: first.username }),
    ...(first.password === undefined ? {} : { password: first.password }),
    ...(first.tls ? { tls: {} } : {}),
    connectTimeout: 2_000,
  };
  if (!opts.cluster) {
    return new Redis({
      ...base,
      host: first.host,
      port: first.port,
      enableOfflineQueue: opts.offlineQueue,
      enableAutoPipelining: opts.autoPipelining ?? false,
      retryStrategy: (times) => Math.min(times * 200, 2_000),
    });
  }
  const clusterOpts: ClusterOptions = {
    redisOptions: base,
    ...(opts.commandTimeoutMs === undefined ? {} : FAIL_FAST),
    enableOfflineQueue: opts.offlineQueue,
    enableAutoPipelining: opts.autoPipelining ?? false,
    clusterRetryStrategy: (times) => Math.min(times * 200, 2_000),
    slotsRefreshTimeout: 2_000,
    // ElastiCache with TLS: connect by the configuration endpoint's name so the certificate matches
    ...(first.tls
      ? {
          dnsLookup: (address: string, callback: (err: Error | null, address: string) => void) =>
            callback(null, address),
        }
      : {}),
  };
  return new Cluster(
    opts.urls.map((u) => {
      const p = parse(u);
      return { host: p.host, port: p.port };
    }),
    clusterOpts,
  );
}

/** Closes a client without throwing if it is already gone. */
export async function closeRedis(client: RedisClient, timeoutMs = 1_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    // QUIT waits for Redis to answer; with Redis gone it would wait for a reconnection that may never come
    await Promise.race([
      client.quit(),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error("quit timed out")), timeoutMs))),
    ]);
  } catch {
    // fall through to a hard disconnect
  } finally {
    clearTimeout(timer);
    client.disconnect();
  }
}

/** Resolves when the client is ready or after `timeoutMs` (Redis is optional for the API: start anyway). */
export function waitForRedis(client: RedisClient, timeoutMs: number): Promise<boolean> {
  if (client.status === "ready") return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      client.off("ready", onReady);
      resolve(ok);
    };
    const onReady = () => done(true);
    const timer = setTimeout(() => done(false), timeoutMs);
    client.once("ready", onReady);
  });
}

function infoField(info: string, field: string): string | undefined {
  return info
    .split(/\r?\n/)
    .find((line) => line.startsWith(`${field}:`))
    ?.slice(field.length + 1)
    .trim();
}

/**
 * Resolves when Redis can serve commands, rejects saying why not. A cluster is asked on every master it knows
 * (a PING would go to one live node and say "ok" during CLUSTERDOWN): each must report `cluster_state:ok`, and
 * together they must be as many as the cluster's `cluster_size` (a master ioredis dropped counts as missing).
 */
export async function redisHealth(client: RedisClient, timeoutMs: number): Promise<void> {
  if (!(client instanceof Cluster)) {
    await withTimeout(client.ping(), timeoutMs, "redis PING");
    return;
  }
  const masters = client.nodes("master");
  if (masters.length === 0) throw new Error("no Redis Cluster master is connected");
  const infos = await withTimeout(
    Promise.all(masters.map(async (node) => String(await node.cluster("INFO")))),
    timeoutMs,
    "CLUSTER INFO",
  );
  for (const [i, info] of infos.entries()) {
    const state = infoField(info, "cluster_state");
    const where = `${masters[i].options.host}:${masters[i].options.port}`;
    if (state !== "ok") throw new Error(`${where} reports cluster_state:${state ?? "unknown"}`);
    const size = Number(infoField(info, "cluster_size"));
    if (size > masters.length) throw new Error(`${masters.length} of ${size} masters connected`);
  }
}

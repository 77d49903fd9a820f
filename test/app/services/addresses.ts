/**
 * What a harness instance offers (`Services`), its addresses (`ServiceUrls`) and how the shared instance's
 * addresses reach test files (`SERVICE_ENV`, `serviceEnv`, `sharedServices`). See index.ts for the harness.
 */
import { readFileSync } from "node:fs";
import type { RedisNode } from "./redis";
/** Addresses of one running instance. Plain data: this is what the JSON file holds. */
export interface ServiceUrls {
  /** App role `storyforge` on the primary, database `storyforge`. */
  primaryUrl: string;
  /** App role on the streaming replica (read-only). */
  replicaUrl: string;
  /** App role through PgBouncer, database `storyforge` (-> primary). */
  pgbouncerUrl: string;
  /** App role through PgBouncer, database `storyforge_replica` (-> replica). */
  pgbouncerReplicaUrl: string;
  /** PgBouncer admin console (user `pgbouncer_admin`, database `pgbouncer`). */
  pgbouncerAdminUrl: string;
  /** Superuser `postgres` on the primary, database `storyforge`. */
  superuserUrl: string;
  /** Superuser `postgres` on the replica, database `storyforge`. */
  replicaSuperuserUrl: string;
  /** The three Redis Cluster masters. */
  redisNodes: RedisNode[];
  redisPassword: string;
}

export interface Services extends ServiceUrls {
  /** The instance directory (data, configs, `*.log` of every server); deleted by `stop()`. */
  readonly dir: string;
  /** Wall-clock time `startServices` took, for reports. */
  readonly startupMs: number;
  /** The addresses alone (what the JSON file holds). */
  urls(): ServiceUrls;
  /** Runs SQL as superuser on the primary (database `storyforge`); returns the rows. */
  sql<Row extends object = Record<string, unknown>>(text: string, values?: unknown[]): Promise<Row[]>;
  /** Resolves once the replica has replayed all WAL the primary had written when called. */
  waitForReplica(timeoutMs?: number): Promise<void>;
  /** Fast shutdown of the primary / restart; start resolves when PgBouncer routes to it again. */
  stopPrimary(): Promise<void>;
  startPrimary(): Promise<void>;
  /** Fast shutdown of the replica / restart; start resolves once it streams and PgBouncer routes to it. */
  stopReplica(): Promise<void>;
  startReplica(): Promise<void>;
  stopPgBouncer(): Promise<void>;
  startPgBouncer(): Promise<void>;
  /** Stops / restarts all three Redis nodes; start resolves when the cluster reports `cluster_state:ok`. */
  stopRedis(): Promise<void>;
  startRedis(): Promise<void>;
  /**
   * Stops / restarts one master (index into `redisNodes`). While one is down the cluster reports
   * `cluster_state:fail` after cluster-node-timeout (2 s) and every node answers CLUSTERDOWN; its keys are gone
   * after the restart (nothing persists). Start resolves when the cluster is healthy again.
   */
  stopRedisNode(index: number): Promise<void>;
  startRedisNode(index: number): Promise<void>;
  /**
   * Freezes (SIGSTOP) / thaws (SIGCONT) one master: its sockets stay open and nothing answers, as with a hung
   * host or a network partition, which a stop (connections refused at once) does not show. Thaw resolves when
   * the cluster is healthy again.
   */
  freezeRedisNode(index: number): void;
  thawRedisNode(index: number): Promise<void>;
  /** The index into `redisNodes` of the master that serves `key`'s slot (hash tags respected). */
  redisNodeOf(key: string): Promise<number>;
  /** FLUSHALL on every master: Redis loses every key, as after a restart without persistence. */
  flushRedis(): Promise<void>;
  /** Pauses / resumes WAL replay on the replica (it keeps receiving WAL; reads there go stale). */
  pauseReplicaReplay(): Promise<void>;
  resumeReplicaReplay(): Promise<void>;
  /** Stops every server and deletes the directory. Idempotent. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Appears in the directory name: `<root>/storyforge-services-<name>-XXXXXX`. @default "test" */
  name?: string;
}

/** Environment variables the `app` project's global setup publishes (and `sharedServices()` reads). */
export const SERVICE_ENV = {
  servicesFile: "STORYFORGE_TEST_SERVICES_FILE",
  primaryUrl: "STORYFORGE_TEST_PRIMARY_URL",
  replicaUrl: "STORYFORGE_TEST_REPLICA_URL",
  pgbouncerUrl: "STORYFORGE_TEST_PGBOUNCER_URL",
  pgbouncerReplicaUrl: "STORYFORGE_TEST_PGBOUNCER_REPLICA_URL",
  pgbouncerAdminUrl: "STORYFORGE_TEST_PGBOUNCER_ADMIN_URL",
  superuserUrl: "STORYFORGE_TEST_SUPERUSER_URL",
  replicaSuperuserUrl: "STORYFORGE_TEST_REPLICA_SUPERUSER_URL",
  /** Comma-separated `host:port` of the Redis masters. */
  redisNodes: "STORYFORGE_TEST_REDIS_NODES",
  redisPassword: "STORYFORGE_TEST_REDIS_PASSWORD",
} as const;

/** The environment that publishes `urls`, `servicesFile` being the JSON file holding them. */
export function serviceEnv(urls: ServiceUrls, servicesFile: string): Record<string, string> {
  return {
    [SERVICE_ENV.servicesFile]: servicesFile,
    [SERVICE_ENV.primaryUrl]: urls.primaryUrl,
    [SERVICE_ENV.replicaUrl]: urls.replicaUrl,
    [SERVICE_ENV.pgbouncerUrl]: urls.pgbouncerUrl,
    [SERVICE_ENV.pgbouncerReplicaUrl]: urls.pgbouncerReplicaUrl,
    [SERVICE_ENV.pgbouncerAdminUrl]: urls.pgbouncerAdminUrl,
    [SERVICE_ENV.superuserUrl]: urls.superuserUrl,
    [SERVICE_ENV.replicaSuperuserUrl]: urls.replicaSuperuserUrl,
    [SERVICE_ENV.redisNodes]: urls.redisNodes.map((n) => `${n.host}:${n.port}`).join(","),
    [SERVICE_ENV.redisPassword]: urls.redisPassword,
  };
}

/** The addresses of the shared instance started by the `app` project's global setup. */
export function sharedServices(): ServiceUrls {
  const file = process.env[SERVICE_ENV.servicesFile];
  if (file === undefined || file === "") {
    throw new Error(
      `${SERVICE_ENV.servicesFile} is not set: run through the jest \`app\` project ` +
        "(npx jest --selectProjects app), whose global setup starts the shared services",
    );
  }
  return JSON.parse(readFileSync(file, "utf8")) as ServiceUrls;
}

/**
 * Real-services harness: PostgreSQL primary + streaming replica, PgBouncer (transaction mode) in front of
 * both, and a three-master Redis Cluster, all from Debian's packages, on 127.0.0.1, on random free ports,
 * in a throwaway directory, run as an unprivileged user. Nothing is mocked.
 *
 * ## Two ways to use it
 *
 * 1. The shared instance (most app tests). The `app` jest project's global setup starts ONE instance before
 *    any test file and its global teardown removes it. Read its addresses with `sharedServices()`, or from
 *    the environment (names in `SERVICE_ENV`), or from the JSON file named by `STORYFORGE_TEST_SERVICES_FILE`
 *    (`<root>/storyforge-services-jest-app-XXXXXX/services.json`, a `ServiceUrls` object, deleted with the
 *    instance; `<root>` is /dev/shm when it is a roomy tmpfs, else $TMPDIR or /tmp). Test files may run in
 *    parallel against it: isolate by key prefix / schema / `CREATE DATABASE` (any database name is
 *    reachable through PgBouncer too; it routes to the primary).
 *    You cannot stop its servers: it is shared.
 *
 * 2. Your own instance (fault tests, the benchmark): `const svc = await startServices({ name: "my-suite" })`
 *    in `beforeAll` (give the hook ~60 s), `await svc.stop()` in `afterAll`. It has everything the shared
 *    one has plus `stop*`/`start*` for each server, `sql()` as superuser and `waitForReplica()`.
 *
 * ## What you get (`ServiceUrls`)
 * - `primaryUrl`, `replicaUrl`: role `storyforge` (owner of database `storyforge`), straight to PostgreSQL.
 * - `pgbouncerUrl` (database `storyforge` -> primary), `pgbouncerReplicaUrl` (`storyforge_replica` ->
 *   replica): the same role through PgBouncer 1.18, pool_mode=transaction, settings of seed 000 §3.4.
 *   Transaction mode: no session state across transactions, and no named prepared statements
 *   (`pg`'s `{ name }` queries) through PgBouncer 1.18.
 * - `pgbouncerAdminUrl`: the admin console (database `pgbouncer`; `SHOW POOLS`, `SHOW CONFIG`...).
 * - `superuserUrl`, `replicaSuperuserUrl`: superuser `postgres`, database `storyforge`.
 * - `redisNodes` (three masters) and `redisPassword`: `new Cluster(redisNodes, { redisOptions: { password } })`.
 *   maxmemory-policy is noeviction. Nothing persists: data is gone after `stopRedis()`/`startRedis()`.
 * The harness creates the role and the empty database; it does not run the app's migrations.
 *
 * ## Faults, as the app will see them
 * A stopped server refuses connections (ECONNREFUSED). PgBouncer in front of a stopped server still accepts
 * clients and queues their queries (up to query_wait_timeout, 120 s by default), so an app that must fail
 * fast needs its own query timeout. After a restart PgBouncer retries logins every second (server_login_retry).
 *
 * ## Guarantees
 * Every server is a direct child of the process that started it and carries a parent-death signal, so
 * even a SIGKILLed test run leaves no server behind; SIGINT/SIGTERM/SIGHUP and process exit stop all live
 * instances and delete their directories; directories of killed runs are reaped by the next start.
 * Packages `postgresql pgbouncer redis-server redis-tools` are apt-installed on first use when missing (root).
 */
import { randomBytes } from "node:crypto";
import { configurePgBouncer, PGBOUNCER_REPLICA_DATABASE, pgbouncerAdminUrl, startPgBouncer } from "./pgbouncer";
import {
  APP_DATABASE,
  APP_ROLE,
  bootstrapPrimary,
  cloneReplica,
  initPrimary,
  isStreaming,
  postgresUrl,
  runSql,
  startPostgres,
  SUPERUSER,
  waitForReplay,
} from "./postgres";
import {
  configureRedis,
  createCluster,
  redisCommand,
  startRedisNodes,
  waitForHealthyCluster,
  type RedisNode,
} from "./redis";
import { ServerExitedError, type ServerProcess } from "./server-process";
import {
  createInstanceDir,
  ensureBinaries,
  freePorts,
  hostProcess,
  LOOPBACK,
  reapStaleInstances,
  recordOwner,
  removeInstanceDir,
  serverUser,
} from "./system";

export { runSql } from "./postgres";
export { reapStaleInstances } from "./system";
export type { RedisNode } from "./redis";

export { SERVICE_ENV, serviceEnv, sharedServices } from "./addresses";
export type { Services, ServiceUrls, StartOptions } from "./addresses";
import type { Services, ServiceUrls, StartOptions } from "./addresses";

/** Live instances of this process, shared by every module copy jest makes (one registry per process). */
interface Registry {
  live: Set<{ stop(): Promise<void>; stopNow(): void }>;
}
const REGISTRY = Symbol.for("storyforge.services.registry");

function registry(): Registry {
  const host = hostProcess() as NodeJS.Process & { [REGISTRY]?: Registry };
  if (host[REGISTRY] !== undefined) return host[REGISTRY];
  const created: Registry = { live: new Set() };
  host[REGISTRY] = created;
  const onSignal = (signal: NodeJS.Signals): void => {
    void Promise.allSettled([...created.live].map((instance) => instance.stop())).finally(() => {
      host.exit(128 + (signal === "SIGINT" ? 2 : signal === "SIGHUP" ? 1 : 15));
    });
  };
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) host.once(signal, onSignal);
  // Last resort (process.exit with instances still up): no awaiting here, so hard stops and a best-effort delete.
  host.once("exit", () => {
    for (const instance of created.live) instance.stopNow();
  });
  return created;
}

function secret(): string {
  return randomBytes(18).toString("hex");
}

class Instance implements Services {
  primaryUrl = "";
  replicaUrl = "";
  pgbouncerUrl = "";
  pgbouncerReplicaUrl = "";
  pgbouncerAdminUrl = "";
  superuserUrl = "";
  replicaSuperuserUrl = "";
  redisNodes: RedisNode[] = [];
  redisPassword = "";
  startupMs = 0;

  primary: ServerProcess | undefined;
  replica: ServerProcess | undefined;
  pgbouncer: ServerProcess | undefined;
  redis: ServerProcess[] = [];
  private stopped: Promise<void> | undefined;

  constructor(readonly dir: string) {}

  private servers(): ServerProcess[] {
    return [this.primary, this.replica, this.pgbouncer, ...this.redis].filter((s) => s !== undefined);
  }

  /** Keeps the owner record's pid list current, for the reaper. */
  recordPids(): void {
    recordOwner(
      this.dir,
      this.servers().flatMap((s) => (s.running && s.pid !== undefined ? [s.pid] : [])),
    );
  }

  urls(): ServiceUrls {
    return {
      primaryUrl: this.primaryUrl,
      replicaUrl: this.replicaUrl,
      pgbouncerUrl: this.pgbouncerUrl,
      pgbouncerReplicaUrl: this.pgbouncerReplicaUrl,
      pgbouncerAdminUrl: this.pgbouncerAdminUrl,
      superuserUrl: this.superuserUrl,
      replicaSuperuserUrl: this.replicaSuperuserUrl,
      redisNodes: this.redisNodes,
      redisPassword: this.redisPassword,
    };
  }

  sql<Row extends object = Record<string, unknown>>(text: string, values?: unknown[]): Promise<Row[]> {
    return runSql<Row>(this.superuserUrl, text, values);
  }

  waitForReplica(timeoutMs?: number): Promise<void> {
    return waitForReplay(this.superuserUrl, this.replicaSuperuserUrl, timeoutMs);
  }

  private required(server: ServerProcess | undefined, what: string): ServerProcess {
    if (server === undefined) throw new Error(`services harness: ${what} was never started`);
    if (this.stopped !== undefined) throw new Error(`services harness: instance ${this.dir} is stopped`);
    return server;
  }

  /** After a restart: PgBouncer retries a failed server login only every server_login_retry. */
  private async untilPooled(server: ServerProcess, url: string): Promise<void> {
    if (this.pgbouncer?.running !== true) return;
    await server.waitUntil(async () => {
      await runSql(url, "SELECT 1");
      return true;
    }, "reachable through PgBouncer");
  }

  async stopPrimary(): Promise<void> {
    await this.required(this.primary, "the primary").stop();
    this.recordPids();
  }

  async startPrimary(): Promise<void> {
    const primary = this.required(this.primary, "the primary");
    await startPostgres(primary, this.superuserUrl);
    this.recordPids();
    await this.untilPooled(primary, this.pgbouncerUrl);
  }

  async stopReplica(): Promise<void> {
    await this.required(this.replica, "the replica").stop();
    this.recordPids();
  }

  async startReplica(): Promise<void> {
    const replica = this.required(this.replica, "the replica");
    await startPostgres(replica, this.replicaSuperuserUrl);
    this.recordPids();
    if (this.primary?.running === true) {
      await replica.waitUntil(() => isStreaming(this.replicaSuperuserUrl), "streaming from the primary");
    }
    await this.untilPooled(replica, this.pgbouncerReplicaUrl);
  }

  async stopPgBouncer(): Promise<void> {
    await this.required(this.pgbouncer, "pgbouncer").stop();
    this.recordPids();
  }

  async startPgBouncer(): Promise<void> {
    await startPgBouncer(this.required(this.pgbouncer, "pgbouncer"), this.pgbouncerAdminUrl);
    this.recordPids();
  }

  async stopRedis(): Promise<void> {
    this.required(this.redis[0], "redis");
    await Promise.all(this.redis.map((s) => s.stop()));
    this.recordPids();
  }

  async startRedis(): Promise<void> {
    this.required(this.redis[0], "redis");
    await startRedisNodes(this.redis, this.redisNodes, this.redisPassword);
    this.recordPids();
    await waitForHealthyCluster(this.redis, this.redisNodes, this.redisPassword);
  }

  async stopRedisNode(index: number): Promise<void> {
    await this.redisServer(index).stop();
    this.recordPids();
  }

  async startRedisNode(index: number): Promise<void> {
    const server = this.redisServer(index);
    await startRedisNodes([server], [this.redisNodes[index]], this.redisPassword);
    this.recordPids();
    await waitForHealthyCluster(this.redis, this.redisNodes, this.redisPassword);
  }

  freezeRedisNode(index: number): void {
    this.redisServer(index).signal("SIGSTOP");
  }

  async thawRedisNode(index: number): Promise<void> {
    this.redisServer(index).signal("SIGCONT");
    await waitForHealthyCluster(this.redis, this.redisNodes, this.redisPassword);
  }

  async redisNodeOf(key: string): Promise<number> {
    this.required(this.redis[0], "redis");
    const up = this.redisNodes.findIndex((_, i) => this.redis[i].running);
    if (up < 0) throw new Error("services harness: no Redis node is running");
    const slot = Number(await redisCommand(this.redisNodes[up], this.redisPassword, "CLUSTER", "KEYSLOT", key));
    const ranges = (await redisCommand(this.redisNodes[up], this.redisPassword, "CLUSTER", "SLOTS")) as Array<
      [number, number, [string, number, ...unknown[]], ...unknown[]]
    >;
    const range = ranges.find(([from, to]) => slot >= from && slot <= to);
    if (range === undefined) throw new Error(`services harness: no master serves slot ${slot}`);
    const index = this.redisNodes.findIndex((n) => n.port === Number(range[2][1]));
    if (index < 0) throw new Error(`services harness: slot ${slot} is served by an unknown node`);
    return index;
  }

  async flushRedis(): Promise<void> {
    this.required(this.redis[0], "redis");
    await Promise.all(this.redisNodes.map((n) => redisCommand(n, this.redisPassword, "FLUSHALL", "SYNC")));
  }

  async pauseReplicaReplay(): Promise<void> {
    this.required(this.replica, "the replica");
    await runSql(this.replicaSuperuserUrl, "SELECT pg_wal_replay_pause()");
  }

  async resumeReplicaReplay(): Promise<void> {
    this.required(this.replica, "the replica");
    await runSql(this.replicaSuperuserUrl, "SELECT pg_wal_replay_resume()");
  }

  private redisServer(index: number): ServerProcess {
    this.required(this.redis[0], "redis");
    const server = this.redis[index];
    if (server === undefined)
      throw new Error(`services harness: no Redis node ${index} (there are ${this.redis.length})`);
    return server;
  }

  stop(): Promise<void> {
    this.stopped ??= (async () => {
      try {
        await Promise.allSettled(this.servers().map((s) => s.stop()));
      } finally {
        removeInstanceDir(this.dir);
        registry().live.delete(this);
      }
    })();
    return this.stopped;
  }

  stopNow(): void {
    for (const server of this.servers()) server.killNow();
    try {
      removeInstanceDir(this.dir);
    } catch {
      // a server still holds files; the next start's reaper removes the directory
    }
  }
}

async function startOnce(name: string): Promise<Instance> {
  const started = Date.now();
  const bin = await ensureBinaries();
  const runAs = serverUser();
  const instance = new Instance(createInstanceDir(name, runAs));
  registry().live.add(instance);
  try {
    const ports = await freePorts(9);
    const [primaryPort, replicaPort, bouncerPort] = ports as [number, number, number];
    const redisPorts = ports.slice(3); // three client ports, then three cluster-bus ports
    const secrets = {
      superuserPassword: secret(),
      appPassword: secret(),
      replicationPassword: secret(),
      adminPassword: secret(),
      redisPassword: secret(),
    };
    const pg = { dir: instance.dir, bin, runAs, ...secrets };
    instance.primaryUrl = postgresUrl(APP_ROLE, secrets.appPassword, primaryPort, APP_DATABASE);
    instance.replicaUrl = postgresUrl(APP_ROLE, secrets.appPassword, replicaPort, APP_DATABASE);
    instance.superuserUrl = postgresUrl(SUPERUSER, secrets.superuserPassword, primaryPort, APP_DATABASE);
    instance.replicaSuperuserUrl = postgresUrl(SUPERUSER, secrets.superuserPassword, replicaPort, APP_DATABASE);
    instance.pgbouncerUrl = postgresUrl(APP_ROLE, secrets.appPassword, bouncerPort, APP_DATABASE);
    instance.pgbouncerReplicaUrl = postgresUrl(APP_ROLE, secrets.appPassword, bouncerPort, PGBOUNCER_REPLICA_DATABASE);
    const bouncer = { dir: instance.dir, bin, runAs, port: bouncerPort, primaryPort, replicaPort, ...secrets };
    instance.pgbouncerAdminUrl = pgbouncerAdminUrl(bouncer);
    instance.redisNodes = redisPorts.slice(0, 3).map((port) => ({ host: LOOPBACK, port }));
    instance.redisPassword = secrets.redisPassword;

    // Three independent tracks; PostgreSQL's is the long one (initdb, start, basebackup, start).
    const postgresTrack = async (): Promise<void> => {
      // The superuser connects to database `postgres` until `storyforge` exists.
      const bootstrapUrl = postgresUrl(SUPERUSER, secrets.superuserPassword, primaryPort, "postgres");
      instance.primary = await initPrimary(pg, primaryPort);
      await startPostgres(instance.primary, bootstrapUrl);
      instance.recordPids();
      await bootstrapPrimary(pg, bootstrapUrl);
      instance.replica = await cloneReplica(pg, primaryPort, replicaPort);
      await startPostgres(instance.replica, instance.replicaSuperuserUrl);
      instance.recordPids();
      await instance.replica.waitUntil(() => isStreaming(instance.replicaSuperuserUrl), "streaming from the primary");
    };
    const pgbouncerTrack = async (): Promise<void> => {
      instance.pgbouncer = configurePgBouncer(bouncer);
      await startPgBouncer(instance.pgbouncer, instance.pgbouncerAdminUrl);
      instance.recordPids();
    };
    const redisTrack = async (): Promise<void> => {
      const ctx = {
        dir: instance.dir,
        bin,
        runAs,
        password: secrets.redisPassword,
        ports: redisPorts.slice(0, 3),
        busPorts: redisPorts.slice(3, 6),
      };
      instance.redis = configureRedis(ctx);
      await startRedisNodes(instance.redis, instance.redisNodes, ctx.password);
      instance.recordPids();
      await createCluster(ctx, instance.redis, instance.redisNodes);
    };
    const results = await Promise.allSettled([postgresTrack(), pgbouncerTrack(), redisTrack()]);
    const failure = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failure !== undefined) throw failure.reason;
    instance.startupMs = Date.now() - started;
    return instance;
  } catch (error) {
    await instance.stop();
    throw error;
  }
}

/** Starts a fresh, private instance. Retries with new ports if another harness took one first. */
export async function startServices(opts: StartOptions = {}): Promise<Services> {
  const name = opts.name ?? "test";
  reapStaleInstances();
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(name);
    } catch (error) {
      if (attempt < 3 && error instanceof ServerExitedError && error.portInUse) continue;
      throw error;
    }
  }
}

// PostgreSQL primary and a streaming replica (physical replication through a slot, cloned by pg_basebackup).
import { execFile } from "node:child_process";
import { chownSync, rmSync, writeFileSync, appendFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { Client } from "pg";
import { ServerProcess } from "./server-process";
import { LOOPBACK, type Binaries, type RunAs } from "./system";

const execFileAsync = promisify(execFile);

export const APP_ROLE = "storyforge";
export const APP_DATABASE = "storyforge";
export const SUPERUSER = "postgres";
const REPLICATION_ROLE = "replicator";
const REPLICATION_SLOT = "storyforge_replica";

export interface PostgresContext {
  dir: string;
  bin: Binaries;
  runAs: RunAs | undefined;
  superuserPassword: string;
  appPassword: string;
  replicationPassword: string;
}

export function postgresUrl(user: string, password: string, port: number, database: string): string {
  return `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${LOOPBACK}:${port}/${database}`;
}

/** Runs one statement (or a `;`-separated script when `values` is empty) and returns its rows. */
export async function runSql<Row extends object = Record<string, unknown>>(
  url: string,
  text: string,
  values: unknown[] = [],
): Promise<Row[]> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  // A server that goes away mid-query rejects the query; without a listener it would also crash the process.
  client.on("error", () => undefined);
  await client.connect();
  try {
    const result = await client.query(text, values);
    // A multi-statement script returns one result per statement; its rows are the last statement's.
    const last = Array.isArray(result) ? result[result.length - 1] : result;
    return (last?.rows ?? []) as Row[];
  } finally {
    await client.end();
  }
}

function runAsUser(ctx: PostgresContext, file: string, args: string[], env: Record<string, string> = {}) {
  return execFileAsync(file, args, {
    cwd: ctx.dir,
    uid: ctx.runAs?.uid,
    gid: ctx.runAs?.gid,
    env: { PATH: "/usr/bin:/bin", HOME: ctx.dir, LANG: "C.UTF-8", ...env },
    timeout: 120_000,
  });
}

/** Throwaway-cluster settings: durability traded for speed (fsync off), replication on. */
function postgresqlConf(): string {
  return [
    "",
    "# storyforge services harness",
    "max_connections = 200", // PgBouncer pools (2 x (20 + 5)) plus direct test connections
    "shared_buffers = 32MB",
    "fsync = off",
    "synchronous_commit = off",
    "full_page_writes = off",
    "wal_level = replica",
    "max_wal_senders = 5",
    "max_replication_slots = 5",
    "hot_standby = on",
    "wal_receiver_status_interval = 1s",
    "timezone = 'UTC'",
    "log_min_messages = warning",
    "",
  ].join("\n");
}

function postgresServer(ctx: PostgresContext, label: string, dataDir: string, port: number): ServerProcess {
  return new ServerProcess({
    label,
    command: ctx.bin.postgres,
    // The socket lives in the instance directory: the Debian default /var/run/postgresql may not exist.
    args: ["-D", dataDir, "-p", String(port), "-k", ctx.dir, "-c", `listen_addresses=${LOOPBACK}`],
    cwd: dataDir,
    logFile: join(ctx.dir, `${label.replace(/\W+/g, "-")}.log`),
    runAs: ctx.runAs,
    stopSignal: "SIGINT",
    parentDeathSignal: "SIGQUIT",
  });
}

/** initdb with password (SCRAM) authentication on TCP; returns the not-yet-started primary. */
export async function initPrimary(ctx: PostgresContext, port: number): Promise<ServerProcess> {
  const dataDir = join(ctx.dir, "primary");
  const pwfile = join(ctx.dir, "superuser.pw");
  writeFileSync(pwfile, ctx.superuserPassword, { mode: 0o600 });
  if (ctx.runAs !== undefined) chownSync(pwfile, ctx.runAs.uid, ctx.runAs.gid);
  try {
    await runAsUser(ctx, ctx.bin.initdb, [
      "-D",
      dataDir,
      "--username",
      SUPERUSER,
      "--pwfile",
      pwfile,
      "--auth-host=scram-sha-256",
      "--auth-local=scram-sha-256",
      "--encoding=UTF8",
      "--locale=C",
      "--no-sync",
    ]);
  } finally {
    rmSync(pwfile, { force: true });
  }
  appendFileSync(join(dataDir, "postgresql.conf"), postgresqlConf());
  return postgresServer(ctx, "postgres primary", dataDir, port);
}

/** Starts `server` and waits until it answers queries (a replica: once it has reached a consistent state). */
export async function startPostgres(server: ServerProcess, superuserUrl: string): Promise<void> {
  server.start();
  await server.waitUntil(async () => {
    await runSql(superuserUrl, "SELECT 1");
    return true;
  }, "accepting connections");
}

/** The app role and database, and the role the replica streams with. The app's migrations are not ours. */
export async function bootstrapPrimary(ctx: PostgresContext, superuserUrl: string): Promise<void> {
  await runSql(
    superuserUrl,
    [
      `CREATE ROLE ${APP_ROLE} LOGIN PASSWORD '${ctx.appPassword}'`,
      `CREATE ROLE ${REPLICATION_ROLE} LOGIN REPLICATION PASSWORD '${ctx.replicationPassword}'`,
    ].join(";\n"),
  );
  // CREATE DATABASE cannot run inside the implicit transaction of a multi-statement query.
  await runSql(superuserUrl, `CREATE DATABASE ${APP_DATABASE} OWNER ${APP_ROLE}`);
}

/**
 * Clones the primary with pg_basebackup (-R writes standby.signal and primary_conninfo; -C -S creates a
 * replication slot, so WAL is kept while the replica is stopped and it always catches up on restart).
 */
export async function cloneReplica(ctx: PostgresContext, primaryPort: number, port: number): Promise<ServerProcess> {
  const dataDir = join(ctx.dir, "replica");
  await runAsUser(
    ctx,
    ctx.bin.pgBasebackup,
    [
      "-h",
      LOOPBACK,
      "-p",
      String(primaryPort),
      "-U",
      REPLICATION_ROLE,
      "-D",
      dataDir,
      "-R",
      "-X",
      "stream",
      "-C",
      "-S",
      REPLICATION_SLOT,
      "--checkpoint=fast",
      "--no-sync",
    ],
    { PGPASSWORD: ctx.replicationPassword },
  );
  return postgresServer(ctx, "postgres replica", dataDir, port);
}

/** True once the replica's WAL receiver is streaming from the primary. */
export async function isStreaming(replicaSuperuserUrl: string): Promise<boolean> {
  const rows = await runSql<{ status: string }>(replicaSuperuserUrl, "SELECT status FROM pg_stat_wal_receiver");
  return rows[0]?.status === "streaming";
}

/** Waits until the replica has replayed everything the primary had written when this was called. */
export async function waitForReplay(primaryUrl: string, replicaUrl: string, timeoutMs = 15_000): Promise<void> {
  const [current] = await runSql<{ lsn: string }>(primaryUrl, "SELECT pg_current_wal_insert_lsn()::text AS lsn");
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [replay] = await runSql<{ caught_up: boolean }>(
      replicaUrl,
      "SELECT coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, false) AS caught_up",
      [current.lsn],
    );
    if (replay?.caught_up === true) return;
    if (Date.now() > deadline) throw new Error(`replica did not replay up to ${current.lsn} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

// PgBouncer in transaction mode in front of the primary (`storyforge`) and the replica (`storyforge_replica`),
// configured as seed 000 §3.4 configures production.
import { chownSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ServerProcess } from "./server-process";
import { APP_DATABASE, APP_ROLE, postgresUrl, runSql } from "./postgres";
import { LOOPBACK, type Binaries, type RunAs } from "./system";

export const PGBOUNCER_ADMIN = "pgbouncer_admin";
export const PGBOUNCER_REPLICA_DATABASE = "storyforge_replica";

export interface PgBouncerContext {
  dir: string;
  bin: Binaries;
  runAs: RunAs | undefined;
  port: number;
  primaryPort: number;
  replicaPort: number;
  appPassword: string;
  adminPassword: string;
}

function pgbouncerIni(ctx: PgBouncerContext, authFile: string): string {
  return `[databases]
${APP_DATABASE} = host=${LOOPBACK} port=${ctx.primaryPort} dbname=${APP_DATABASE}
${PGBOUNCER_REPLICA_DATABASE} = host=${LOOPBACK} port=${ctx.replicaPort} dbname=${APP_DATABASE}
; any other database name goes to the primary, so a test may create its own database and still pool it
* = host=${LOOPBACK} port=${ctx.primaryPort}

[pgbouncer]
listen_addr = ${LOOPBACK}
listen_port = ${ctx.port}
; TCP only: the default socket directory /tmp is shared by every instance on the host
unix_socket_dir =
auth_type = scram-sha-256
auth_file = ${authFile}
admin_users = ${PGBOUNCER_ADMIN}

; seed 000 §3.4: pool settings
pool_mode = transaction
max_client_conn = 1000
default_pool_size = 20
min_pool_size = 5
reserve_pool_size = 5

; seed 000 §3.4: timeouts
server_connect_timeout = 5
server_idle_timeout = 600
server_lifetime = 3600
client_idle_timeout = 300
; test-only: the seed leaves this at its 15 s default; 1 s lets fault tests see a restarted server promptly
server_login_retry = 1

; seed 000 §3.4: logging
log_connections = 0
log_disconnections = 0
log_pooler_errors = 1
stats_period = 60
`;
}

/** Writes the config and auth file; returns the not-yet-started server. */
export function configurePgBouncer(ctx: PgBouncerContext): ServerProcess {
  const ini = join(ctx.dir, "pgbouncer.ini");
  const authFile = join(ctx.dir, "pgbouncer-users.txt");
  // Plain-text secrets let PgBouncer answer SCRAM from clients and perform SCRAM towards PostgreSQL.
  writeFileSync(authFile, `"${APP_ROLE}" "${ctx.appPassword}"\n"${PGBOUNCER_ADMIN}" "${ctx.adminPassword}"\n`, {
    mode: 0o600,
  });
  writeFileSync(ini, pgbouncerIni(ctx, authFile), { mode: 0o600 });
  if (ctx.runAs !== undefined) {
    chownSync(authFile, ctx.runAs.uid, ctx.runAs.gid);
    chownSync(ini, ctx.runAs.uid, ctx.runAs.gid);
  }
  return new ServerProcess({
    label: "pgbouncer",
    command: ctx.bin.pgbouncer,
    args: [ini],
    cwd: ctx.dir,
    logFile: join(ctx.dir, "pgbouncer.log"),
    runAs: ctx.runAs,
    stopSignal: "SIGTERM", // immediate shutdown; SIGINT would wait for clients to leave
    parentDeathSignal: "SIGTERM",
  });
}

export function pgbouncerAdminUrl(ctx: Pick<PgBouncerContext, "port" | "adminPassword">): string {
  return postgresUrl(PGBOUNCER_ADMIN, ctx.adminPassword, ctx.port, "pgbouncer");
}

export async function startPgBouncer(server: ServerProcess, adminUrl: string): Promise<void> {
  server.start();
  await server.waitUntil(async () => {
    await runSql(adminUrl, "SHOW VERSION");
    return true;
  }, "accepting connections");
}

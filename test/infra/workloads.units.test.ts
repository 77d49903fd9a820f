import { PGBOUNCER_SETTINGS } from "../../infra/lib/capacity";
import { PGBOUNCER_CA_FILE, pgbouncerIni, userlistLine } from "../../infra/components/pgbouncer";
import { PGBOUNCER_AUTH_QUERY } from "../../infra/lib/db-roles";
import { parse } from "pg-connection-string";
import { connectionUrls } from "../../infra/components/workloads";
import { migrationJobName, pdbMinAvailable } from "../../infra/lib/app-pods";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

describe("PgBouncer configuration", () => {
  const ini = pgbouncerIni({
    primaryHost: "p.rds",
    replicaHosts: ["r1.rds", "r2.rds", "r3.rds"],
    port: 5432,
    dbname: "storyforge",
    authUser: "storyforge_pgbouncer",
    serverCaFile: PGBOUNCER_CA_FILE,
  });

  test("the seed 000 §3.4 settings match the seed exactly", () => {
    expect(PGBOUNCER_SETTINGS).toEqual({
      pool_mode: "transaction",
      max_client_conn: 1000,
      default_pool_size: 20,
      min_pool_size: 5,
      reserve_pool_size: 5,
      server_connect_timeout: 5,
      server_idle_timeout: 600,
      server_lifetime: 3600,
      client_idle_timeout: 300,
      log_connections: 0,
      log_disconnections: 0,
      log_pooler_errors: 1,
      stats_period: 60,
    });
    for (const [k, v] of Object.entries(PGBOUNCER_SETTINGS)) expect(ini).toContain(`\n${k} = ${v}\n`);
  });

  test("storyforge goes to the primary and storyforge_replica round-robins over every replica", () => {
    expect(ini).toContain("\nstoryforge = host=p.rds port=5432 dbname=storyforge\n");
    expect(ini).toContain(
      "\nstoryforge_replica = host=r1.rds,r2.rds,r3.rds port=5432 dbname=storyforge load_balance_hosts=round-robin\n",
    );
  });

  test("without replicas storyforge_replica reads from the primary", () => {
    const bare = { authUser: "a", serverCaFile: "/ca.pem" };
    expect(pgbouncerIni({ primaryHost: "p", replicaHosts: [], port: 5432, dbname: "d", ...bare })).toContain(
      "storyforge_replica = host=p port=5432",
    );
  });

  test("PgBouncer verifies RDS's certificate and host name against the RDS CA bundle (server_tls_sslmode verify-full)", () => {
    expect(ini).toContain("\nserver_tls_sslmode = verify-full\n");
    expect(ini).toContain(`\nserver_tls_ca_file = ${PGBOUNCER_CA_FILE}\n`);
    expect(ini).not.toMatch(/server_tls_sslmode = (require|prefer|allow|disable)/);
  });

  test("PgBouncer authenticates clients through its own low-privilege auth user, not a userlist of app passwords", () => {
    expect(ini).toContain("\nauth_type = scram-sha-256\n");
    expect(ini).toContain("\nauth_user = storyforge_pgbouncer\n");
    expect(ini).toContain(`\nauth_query = ${PGBOUNCER_AUTH_QUERY}\n`);
    expect(userlistLine("app", 'pa"ss')).toBe('"app" "pa""ss"\n');
  });
});

describe("connection strings", () => {
  const input = {
    app: { user: "storyforge_app", password: "pw" },
    migrator: { user: "storyforge_owner", password: "owner-pw" },
    caFile: "/etc/rds/rds-ca-bundle.pem",
    pgbouncerHost: "pgbouncer.storyforge.svc.cluster.local",
    pgbouncerPort: 6432,
    primaryDatabase: "storyforge",
    replicaDatabase: "storyforge_replica",
    primaryAddress: "primary.rds",
    postgresPort: 5432,
    databaseName: "storyforge",
    redisEndpoint: "clustercfg.redis",
    redisPort: 6379,
    redisToken: "tok",
  };
  const urls = connectionUrls(input);

  test("the app reaches both logical databases through PgBouncer as the app role", () => {
    expect(urls.DATABASE_URL).toBe(
      "postgres://storyforge_app:pw@pgbouncer.storyforge.svc.cluster.local:6432/storyforge",
    );
    expect(urls.DATABASE_REPLICA_URL).toBe(
      "postgres://storyforge_app:pw@pgbouncer.storyforge.svc.cluster.local:6432/storyforge_replica",
    );
  });

  test("migrations connect to the primary directly as the schema owner, verifying RDS's certificate (verify-full)", () => {
    const url = new URL(urls.DATABASE_MIGRATION_URL);
    expect([url.username, url.hostname, url.port, url.pathname]).toEqual([
      "storyforge_owner",
      "primary.rds",
      "5432",
      "/storyforge",
    ]);
    expect(url.searchParams.get("sslmode")).toBe("verify-full");
    expect(url.searchParams.get("sslrootcert")).toBe("/etc/rds/rds-ca-bundle.pem");
  });

  test("node-postgres reads the migration URL as TLS that rejects an unverified server, with the bundle as its CA", () => {
    const dir = mkdtempSync(join(tmpdir(), "storyforge-ca-"));
    try {
      const ca = join(dir, "ca.pem");
      writeFileSync(ca, "-----BEGIN CERTIFICATE-----\nTEST\n-----END CERTIFICATE-----\n");
      const local = connectionUrls({ ...input, caFile: ca });
      const ssl = parse(local.DATABASE_MIGRATION_URL).ssl as { ca?: string; rejectUnauthorized?: boolean };
      expect(ssl.ca).toContain("TEST");
      expect(ssl.rejectUnauthorized).not.toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("Redis is reached over TLS with the auth token", () => {
    expect(urls.REDIS_URL).toBe("rediss://:tok@clustercfg.redis:6379");
  });
});

describe("rollout helpers", () => {
  test("a new image digest names a new migrations Job", () => {
    const a = migrationJobName(`repo@sha256:${"a".repeat(64)}`);
    const b = migrationJobName(`repo@sha256:${"b".repeat(64)}`);
    expect(a).toBe("migrate-aaaaaaaaaaaa");
    expect(a).not.toBe(b);
    expect(() => migrationJobName("repo:latest")).toThrow(/@sha256/);
  });

  test("PDBs leave one disruption at the autoscaler minimum and never drop below one pod", () => {
    expect(pdbMinAvailable(5)).toBe(4);
    expect(pdbMinAvailable(2)).toBe(1);
    expect(pdbMinAvailable(1)).toBe(1);
  });
});

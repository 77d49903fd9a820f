import { PGBOUNCER_SETTINGS } from "../../infra/lib/capacity";
import { pgbouncerIni, userlistLine } from "../../infra/components/pgbouncer";
import { connectionUrls } from "../../infra/components/workloads";
import { migrationJobName, pdbMinAvailable } from "../../infra/lib/app-pods";

describe("PgBouncer configuration", () => {
  const ini = pgbouncerIni({
    primaryHost: "p.rds",
    replicaHosts: ["r1.rds", "r2.rds", "r3.rds"],
    port: 5432,
    dbname: "storyforge",
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
    expect(pgbouncerIni({ primaryHost: "p", replicaHosts: [], port: 5432, dbname: "d" })).toContain(
      "storyforge_replica = host=p port=5432",
    );
  });

  test("TLS to RDS is required and the pooler uses SCRAM against a userlist", () => {
    expect(ini).toContain("\nserver_tls_sslmode = require\n");
    expect(ini).toContain("\nauth_type = scram-sha-256\n");
    expect(userlistLine("app", 'pa"ss')).toBe('"app" "pa""ss"\n');
  });
});

describe("connection strings", () => {
  const urls = connectionUrls({
    user: "storyforge",
    password: "pw",
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
  });

  test("the app reaches both logical databases through PgBouncer", () => {
    expect(urls.DATABASE_URL).toBe("postgres://storyforge:pw@pgbouncer.storyforge.svc.cluster.local:6432/storyforge");
    expect(urls.DATABASE_REPLICA_URL).toBe(
      "postgres://storyforge:pw@pgbouncer.storyforge.svc.cluster.local:6432/storyforge_replica",
    );
  });

  test("migrations connect to the primary directly, over TLS, not through PgBouncer", () => {
    const url = new URL(urls.DATABASE_MIGRATION_URL);
    expect([url.hostname, url.port, url.pathname, url.searchParams.get("sslmode")]).toEqual([
      "primary.rds",
      "5432",
      "/storyforge",
      "no-verify",
    ]);
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

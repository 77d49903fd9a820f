/**
 * The database roles of issue 12, proved on a real PostgreSQL and a real PgBouncer: infra/sql/db-bootstrap.sql runs
 * exactly as the db-bootstrap Job runs it (psql, verifiers from the environment) as a master-like role that, like the
 * RDS master, is no superuser (CREATEROLE, owner of the database); then the app's migrations run as the owner role.
 * Two histories: a new stack (bootstrap, then migrations) and one deployed before the roles existed (migrations as
 * the master, then bootstrap). A PgBouncer started with the program's own pgbouncer.ini logs the app in through
 * auth_query with no app password in its files.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { Client } from "pg";
import { BOOTSTRAP_ENV, DB_ROLES, scramVerifier } from "../../infra/lib/db-roles";
import { pgbouncerIni, userlistLine } from "../../infra/components/pgbouncer";
import { runSql, sharedServices } from "./services";
import { ServerProcess } from "./services/server-process";
import {
  createInstanceDir,
  ensureBinaries,
  freePorts,
  LOOPBACK,
  removeInstanceDir,
  serverUser,
} from "./services/system";

const execFileAsync = promisify(execFile);
const ROOT = join(__dirname, "..", "..");
const MASTER = "storyforge_admin";
const password = () => randomBytes(20).toString("hex");
const passwords = { master: password(), owner: password(), app: password(), pgbouncerAuth: password() };
const verifier = (p: string) => scramVerifier(p, randomBytes(16));

function psqlBinary(): string {
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root) ? readdirSync(root).filter((v) => /^\d+$/.test(v)) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  const candidate = newest === undefined ? "" : join(root, newest, "bin", "psql");
  return existsSync(candidate) ? candidate : "psql";
}

const services = () => sharedServices();
const primary = () => new URL(services().primaryUrl);
const url = (user: string, pass: string, database: string) =>
  `postgres://${user}:${pass}@${primary().hostname}:${primary().port}/${database}`;

/** The Job's command and environment (infra/components/database-access.ts), against the local primary. */
async function bootstrap(database: string): Promise<void> {
  await execFileAsync(
    psqlBinary(),
    ["-X", "-v", "ON_ERROR_STOP=1", "--single-transaction", "-f", join(ROOT, "infra", "sql", "db-bootstrap.sql")],
    {
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        PGHOST: primary().hostname,
        PGPORT: primary().port,
        PGDATABASE: database,
        PGUSER: MASTER,
        PGPASSWORD: passwords.master,
        [BOOTSTRAP_ENV.owner]: verifier(passwords.owner),
        [BOOTSTRAP_ENV.app]: verifier(passwords.app),
        [BOOTSTRAP_ENV.pgbouncerAuth]: verifier(passwords.pgbouncerAuth),
      },
      timeout: 60_000,
    },
  );
}

/** app/migrate.ts as its own process, as the migrations Job runs it. */
async function migrate(databaseUrl: string): Promise<void> {
  await execFileAsync(process.execPath, ["--import", "tsx", join(ROOT, "app", "migrate.ts")], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_MIGRATION_URL: databaseUrl },
    timeout: 120_000,
  });
}

/** The SQLSTATE a statement fails with, or "ok". */
async function outcome(connection: string, sql: string): Promise<string> {
  try {
    await runSql(connection, sql);
    return "ok";
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
}

const databases: string[] = [];
async function newDatabase(label: string): Promise<string> {
  const name = `roles_${label}_${randomBytes(3).toString("hex")}`;
  await runSql(services().superuserUrl, `CREATE DATABASE ${name} OWNER ${MASTER}`);
  databases.push(name);
  return name;
}

beforeAll(async () => {
  // Like the RDS master: may create roles and owns the database, but is no superuser.
  await runSql(
    services().superuserUrl,
    `DO $$ BEGIN
       IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${MASTER}') THEN
         CREATE ROLE ${MASTER} LOGIN CREATEROLE CREATEDB NOSUPERUSER;
       END IF;
     END $$;
     ALTER ROLE ${MASTER} PASSWORD '${passwords.master}';
     DO $$ BEGIN
       IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'storyforge_outsider') THEN
         CREATE ROLE storyforge_outsider LOGIN PASSWORD 'outsider';
       END IF;
     END $$;`,
  );
}, 30_000);

afterAll(async () => {
  for (const name of databases) await runSql(services().superuserUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}, 60_000);

/** Every rule of the three roles, checked on one bootstrapped and migrated database. */
function rolesHold(database: () => string): void {
  const as = (role: keyof typeof passwords) =>
    url(role === "master" ? MASTER : DB_ROLES[role], passwords[role], database());

  test("the app role reads and writes rows", async () => {
    const app = as("app");
    await runSql(app, "INSERT INTO topics (slug, name) VALUES ('roles-test', 'Roles')");
    await runSql(app, "UPDATE topics SET description = 'checked' WHERE slug = 'roles-test'");
    expect(await runSql(app, "SELECT description FROM topics WHERE slug = 'roles-test'")).toEqual([
      { description: "checked" },
    ]);
    await runSql(app, "DELETE FROM topics WHERE slug = 'roles-test'");
  });

  test("the app role can change no schema: no CREATE, ALTER, DROP, TRUNCATE or index", async () => {
    const app = as("app");
    expect(await outcome(app, "CREATE TABLE intruder (id int)")).toBe("42501");
    expect(await outcome(app, "ALTER TABLE topics ADD COLUMN intruder int")).toBe("42501");
    expect(await outcome(app, "DROP TABLE topics")).toBe("42501");
    expect(await outcome(app, "TRUNCATE topics")).toBe("42501");
    expect(await outcome(app, "CREATE INDEX intruder_idx ON topics (name)")).toBe("42501");
    expect(await outcome(app, "SELECT * FROM pgmigrations")).toBe("42501");
    expect(await outcome(app, "SELECT * FROM pgbouncer.auth")).toBe("42501");
  });

  test("the worker's partition maintenance works as the app role, and the partitions belong to the owner", async () => {
    const app = as("app");
    await runSql(app, "SELECT create_month_partition('segments', 2040, 1)");
    const [row] = await runSql<{ owner: string; dml: boolean }>(
      app,
      "SELECT pg_get_userbyid(relowner) AS owner, has_table_privilege('segments_2040_01', 'INSERT, SELECT') AS dml FROM pg_class WHERE relname = 'segments_2040_01'",
    );
    expect(row).toEqual({ owner: DB_ROLES.owner, dml: true });
    expect(await outcome(app, "SELECT create_month_partition('topics', 2040, 1)")).toBe("P0001");
  });

  test("the owner role owns the schema and every table, sequence and function in it", async () => {
    const owner = as("owner");
    const owners = await runSql<{ kind: string; owner: string }>(
      owner,
      `SELECT 'schema' AS kind, nspowner::regrole::text AS owner FROM pg_namespace WHERE nspname = 'public'
       UNION SELECT DISTINCT 'relation', pg_get_userbyid(c.relowner) FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'S', 'v')
       UNION SELECT DISTINCT 'function', pg_get_userbyid(p.proowner) FROM pg_proc p
         JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'
       ORDER BY 1`,
    );
    expect(owners).toEqual([
      { kind: "function", owner: DB_ROLES.owner },
      { kind: "relation", owner: DB_ROLES.owner },
      { kind: "schema", owner: DB_ROLES.owner },
    ]);
    expect(await outcome(owner, "CREATE TABLE owner_may (id int); DROP TABLE owner_may")).toBe("ok");
  });

  test("PgBouncer's auth user reads no table, only the verifiers through its function", async () => {
    const auth = as("pgbouncerAuth");
    expect(await outcome(auth, "SELECT * FROM public.topics")).toBe("42501");
    expect(await outcome(auth, "SELECT * FROM pgbouncer.auth")).toBe("42501");
    expect(await outcome(auth, "CREATE TABLE public.intruder (id int)")).toBe("42501");
    const rows = await runSql<{ usename: string; passwd: string }>(
      auth,
      "SELECT usename, passwd FROM pgbouncer.user_lookup('storyforge_app')",
    );
    expect(rows.map((r) => [r.usename, r.passwd.startsWith("SCRAM-SHA-256$4096:")])).toEqual([
      ["storyforge_app", true],
    ]);
    expect(await runSql(auth, `SELECT * FROM pgbouncer.user_lookup('${MASTER}')`)).toEqual([
      { usename: null, passwd: null },
    ]);
  });

  test("a role that was granted nothing cannot even connect", async () => {
    expect(await outcome(url("storyforge_outsider", "outsider", database()), "SELECT 1")).toBe("42501");
  });

  test("running the bootstrap again changes nothing and keeps every login working", async () => {
    await bootstrap(database());
    for (const role of ["owner", "app", "pgbouncerAuth"] as const) {
      expect(await runSql(as(role), "SELECT current_user AS u")).toEqual([{ u: DB_ROLES[role] }]);
    }
  });
}

describe("a new stack: bootstrap as the master, then the migrations as the owner", () => {
  let database = "";
  beforeAll(async () => {
    database = await newDatabase("new");
    await bootstrap(database);
    await migrate(url(DB_ROLES.owner, passwords.owner, database));
  }, 180_000);
  rolesHold(() => database);
});

describe("a stack deployed before the roles: migrations as the master, bootstrap, migrations as the owner", () => {
  let database = "";
  beforeAll(async () => {
    database = await newDatabase("old");
    await migrate(url(MASTER, passwords.master, database));
    await bootstrap(database);
    await migrate(url(DB_ROLES.owner, passwords.owner, database));
  }, 240_000);
  rolesHold(() => database);
});

describe("PgBouncer with the program's pgbouncer.ini", () => {
  let database = "";
  let dir = "";
  let server: ServerProcess | undefined;
  let port = 0;
  beforeAll(async () => {
    database = await newDatabase("pgb");
    await bootstrap(database);
    await migrate(url(DB_ROLES.owner, passwords.owner, database));
    const bin = await ensureBinaries();
    const runAs = serverUser();
    dir = createInstanceDir("db-roles-pgbouncer", runAs);
    [port] = await freePorts(1);
    // The production file, with only its paths and listener moved for a local process (no TLS on this server), and
    // without load_balance_hosts, which the harness's PgBouncer 1.18 predates (the image runs 1.24).
    const ini = pgbouncerIni({
      primaryHost: LOOPBACK,
      replicaHosts: [],
      port: Number(primary().port),
      dbname: database,
      authUser: DB_ROLES.pgbouncerAuth,
      serverCaFile: null,
    })
      .replaceAll("/etc/pgbouncer/", `${dir}/`)
      .replace(/^listen_addr = .*$/m, `listen_addr = ${LOOPBACK}`)
      .replace(/^listen_port = .*$/m, `listen_port = ${port}`)
      .replace(" load_balance_hosts=round-robin", "");
    writeFileSync(join(dir, "pgbouncer.ini"), ini, { mode: 0o644 });
    writeFileSync(join(dir, "userlist.txt"), userlistLine(DB_ROLES.pgbouncerAuth, passwords.pgbouncerAuth), {
      mode: 0o644,
    });
    server = new ServerProcess({
      label: "pgbouncer (db roles)",
      command: bin.pgbouncer,
      args: [join(dir, "pgbouncer.ini")],
      cwd: dir,
      logFile: join(dir, "pgbouncer.log"),
      runAs,
      stopSignal: "SIGTERM",
      parentDeathSignal: "SIGTERM",
    });
    server.start();
    await server.waitUntil(async () => {
      const probe = new Client({ host: LOOPBACK, port, user: "nobody", password: "x", database: "storyforge" });
      probe.on("error", () => undefined);
      try {
        await probe.connect();
      } catch (err) {
        // Listening: PgBouncer answered (and refused the unknown user).
        if ((err as { code?: string }).code !== "ECONNREFUSED") return true;
        throw err;
      } finally {
        await probe.end().catch(() => undefined);
      }
      return true;
    }, "listening");
  }, 240_000);

  afterAll(async () => {
    await server?.stop();
    if (dir !== "") removeInstanceDir(dir);
  }, 30_000);

  // PgBouncer's logical databases: `storyforge` (the primary) and `storyforge_replica`.
  const through = (user: string, pass: string, logical = "storyforge") =>
    `postgres://${user}:${pass}@${LOOPBACK}:${port}/${logical}`;

  test("the app logs in through PgBouncer with its password, which PgBouncer never holds", async () => {
    for (const logical of ["storyforge", "storyforge_replica"]) {
      expect(await runSql(through(DB_ROLES.app, passwords.app, logical), "SELECT current_user AS u")).toEqual([
        { u: DB_ROLES.app },
      ]);
    }
    expect(await outcome(through(DB_ROLES.app, "wrong"), "SELECT 1")).toBe("08P01");
  });

  test("PgBouncer admits neither the master nor the owner: only the roles its lookup knows", async () => {
    expect(await outcome(through(MASTER, passwords.master), "SELECT 1")).not.toBe("ok");
    expect(await outcome(through(DB_ROLES.owner, passwords.owner), "SELECT 1")).not.toBe("ok");
  });
});

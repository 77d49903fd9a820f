/**
 * The database's roles and how each is authenticated (issue 12 "least privilege"): the SQL the db-bootstrap Job
 * runs as the master user, the SCRAM-SHA-256 verifiers it sets, PgBouncer's auth query, and the RDS CA bundle every
 * client verifies the server with. Pure: tests run the same SQL against a real PostgreSQL (test/app/db-roles.test.ts).
 */
import { createHash, createHmac, pbkdf2Sync } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";

/** Roles the bootstrap creates; infra/sql/db-bootstrap.sql names them the same. */
export const DB_ROLES = {
  /** Migrations, straight to the primary: owns the schema and everything in it. */
  owner: "storyforge_owner",
  /** The API and the worker through PgBouncer: DML on the tables, EXECUTE on the owner's functions. */
  app: "storyforge_app",
  /** PgBouncer's `auth_user`: calls `pgbouncer.user_lookup` and nothing else. */
  pgbouncerAuth: "storyforge_pgbouncer",
} as const;

/** The function the bootstrap creates for PgBouncer's `auth_query` (RDS keeps pg_authid from everyone but rdsadmin). */
export const PGBOUNCER_AUTH_QUERY = "SELECT usename, passwd FROM pgbouncer.user_lookup($1)";

/** Environment variables the bootstrap script reads its verifiers from (psql `\getenv`). */
export const BOOTSTRAP_ENV = {
  owner: "STORYFORGE_OWNER_VERIFIER",
  app: "STORYFORGE_APP_VERIFIER",
  pgbouncerAuth: "STORYFORGE_PGBOUNCER_VERIFIER",
} as const;

const SQL_DIR = join(__dirname, "..", "sql");
const CERTS_DIR = join(__dirname, "..", "certs");

/** infra/sql/db-bootstrap.sql, as the Job runs it. */
export function bootstrapSql(): string {
  return readFileSync(join(SQL_DIR, "db-bootstrap.sql"), "utf8");
}

/** SCRAM-SHA-256 iterations PostgreSQL uses by default (`scram_iterations`). */
export const SCRAM_ITERATIONS = 4096;

/**
 * The verifier PostgreSQL stores for `password` (RFC 5802/7677 as PostgreSQL writes it):
 * `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`. Given to `ALTER ROLE ... PASSWORD` it is stored as
 * is, so the plain password never reaches the database or the bootstrap Job. The generated passwords are
 * printable ASCII without spaces, which SASLprep leaves unchanged.
 */
export function scramVerifier(password: string, salt: Buffer, iterations = SCRAM_ITERATIONS): string {
  if (!/^[\x21-\x7e]+$/.test(password)) throw new Error("scramVerifier: the password must be printable ASCII");
  if (salt.length < 16) throw new Error(`scramVerifier: the salt must be at least 16 bytes, got ${salt.length}`);
  const salted = pbkdf2Sync(password, salt, iterations, 32, "sha256");
  const clientKey = createHmac("sha256", salted).update("Client Key").digest();
  const storedKey = createHash("sha256").update(clientKey).digest();
  const serverKey = createHmac("sha256", salted).update("Server Key").digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString("base64")}$${storedKey.toString("base64")}:${serverKey.toString("base64")}`;
}

/**
 * The RDS certificate authorities (infra/certs/README.md says where they come from), pinned by digest: a changed
 * file is a reviewed change, not a silent one. It holds `rds-ca-rsa2048-g1`, the CA the instances use.
 */
export const RDS_CA_BUNDLE_SHA256 = "26edf290f2d57ebbd5273fb9463b763497a47c14a4712d73ce47da8dc4ad57dc";

export function rdsCaBundle(): string {
  const text = readFileSync(join(CERTS_DIR, "rds-ca-bundle.pem"), "utf8");
  const digest = createHash("sha256").update(text).digest("hex");
  if (digest !== RDS_CA_BUNDLE_SHA256) {
    throw new Error(`infra/certs/rds-ca-bundle.pem has sha256 ${digest}, expected ${RDS_CA_BUNDLE_SHA256}`);
  }
  return text;
}

/** Where pods mount the bundle (the migrations, the bootstrap Job); PgBouncer mounts it beside its config. */
export const RDS_CA_MOUNT_DIR = "/etc/rds";
export const RDS_CA_FILE = "rds-ca-bundle.pem";

import { existsSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "../core/config";
import { runMain } from "../core/main";

/**
 * `npm run migrate`: applies core/migrations/*.sql with node-pg-migrate,
 * directly against the primary (DATABASE_MIGRATION_URL; not through
 * PgBouncer, whose transaction mode would break its advisory lock). The
 * platform runs it as a Kubernetes Job before rolling out the API.
 */
async function main(): Promise<void> {
  const config = loadConfig(process.env, "migrate");
  const databaseUrl = config.databaseUrl;
  // node-pg-migrate 9 is ESM-only; Node >= 20.19 loads it with require()
  const { runner } = await import("node-pg-migrate");
  // core/migrations under tsx; dist/core/migrations in a build (the Dockerfile copies them there)
  const dir = join(__dirname, "..", "core", "migrations");
  if (!existsSync(dir)) throw new Error(`migrations folder ${dir} does not exist`);
  const direction = process.argv[2] === "down" ? "down" : "up";
  const applied = await runner({
    databaseUrl,
    dir,
    direction,
    count: direction === "down" ? 1 : Infinity,
    migrationsTable: "pgmigrations",
    checkOrder: true,
    log: (msg: string) => process.stdout.write(`${JSON.stringify({ level: "info", msg })}\n`),
  });
  process.stdout.write(
    `${JSON.stringify({ level: "info", msg: "migrations applied", direction, count: applied.length })}\n`,
  );
}

runMain({ failed: "migration failed" }, main);

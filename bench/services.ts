// `npm run dev:services`: starts the test harness' services (PostgreSQL primary + replica, PgBouncer, Redis
// Cluster on 127.0.0.1), applies the migrations, adds one topic, prints the environment for the API and the
// worker as `export` lines, and keeps everything up until Ctrl-C (which removes it all).
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { Client } from "pg";
import { startServices } from "../test/app/services";
import { appEnv } from "../test/app/helpers";

async function main(): Promise<void> {
  const svc = await startServices({ name: "dev" });
  const env = appEnv(svc.urls(), {
    LOG_LEVEL: "info",
    PORT: "3000",
    RATE_LIMIT_READ_PER_MIN: "120",
    RATE_LIMIT_WRITE_PER_MIN: "30",
    RATE_LIMIT_SCENE_CREATE_PER_MIN: "20",
  });
  execFileSync(process.execPath, ["--import", "tsx", join(__dirname, "..", "app", "migrate.ts")], {
    env: { ...process.env, DATABASE_MIGRATION_URL: svc.primaryUrl },
    stdio: "inherit",
  });
  const admin = new Client({ connectionString: svc.primaryUrl });
  admin.on("error", () => {});
  await admin.connect();
  await admin.query(
    "INSERT INTO topics (slug, name, description) VALUES ('fantasy', 'Fantasy', 'Dragons and storms') ON CONFLICT (slug) DO NOTHING",
  );
  await admin.end();
  const quote = (v: string) => `'${v.replace(/'/g, "'\\''")}'`;
  process.stdout.write(`\n# services up in ${svc.dir}; paste into the shells of the API and the worker:\n`);
  for (const [k, v] of Object.entries(env)) process.stdout.write(`export ${k}=${quote(v)}\n`);
  process.stdout.write("# Ctrl-C stops and removes the services\n");
  const stop = () => void svc.stop().then(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  setInterval(() => undefined, 60_000);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});

// `npm run bench:enqueue-cost`: where an enqueue's CPU goes in the API process, by taking parts away. The compiled
// API is copied once per variant with one part of the enqueue's path removed (exact replacements in the compiled
// JS, each required to match once), and each variant's enqueue run is set next to a bare Express run made just
// before it, like `npm run bench`. A variant without a part is not a build anyone may run: it drops a guarantee
// (docs/benchmarks.md says which), except the one that answers every enqueue through Express, which is the build
// before the enqueue's fast path. Not a test: nothing here passes or fails, it measures.
import type { ChildProcess } from "node:child_process";
import { cpSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { Client } from "pg";
import { startServices } from "../test/app/services";
import { insertTopic, token } from "../test/app/helpers";
import {
  benchEnv,
  compile,
  cpuSeconds,
  enqueueRequests,
  fmt,
  freePort,
  imageApiFlags,
  insertScenes,
  load,
  migrateCompiled,
  OUT,
  start,
  stop,
} from "./lib";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);

interface Patch {
  file: string;
  from: string;
  to: string;
}

/** The parts taken away, as replacements in the compiled JS (tsc's output of the sources named). */
const PARTS: Record<string, { what: string; patches: Patch[] }> = {
  fastPath: {
    what: "the enqueue's fast path (app/fastpath.ts segmentsFastPath): Express's router answers every enqueue",
    patches: [{ file: "app/server.js", from: "(opts.writeFastPath ?? true) ?", to: "false ?" }],
  },
  log: {
    what: "the access log and request histogram (app/http.ts observe: pino-http)",
    patches: [{ file: "app/http.js", from: "        log(req, res);\n", to: '        req.id = "-";\n' }],
  },
  ryw: {
    what: "the read-your-writes mark (core/ryw.ts: a SET of ryw:{sub} and the signed cookie)",
    patches: [
      {
        file: "app/routes/writes.js",
        from: ", () => (0, http_1.markWrite)(res, ryw));",
        to: ", undefined);",
      },
    ],
  },
  cache: {
    what: "the scene's cache refresh (a SET of cache:scene:{id}) and its invalidation PUBLISH",
    patches: [
      {
        file: "app/services/jobs.js",
        from: "            created\n                ? this.ctx.cache.write(",
        to: "            false\n                ? this.ctx.cache.write(",
      },
    ],
  },
  relay: {
    what: "the relay's BullMQ add (core/relay.ts: an addBulk per batch, BullMQ's job script per job)",
    patches: [{ file: "app/services/jobs.js", from: "this.ctx.relay.push(row)", to: "Promise.resolve()" }],
  },
};

const REDIS = ["ryw", "cache", "relay"];
const VARIANTS: Array<{ name: string; without: string[] }> = [
  { name: "as built", without: [] },
  { name: "through Express", without: ["fastPath"] },
  { name: "without the access log", without: ["log"] },
  { name: "without the read-your-writes mark", without: ["ryw"] },
  { name: "without the scene's cache refresh", without: ["cache"] },
  { name: "without the BullMQ add", without: ["relay"] },
  { name: "without all three Redis parts", without: REDIS },
  { name: "without the Redis parts and the access log", without: [...REDIS, "log"] },
];

/** A copy of the compiled build with `parts` removed; throws naming the replacement that no longer matches. */
function variantBuild(index: number, parts: string[]): string {
  const dir = `${OUT}-variant-${index}`;
  rmSync(dir, { recursive: true, force: true });
  cpSync(OUT, dir, { recursive: true });
  for (const p of parts.flatMap((part) => PARTS[part].patches)) {
    const path = join(dir, p.file);
    const text = readFileSync(path, "utf8");
    const found = text.split(p.from).length - 1;
    if (found !== 1)
      throw new Error(
        `${p.file}: ${JSON.stringify(p.from)} matches ${found} times, not once; update bench/enqueue-cost.ts`,
      );
    writeFileSync(path, text.replace(p.from, p.to));
  }
  return dir;
}

async function main(): Promise<void> {
  process.stdout.write("compiling...\n");
  compile();
  const builds = VARIANTS.map((v, i) => variantBuild(i, v.without));
  process.stdout.write("starting services...\n");
  const svc = await startServices({ name: "bench-enqueue" });
  const children: ChildProcess[] = [];
  try {
    const urls = svc.urls();
    const env = benchEnv(urls);
    migrateCompiled(urls);
    const admin = new Client({ connectionString: urls.superuserUrl });
    admin.on("error", () => {}); // the harness stopping PostgreSQL at the end terminates it
    await admin.connect();
    const scenes = await insertScenes(admin, await insertTopic(async (t, v) => (await admin.query(t, v)).rows), 500);
    await admin.end();
    await svc.waitForReplica();
    const barePort = await freePort();
    children.push(await start("bench/bare-express.js", { PORT: String(barePort) }, /listening/));
    const auth = `Bearer ${token("bench", undefined, 3600)}`;
    const apiFlags = imageApiFlags();

    process.stdout.write("measuring...\n");
    const loadBefore = loadavg()[0];
    const rows: string[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      for (const [i, v] of VARIANTS.entries()) {
        const port = await freePort();
        const api = await start("app/main.js", { ...env, PORT: String(port) }, /api listening/, apiFlags, builds[i]);
        children.push(api);
        const bare = await load("bare", { url: `http://127.0.0.1:${barePort}/x` });
        const cpu0 = cpuSeconds(api.pid as number);
        const enq = await load(v.name, { url: `http://127.0.0.1:${port}`, requests: enqueueRequests(scenes, auth) });
        const cpuUs = ((cpuSeconds(api.pid as number) - cpu0) * 1e6) / enq.total;
        await stop(api);
        rows.push(
          `| ${round} | ${v.name} | ${fmt(enq.rps)} | ${fmt(bare.rps)} | ${fmt((enq.rps / bare.rps) * 100)} % | ${fmt(cpuUs)} | ${enq.non2xx + enq.errors} |`,
        );
        process.stdout.write(`${rows[rows.length - 1]}\n`);
      }
    }
    const report = [
      `Run at ${new Date().toISOString()}, Node ${process.version}, 1-minute load average ${fmt(loadBefore, 1)} when measuring started, ${fmt(loadavg()[0], 1)} at the end.`,
      "",
      "| round | enqueue POST /scenes/:id/segments | req/s | bare Express req/s just before | ratio | API CPU µs per enqueue | non-2xx or errors |",
      "|---:|---|---:|---:|---:|---:|---:|",
      ...rows,
      "",
      ...Object.values(PARTS).map((p) => `- ${p.what}`),
    ].join("\n");
    process.stdout.write(`\n${report}\n`);
  } finally {
    for (const c of children) await stop(c);
    await svc.stop();
    for (const dir of builds) rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);

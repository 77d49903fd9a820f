// `npm run bench`: the API and worker against the local real services (the test harness), side by side
// with same-run baselines: each API run at saturation next to a bare Express run made just before it (one
// baseline at the start moved with the machine's load: 4,200-8,100 req/s in two runs ten minutes apart).
// Prints a table; `npm run bench -- --write` also records it in docs/benchmarks.md.
// Not a test: nothing here passes or fails, it measures.
import type { ChildProcess } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import { Queue } from "bullmq";
import { Client } from "pg";
import { startServices } from "../test/app/services";
import { insertTopic, token, waitFor } from "../test/app/helpers";
import { createRedis } from "../core/redis";
import {
  benchEnv,
  compile,
  CONNECTIONS,
  cpuSeconds,
  DURATION,
  enqueueRequests,
  fmt,
  freePort,
  imageApiFlags,
  insertScenes,
  load,
  migrateCompiled,
  peakRssMb,
  ROOT,
  start,
  stop,
  type Run,
} from "./lib";

const CONCURRENCY = process.env.BENCH_WORKER_CONCURRENCY ?? "8";

async function main(): Promise<void> {
  const write = process.argv.includes("--write");
  process.stdout.write("compiling...\n");
  compile();
  process.stdout.write("starting services...\n");
  const svc = await startServices({ name: "bench" });
  const children: ChildProcess[] = [];
  try {
    const urls = svc.urls();
    const env = benchEnv(urls, { WORKER_CONCURRENCY: CONCURRENCY });
    migrateCompiled(urls);

    // data: one topic, 500 scenes, each with 5 segments
    const admin = new Client({ connectionString: urls.superuserUrl });
    admin.on("error", () => {}); // the harness stopping PostgreSQL at the end terminates it
    await admin.connect();
    const topicId = await insertTopic(async (t, v) => (await admin.query(t, v)).rows, "Bench");
    const scenes = await insertScenes(admin, topicId, 500);
    await admin.query(
      `INSERT INTO segments (scene_id, user_id, sequence, prompt, duration_ms, uri, created_at)
       SELECT s.id, 'bench', q, 'p', 4000, 'scenes/' || s.id || '/' || q || '.ts', now() FROM scenes s, generate_series(1, 5) q WHERE s.topic_id = $1`,
      [topicId],
    );
    await svc.waitForReplica();

    const barePort = await freePort();
    children.push(await start("bench/bare-express.js", { PORT: String(barePort) }, /listening/));
    const apiPort = await freePort();
    // the node flags the image's API runs with; BENCH_API_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles it
    const apiArgs = [...imageApiFlags(), ...(process.env.BENCH_API_NODE_ARGS ?? "").split(" ").filter((a) => a !== "")];
    const api = await start("app/main.js", { ...env, PORT: String(apiPort) }, /api listening/, apiArgs);
    children.push(api);
    const base = `http://127.0.0.1:${apiPort}`;
    const hot = scenes[0];
    await fetch(`${base}/scenes/${hot}`).then((r) => r.text());

    process.stdout.write("measuring...\n");
    // the machine is shared: the load it carried is part of the result
    const loadBefore = loadavg()[0];
    // each run at saturation with the bare Express run made just before it
    const runs: Array<{ run: Run; bare?: Run }> = [];
    const paired = async (name: string, opts: Parameters<typeof load>[1]): Promise<{ run: Run; bare: Run }> => {
      const bare = await load("bare Express JSON route", { url: `http://127.0.0.1:${barePort}/x` });
      const pair = { run: await load(name, opts), bare };
      runs.push(pair);
      return pair;
    };
    const cached = await paired("cached GET /scenes/:id", { url: `${base}/scenes/${hot}` });
    await paired("uncached GET /scenes?topicId= (replica via PgBouncer)", {
      url: `${base}/scenes?topicId=${topicId}&limit=20`,
    });
    const fixed = await load("cached GET /scenes/:id at a fixed 1,000 req/s", {
      url: `${base}/scenes/${hot}`,
      overallRate: 1000,
    });
    runs.push({ run: fixed });
    // which run the peak comes from: the reads alone, or the enqueue after them
    const readRss = peakRssMb(api.pid as number);
    const auth = `Bearer ${token("bench", undefined, 3600)}`;
    const enqueue = await paired("enqueue POST /scenes/:id/segments (202)", {
      url: base,
      requests: enqueueRequests(scenes, auth),
    });
    const apiRss = peakRssMb(api.pid as number);

    // worker: drain what the enqueue run queued; then the no-op baseline drains as many trivial jobs
    const queueRedis = createRedis({
      urls: env.REDIS_URL.split(","),
      cluster: true,
      name: "bench",
      maxRetriesPerRequest: null,
      offlineQueue: true,
    });
    const genQueue = new Queue("generation", { connection: queueRedis, prefix: "{storyforge}" });
    const jobs = (await genQueue.getJobCounts("waiting")).waiting ?? 0;
    const drain = async (
      queue: Queue,
      script: string,
      extraEnv: Record<string, string>,
      n: number,
      nodeArgs: string[] = [],
    ) => {
      const child = await start(script, { ...env, ...extraEnv }, /worker started/, nodeArgs);
      children.push(child);
      const t0 = Date.now();
      // drained when nothing waits or runs: the completed count stops at the queue's removeOnComplete cap
      // (core/queue.ts, 10,000), which a fast enqueue run exceeds
      await waitFor(
        `${script} drained`,
        async () => {
          const c = await queue.getJobCounts("waiting", "active", "delayed", "prioritized");
          return (c.waiting ?? 0) + (c.active ?? 0) + (c.delayed ?? 0) + (c.prioritized ?? 0) === 0;
        },
        600_000,
        100,
      );
      const seconds = (Date.now() - t0) / 1000;
      const failed = (await queue.getJobCounts("failed")).failed ?? 0;
      const cpu = cpuSeconds(child.pid as number);
      await stop(child);
      return { rate: n / seconds, seconds, failed, cpuSeconds: cpu };
    };
    // BENCH_WORKER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the worker
    const real = await drain(
      genQueue,
      "worker/main.js",
      {},
      jobs,
      (process.env.BENCH_WORKER_NODE_ARGS ?? "").split(" ").filter((a) => a !== ""),
    );
    const noopQueue = new Queue("noop", { connection: queueRedis, prefix: "{storyforge}" });
    for (let k = 0; k < jobs; k += 1000) {
      await noopQueue.addBulk(
        Array.from({ length: Math.min(1000, jobs - k) }, (_, j) => ({
          name: "noop",
          data: { n: k + j },
          opts: { removeOnComplete: false },
        })),
      );
    }
    const noop = await drain(noopQueue, "bench/noop-worker.js", { NOOP_QUEUE: "noop" }, jobs);
    await genQueue.close();
    await noopQueue.close();
    queueRedis.disconnect();
    await admin.end();

    const vsBare = (p: { run: Run; bare: Run }) => p.run.rps / p.bare.rps;
    const lines = [
      `| measurement | req/s | p50 ms | p99 ms | bare Express req/s just before | vs bare Express | non-2xx | errors |`,
      `|---|---:|---:|---:|---:|---:|---:|---:|`,
      ...runs.map(
        ({ run: r, bare }) =>
          `| ${r.name} | ${fmt(r.rps)} | ${fmt(r.p50, 1)} | ${fmt(r.p99, 1)} | ${bare === undefined ? "–" : fmt(bare.rps)} | ${bare === undefined ? "–" : fmt(r.rps / bare.rps, 2)} | ${r.non2xx + (bare?.non2xx ?? 0)} | ${r.errors + (bare?.errors ?? 0)} |`,
      ),
      "",
      `| worker | jobs | seconds | jobs/s | vs no-op | failed | worker CPU s |`,
      `|---|---:|---:|---:|---:|---:|---:|`,
      `| no-op BullMQ worker (baseline), concurrency ${CONCURRENCY} | ${jobs} | ${fmt(noop.seconds, 1)} | ${fmt(noop.rate)} | 1.00 | ${noop.failed} | ${fmt(noop.cpuSeconds, 1)} |`,
      `| generation worker (local generator), concurrency ${CONCURRENCY} | ${jobs} | ${fmt(real.seconds, 1)} | ${fmt(real.rate)} | ${fmt(real.rate / noop.rate, 2)} | ${real.failed} | ${fmt(real.cpuSeconds, 1)} |`,
      "",
      `Peak RSS of the API process (VmHWM): ${fmt(apiRss, 1)} MB (${fmt(readRss, 1)} MB after the read runs, before the enqueue run)`,
      "",
      "| target | figure | met |",
      "|---|---|---|",
      // issue 15's targets for the API
      `| cached read >= 75 % of bare Express req/s | ${fmt(vsBare(cached) * 100)} % | ${vsBare(cached) >= 0.75 ? "yes" : "no"} |`,
      `| enqueue >= 25 % of bare Express req/s | ${fmt(vsBare(enqueue) * 100)} % | ${vsBare(enqueue) >= 0.25 ? "yes" : "no"} |`,
      `| p99 < 50 ms at 1,000 req/s | ${fmt(fixed.p99, 1)} ms at ${fmt(fixed.rps)} req/s | ${fixed.p99 < 50 && fixed.rps >= 950 ? "yes" : "no"} |`,
      `| worker >= 35 % of no-op BullMQ jobs/s | ${fmt((real.rate / noop.rate) * 100)} % | ${real.rate / noop.rate >= 0.35 ? "yes" : "no"} |`,
      `| API RSS < 200 MB | ${fmt(apiRss, 1)} MB | ${apiRss < 200 ? "yes" : "no"} |`,
    ];
    const machine =
      `Machine: ${cpus().length} CPUs (${cpus()[0]?.model ?? "?"}), ${fmt(totalmem() / 2 ** 30, 1)} GiB RAM, Node ${process.version}; ` +
      `${DURATION} s per HTTP run, ${CONNECTIONS} connections, autocannon in the same machine; the API run as \`node ${apiArgs.join(" ")}\`; run at ${new Date().toISOString()}; ` +
      `1-minute load average ${fmt(loadBefore, 1)} when measuring started, ${fmt(loadavg()[0], 1)} at the end.`;
    const report = [machine, "", ...lines].join("\n");
    process.stdout.write(`\n${report}\n`);
    if (write) {
      const doc = join(ROOT, "docs", "benchmarks.md");
      let prev = "";
      try {
        prev = readFileSync(doc, "utf8");
      } catch {
        prev = "";
      }
      const marker = "<!-- bench:results -->";
      const block = `${marker}\n${report}\n${marker}`;
      const next = prev.includes(marker)
        ? prev.replace(new RegExp(`${marker}[\\s\\S]*${marker}`), block)
        : `${prev}\n${block}\n`;
      writeFileSync(doc, next);
    }
  } finally {
    for (const c of children) await stop(c);
    await svc.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);

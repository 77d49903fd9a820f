import { Client } from "pg";
import { sharedServices } from "./services";
import { insertTopic, migrate, unique, waitFor, workerContexts } from "./helpers";
import { createGenerator, GENERATOR_PATH, PROMPTS, SECRET_DETAIL } from "./fixtures/generators";
import { killWorkers, startWorker } from "./worker-process";
import type { Context } from "../../core/context";
import { generationJobId, type GenerationJobData } from "../../core/queue";
import { loadPlaylist, PLAYLIST_TARGET_DURATION_S } from "../../core/scenes";
import { CACHE } from "../../core/keys";
import { JobService } from "../../app/services/jobs";
import { SceneService } from "../../app/services/scenes";
import { createGenerationWorker } from "../../worker/worker";
import { runGeneration } from "../../worker/generation";
import type { Generator } from "../../worker/generator";

/** What a job's life looks like from outside: failures, retries, timeouts, bad generator output, the playlist. */
describe("generation jobs: failures, retries, timeouts, generator output and the playlist", () => {
  const urls = sharedServices();
  let admin: Client;
  const sql = async (text: string, values?: unknown[]) =>
    (await admin.query(text, values)).rows as Array<Record<string, unknown>>;
  const contexts = workerContexts(urls, "wj");
  const context = contexts.open;
  let topicId: string;
  const misbehaving = createGenerator();

  const newScene = (ctx: Context) =>
    new SceneService(ctx).create("alice", {
      topicId,
      title: unique("s"),
      description: "",
      tags: [],
      thumbnailUrl: null,
    });
  const enqueue = async (ctx: Context, sceneId: string, prompt: string, sequence?: number) => {
    const r = await new JobService(ctx).enqueue(sceneId, "alice", {
      prompt,
      ...(sequence === undefined ? {} : { sequence }),
    });
    await r.delivered; // the relay's add (core/relay.ts), which the API does not wait for
    return r;
  };
  const jobRow = async (id: string) =>
    (await sql("SELECT status, attempts, error, segment_id, retries, prompt FROM jobs WHERE id = $1", [id]))[0];
  const segmentCount = async (sceneId: string) =>
    Number((await sql("SELECT count(*) AS n FROM segments WHERE scene_id = $1", [sceneId]))[0]?.n);
  /** GET /jobs/:id as the API answers it (cache, then the replica). */
  const publicJob = async (ctx: Context, id: string) =>
    JSON.parse((await new JobService(ctx).get(id, "replica")) ?? "null") as Record<string, unknown> | null;

  beforeAll(async () => {
    await migrate(urls);
    admin = new Client({ connectionString: urls.primaryUrl });
    await admin.connect();
    topicId = await insertTopic(sql, "Jobs");
  }, 90_000);

  afterAll(async () => {
    killWorkers();
    await contexts.close();
    await admin?.end();
  });

  test("a sequence whose job failed for good can be requested again, with the same or a new prompt: the same job then completes", async () => {
    const { ctx } = await context({ JOB_ATTEMPTS: "1" });
    const w = createGenerationWorker(ctx, misbehaving);
    try {
      const scene = await newScene(ctx);
      const first = await enqueue(ctx, scene.id, PROMPTS.fail);
      await waitFor("failed", async () => (await jobRow(first.job.id))?.status === "failed");
      // a different prompt for the failed sequence: accepted, same job, back to queued with fresh attempts
      const again = await enqueue(ctx, scene.id, "a better prompt", 1);
      expect(again).toMatchObject({ created: false, job: { id: first.job.id, sequence: 1, status: "queued" } });
      expect((await publicJob(ctx, first.job.id))?.status).not.toBe("failed");
      await waitFor("completed", async () => (await jobRow(first.job.id))?.status === "completed");
      expect(await jobRow(first.job.id)).toMatchObject({
        retries: 1,
        attempts: 1,
        error: null,
        prompt: "a better prompt",
      });
      expect(await segmentCount(scene.id)).toBe(1);
      expect(await ctx.queue.getJobState(generationJobId(scene.id, 1, 1))).toBe("completed");
      // a completed sequence keeps its prompt
      await expect(enqueue(ctx, scene.id, "yet another", 1)).rejects.toMatchObject({ status: 409 });
    } finally {
      await w.close(1_000);
    }
  });

  test("segments finishing out of order are appended in sequence order: each playlist extends the one before, with the same target duration", async () => {
    const { ctx } = await context();
    const scene = await newScene(ctx);
    const jobs: GenerationJobData[] = [];
    for (const prompt of ["one", "two", "three"]) {
      const { job } = await enqueue(ctx, scene.id, prompt);
      jobs.push((await ctx.queue.getJob(generationJobId(scene.id, job.sequence)))?.data as GenerationJobData);
    }
    const long: Generator = { name: "long", generate: async () => ({ uri: "long.ts", durationMs: 9_600 }) };
    const playlists: string[] = [];
    const published = async () => {
      const fromDb = (await loadPlaylist(ctx.db, scene.id, ctx.config.mediaBaseUrl, "primary")) ?? "";
      expect(JSON.parse((await ctx.redis.get(CACHE.playlist.key(scene.id))) ?? '""')).toBe(fromDb);
      playlists.push(fromDb);
    };
    // 3 finishes first, then 1, then 2
    await runGeneration(ctx, misbehaving, jobs[2], new AbortController().signal);
    await published();
    await runGeneration(ctx, long, jobs[0], new AbortController().signal);
    await published();
    await runGeneration(ctx, misbehaving, jobs[1], new AbortController().signal);
    await published();
    const segmentsIn = (m3u8: string) => m3u8.split("\n").filter((l) => l.startsWith("#EXTINF")).length;
    expect(playlists.map(segmentsIn)).toEqual([0, 1, 3]);
    for (let i = 1; i < playlists.length; i++) expect(playlists[i].startsWith(playlists[i - 1])).toBe(true);
    for (const p of playlists) expect(p).toContain(`#EXT-X-TARGETDURATION:${PLAYLIST_TARGET_DURATION_S}\n`);
    expect(playlists[2]).toContain("#EXTINF:9.600,\n/media/long.ts\n");
  });

  test("a generator that ignores its AbortSignal cannot hold a job past JOB_TIMEOUT_MS, nor hold up shutdown", async () => {
    const { ctx } = await context({ JOB_TIMEOUT_MS: "300", JOB_ATTEMPTS: "2" });
    const w = createGenerationWorker(ctx, misbehaving);
    let closeMs: number | undefined;
    try {
      const scene = await newScene(ctx);
      const { job } = await enqueue(ctx, scene.id, PROMPTS.hang);
      await waitFor("failed after two timed-out attempts", async () => (await jobRow(job.id))?.status === "failed");
      expect(await jobRow(job.id)).toMatchObject({ attempts: 2, error: "generation timed out after 300 ms" });
      // a hanging attempt in flight at shutdown
      await enqueue(ctx, (await newScene(ctx)).id, PROMPTS.hang);
      await waitFor("active", async () => ((await ctx.queue.getJobCounts("active")).active ?? 0) > 0);
    } finally {
      const t0 = Date.now();
      await w.close(1_000);
      closeMs = Date.now() - t0;
    }
    expect(closeMs).toBeLessThan(3_000);
  });

  test("durationMs 0 fails the job at once with a clear public error, never the database's constraint text", async () => {
    const { ctx } = await context({ JOB_ATTEMPTS: "3" });
    const w = createGenerationWorker(ctx, misbehaving);
    try {
      const scene = await newScene(ctx);
      const { job } = await enqueue(ctx, scene.id, PROMPTS.zero);
      await waitFor("failed", async () => (await jobRow(job.id))?.status === "failed");
      const row = await jobRow(job.id);
      expect(row).toMatchObject({
        attempts: 1, // not retried as if it were transient
        error: "the generator returned an invalid segment: durationMs must be from 1 to 10000, got 0",
      });
      const shown = JSON.stringify(await publicJob(ctx, job.id));
      expect(shown).toContain('"status":"failed"');
      expect(shown).not.toMatch(/constraint|violates|duration_ms/);
      expect(await segmentCount(scene.id)).toBe(0);
    } finally {
      await w.close(1_000);
    }
  });

  test("a uri with a line break is refused, so no playlist line can inject #EXT-X-KEY", async () => {
    const { ctx } = await context({ JOB_ATTEMPTS: "1" });
    const w = createGenerationWorker(ctx, misbehaving);
    try {
      const scene = await newScene(ctx);
      const { job } = await enqueue(ctx, scene.id, PROMPTS.inject);
      await waitFor("failed", async () => (await jobRow(job.id))?.status === "failed");
      expect(String((await jobRow(job.id))?.error)).toBe(
        "the generator returned an invalid segment: uri must not contain spaces, line breaks or control characters",
      );
      const m3u8 = (await loadPlaylist(ctx.db, scene.id, ctx.config.mediaBaseUrl, "primary")) ?? "";
      expect(m3u8).not.toContain("EXT-X-KEY");
    } finally {
      await w.close(1_000);
    }
  });

  test("a generator's own error text stays in the log; GET /jobs/:id says only that generation failed", async () => {
    const { ctx } = await context({ JOB_ATTEMPTS: "2" });
    const w = createGenerationWorker(ctx, misbehaving);
    try {
      for (const prompt of [PROMPTS.fail, PROMPTS.refuse]) {
        const { job } = await enqueue(ctx, (await newScene(ctx)).id, prompt);
        await waitFor("failed", async () => (await jobRow(job.id))?.status === "failed");
        expect((await jobRow(job.id))?.error).toBe("generation failed");
        expect(JSON.stringify(await publicJob(ctx, job.id))).not.toContain(SECRET_DETAIL);
      }
    } finally {
      await w.close(1_000);
    }
  });

  test("the worker process exposes a job-duration histogram and the queue depth on /metrics", async () => {
    const { ctx, env } = await context();
    const w = await startWorker({ ...env, GENERATOR: GENERATOR_PATH });
    try {
      const { job } = await enqueue(ctx, (await newScene(ctx)).id, "fine");
      await waitFor("completed", async () => (await jobRow(job.id))?.status === "completed");
      const metrics = (await w.get("/metrics")).text;
      expect(metrics).toMatch(/^job_duration_seconds_count\{queue="generation",outcome="completed"\} 1$/m);
      expect(metrics).toMatch(/^job_duration_seconds_bucket\{le="\+Inf",queue="generation",outcome="completed"\} 1$/m);
      expect(metrics).toMatch(/^redis_queue_depth\{queue="generation"\} 0$/m);
    } finally {
      expect((await w.stop()).code).toBe(0);
    }
  });
});

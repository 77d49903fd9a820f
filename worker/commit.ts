import type { Context } from "../core/context";
import { JOB_COLUMNS, parseJobRow, toJobStatus, type JobRow, type JobStatus } from "../core/jobs";
import { CACHE } from "../core/keys";
import type { GenerationJobData } from "../core/queue";
import { loadScenesAndPlaylists, sceneDocument } from "../core/scenes";
import { Batcher, eachAloneOnFailure } from "../core/batch";
import { FinalJobError, JobError } from "./errors";
import type { GeneratedSegment } from "./generator";

export interface GenerationResult {
  segmentId: string;
  /** False when an earlier attempt had already written the segment (a retry after a crash). */
  inserted: boolean;
}

const J = JOB_COLUMNS.split(", ")
  .map((c) => `j.${c}`)
  .join(", ");

/** Marks jobs active (one more attempt), unless already completed; one statement for the batch. */
const START_JOBS = `
UPDATE jobs j SET status = 'active', attempts = j.attempts + 1, updated_at = now()
  FROM unnest($1::uuid[], $2::timestamptz[]) AS t(id, created_at)
 WHERE j.id = t.id AND j.created_at = t.created_at AND j.status <> 'completed'
RETURNING ${J}`;

/**
 * Segments, scene counters and job statuses of a batch in ONE statement, so one implicit transaction, one
 * round trip, one commit for every job in it. Idempotent on (scene, sequence): every attempt of a job carries
 * the same created_at (the request time), so a replay hits the segments unique key, ON CONFLICT DO NOTHING
 * inserts nothing, and a scene's counters move by exactly the segments inserted for it (summed per scene: an
 * UPDATE ... FROM applies one source row per target row). A job whose segment is neither inserted nor visible
 * (a concurrent attempt's insert still in flight) gets no segment id and its job row is left alone.
 */
const WRITE_SEGMENTS = `
WITH input AS (
  SELECT * FROM unnest($1::uuid[], $2::text[], $3::int[], $4::text[], $5::int[], $6::text[], $7::timestamptz[], $8::uuid[])
    AS t(scene_id, user_id, sequence, prompt, duration_ms, uri, created_at, job_id)
), ins AS (
  INSERT INTO segments (scene_id, user_id, sequence, prompt, duration_ms, uri, created_at)
  SELECT scene_id, user_id, sequence, prompt, duration_ms, uri, created_at FROM input
  ON CONFLICT (scene_id, sequence, created_at) DO NOTHING
  RETURNING id, scene_id, sequence, created_at, duration_ms
), counters AS (
  UPDATE scenes s SET segment_count = s.segment_count + c.n, total_duration_ms = s.total_duration_ms + c.d,
         updated_at = now()
    FROM (SELECT scene_id, count(*)::int AS n, sum(duration_ms) AS d FROM ins GROUP BY scene_id ORDER BY scene_id) c
   WHERE s.id = c.scene_id
  RETURNING s.id
), seg AS (
  SELECT i.job_id, i.created_at, coalesce(n.id, e.id) AS id, n.id IS NOT NULL AS inserted
    FROM input i
    LEFT JOIN ins n ON n.scene_id = i.scene_id AND n.sequence = i.sequence AND n.created_at = i.created_at
    LEFT JOIN segments e
      ON n.id IS NULL AND e.scene_id = i.scene_id AND e.sequence = i.sequence AND e.created_at = i.created_at
), job AS (
  UPDATE jobs j SET status = 'completed', segment_id = seg.id, error = NULL, updated_at = now()
    FROM seg
   WHERE j.id = seg.job_id AND j.created_at = seg.created_at AND seg.id IS NOT NULL
  RETURNING ${J}
)
SELECT seg.job_id, seg.id AS segment_id, seg.inserted, (SELECT row_to_json(job) FROM job WHERE job.id = seg.job_id) AS job
  FROM seg`;

interface WriteRow {
  job_id: string;
  segment_id: string | null;
  inserted: boolean;
  job: (Omit<JobRow, "created_at" | "updated_at"> & { created_at: string; updated_at: string }) | null;
}

export interface Written {
  data: GenerationJobData;
  segment: GeneratedSegment;
}

interface Group {
  /** A job's row marked active (its status published), or null when the row is completed or gone. */
  starts: Batcher<GenerationJobData, JobRow | null>;
  /** A generated segment written, the caches refreshed and the scene indexed. */
  writes: Batcher<Written, GenerationResult>;
  /**
   * The "active" statuses written so far. A job does not wait for its own before generating (one round trip off
   * its path); every later status write of the process waits for it, so "active" never overwrites a newer one.
   */
  published: Promise<void>;
  /** Batch sizes so far (start, write), for bench/worker-trips.ts. */
  sizes: { starts: number[]; writes: number[] };
}

const groups = new WeakMap<Context, Group>();

/** The group commit of one context (one per worker process; tests build several). */
export function groupOf(ctx: Context): Group {
  let g = groups.get(ctx);
  if (g === undefined) {
    const group: Group = {
      starts: new Batcher(
        (items) => eachAloneOnFailure(items, (batch) => startJobs(ctx, group, batch)),
        (d) => d.jobRowId,
      ),
      writes: new Batcher(
        (items) => writeSegments(ctx, group, items),
        (w) => `${w.data.sceneId}/${w.data.sequence}/${w.data.requestedAt}`,
      ),
      published: Promise.resolve(),
      sizes: { starts: [], writes: [] },
    };
    g = group;
    groups.set(ctx, g);
  }
  return g;
}

async function startJobs(ctx: Context, g: Group, items: GenerationJobData[]): Promise<Array<JobRow | null>> {
  if (g.sizes.starts.length < 10_000) g.sizes.starts.push(items.length);
  const rows = await ctx.db.write<JobRow>(START_JOBS, [items.map((d) => d.jobRowId), items.map((d) => d.requestedAt)]);
  // every status of the batch written through and published together (issue 14 item 6b: written, not deleted);
  // never rejects (the cache's breaker answers Redis errors)
  const status = ctx.cache.replaceMany(
    rows.map((r) => ({
      type: "job",
      id: r.id,
      entries: [{ key: CACHE.jobStatus.key(r.id), ttlSec: CACHE.jobStatus.ttl, value: toJobStatus(r) }],
    })),
    // later status writes wait for the write, not for the reply to its invalidation message (core/cache.ts)
    { waitForPublish: false },
  );
  g.published = Promise.all([g.published, status]).then(() => undefined);
  const byId = new Map(rows.map((r) => [r.id, r]));
  return items.map((d) => byId.get(d.jobRowId) ?? null);
}

async function writeSegments(ctx: Context, g: Group, items: Written[]): Promise<Array<GenerationResult | Error>> {
  if (g.sizes.writes.length < 10_000) g.sizes.writes.push(items.length);
  const written = await eachAloneOnFailure(items, async (batch) => {
    const rows = await ctx.db.write<WriteRow>(WRITE_SEGMENTS, [
      batch.map((w) => w.data.sceneId),
      batch.map((w) => w.data.userId),
      batch.map((w) => w.data.sequence),
      batch.map((w) => w.data.prompt),
      batch.map((w) => w.segment.durationMs),
      batch.map((w) => w.segment.uri),
      batch.map((w) => w.data.requestedAt),
      batch.map((w) => w.data.jobRowId),
    ]);
    const byJob = new Map(rows.map((r) => [r.job_id, r]));
    return batch.map((w) => byJob.get(w.data.jobRowId) ?? new JobError("the segment write returned no row"));
  });
  const results = written.map((r): WriteRow | Error => {
    if (r instanceof Error) {
      // 23503: the scene is gone (foreign key); retrying cannot help
      if ((r as { code?: string }).code === "23503") return new FinalJobError("the scene no longer exists");
      return r;
    }
    // a concurrent duplicate attempt still in flight: its insert is not visible to this statement yet; retry later
    if (r.segment_id === null) return new JobError("the segment is being written by another attempt");
    return r;
  });
  const done = items.filter((_, i) => !(results[i] instanceof Error));
  if (done.length > 0) {
    const jobs = new Map<string, JobStatus>();
    for (const r of results)
      if (!(r instanceof Error) && r.job !== null) jobs.set(r.job.id, toJobStatus(parseJobRow(r.job)));
    // committed; a failure from here on fails the attempt and the retry's write is a no-op that refreshes again
    await afterSegments(ctx, g, done, jobs);
  }
  return results.map((r) => (r instanceof Error ? r : { segmentId: r.segment_id as string, inserted: r.inserted }));
}

/**
 * seed 000 §2.3 onSegmentCreated, for a batch: scenes and playlists read from the primary in one statement,
 * written through with every job's status in one pipeline and published one message per scene; then the scenes
 * indexed for search in one request.
 */
async function afterSegments(ctx: Context, g: Group, done: Written[], jobs: Map<string, JobStatus>): Promise<void> {
  const sceneIds = [...new Set(done.map((w) => w.data.sceneId))];
  const fresh = await loadScenesAndPlaylists(ctx.db, sceneIds, ctx.config.mediaBaseUrl, "primary");
  await g.published;
  await ctx.cache.replaceMany(
    sceneIds.map((id) => {
      const f = fresh.get(id);
      const statuses = done
        .filter((w) => w.data.sceneId === id)
        .flatMap((w) => {
          const job = jobs.get(w.data.jobRowId);
          return job === undefined
            ? []
            : [{ key: CACHE.jobStatus.key(job.id), ttlSec: CACHE.jobStatus.ttl, value: job }];
        });
      return {
        type: "scene",
        id,
        entries: [
          { key: CACHE.scene.key(id), ttlSec: CACHE.scene.ttl, value: f?.scene ?? null },
          { key: CACHE.playlist.key(id), ttlSec: CACHE.playlist.ttl, value: f?.playlist ?? null },
          ...statuses,
        ],
      };
    }),
    // the job completes once its writes landed; the messages go out without holding it a round trip
    { waitForPublish: false },
  );
  const docs = [...fresh.values()].map((f) => sceneDocument(f.scene));
  try {
    await ctx.search.indexScenes(docs);
  } catch (err) {
    ctx.logger.warn("search indexing failed", { err, scenes: docs.length });
  }
}

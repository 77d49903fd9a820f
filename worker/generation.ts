import type { Context } from "../core/context";
import { JOB_COLUMNS, parseJobRow, toJobStatus, type JobRow, type JobRowLike } from "../core/jobs";
import { CACHE } from "../core/keys";
import type { GenerationJobData } from "../core/queue";
import { loadSceneAndPlaylist, sceneDocument } from "../core/scenes";
import { FinalJobError, JobError } from "./errors";
import type { Generator } from "./generator";
import { validateSegment } from "./segment";

export interface GenerationResult {
  segmentId: string;
  /** False when an earlier attempt had already written the segment (a retry after a crash). */
  inserted: boolean;
}

/**
 * Segment, scene counters and job status in ONE statement, so one implicit
 * transaction, one round trip. Idempotent on (scene, sequence): every attempt
 * of a job carries the same created_at (the request time), so a replay hits
 * the segments unique key, ON CONFLICT DO NOTHING inserts nothing, and the
 * counters move only when the insert happened.
 */
const WRITE_SEGMENT = `
WITH ins AS (
  INSERT INTO segments (scene_id, user_id, sequence, prompt, duration_ms, uri, created_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7)
  ON CONFLICT (scene_id, sequence, created_at) DO NOTHING
  RETURNING id
), counters AS (
  UPDATE scenes SET segment_count = segment_count + 1, total_duration_ms = total_duration_ms + $5, updated_at = now()
   WHERE id = $1 AND EXISTS (SELECT 1 FROM ins)
  RETURNING id
), seg AS (
  SELECT id FROM ins
  UNION ALL
  SELECT id FROM segments WHERE scene_id = $1 AND sequence = $3 AND created_at = $7 AND NOT EXISTS (SELECT 1 FROM ins)
), job AS (
  UPDATE jobs SET status = 'completed', segment_id = (SELECT id FROM seg LIMIT 1), error = NULL, updated_at = now()
   WHERE id = $8 AND created_at = $7 AND EXISTS (SELECT 1 FROM seg)
  RETURNING ${JOB_COLUMNS}
)
SELECT (SELECT id FROM seg LIMIT 1) AS segment_id,
       EXISTS (SELECT 1 FROM ins) AS inserted,
       (SELECT row_to_json(job) FROM job) AS job`;

/**
 * One generation job: mark it active, generate, write (above), then refresh
 * the caches from the primary and index the scene for search.
 */
export async function runGeneration(
  ctx: Context,
  generator: Generator,
  data: GenerationJobData,
  signal: AbortSignal,
): Promise<GenerationResult> {
  const started = await ctx.db.write<JobRow>(
    `UPDATE jobs SET status = 'active', attempts = attempts + 1, updated_at = now()
      WHERE id = $1 AND created_at = $2 AND status <> 'completed' RETURNING ${JOB_COLUMNS}`,
    [data.jobRowId, data.requestedAt],
  );
  if (started[0] === undefined) {
    // a second delivery of a finished job (requeued after Redis lost it, a duplicate): never generate twice
    const done = await ctx.db.write<{ segment_id: string | null }>(
      "SELECT segment_id FROM jobs WHERE id = $1 AND created_at = $2",
      [data.jobRowId, data.requestedAt],
    );
    if (done[0] === undefined) throw new FinalJobError("the job no longer exists");
    if (done[0].segment_id !== null) return { segmentId: done[0].segment_id, inserted: false };
  } else {
    await publishJobStatus(ctx, started[0]);
  }

  // the generator gets the signal; the attempt ends when it fires whether or not the generator heeds it
  const segment = validateSegment(
    await untilAborted(
      generator.generate({ sceneId: data.sceneId, sequence: data.sequence, prompt: data.prompt, signal }),
      signal,
    ),
  );

  let row:
    | {
        segment_id: string | null;
        inserted: boolean;
        job: (Omit<JobRow, "created_at" | "updated_at"> & { created_at: string; updated_at: string }) | null;
      }
    | undefined;
  try {
    row = (
      await ctx.db.write<NonNullable<typeof row>>(WRITE_SEGMENT, [
        data.sceneId,
        data.userId,
        data.sequence,
        data.prompt,
        segment.durationMs,
        segment.uri,
        data.requestedAt,
        data.jobRowId,
      ])
    )[0];
  } catch (err) {
    // 23503: the scene is gone (foreign key); retrying cannot help
    if ((err as { code?: string }).code === "23503") throw new FinalJobError("the scene no longer exists");
    throw err;
  }
  // a concurrent duplicate attempt still in flight: its insert is not visible to this statement yet; retry later
  if (row?.segment_id === null || row?.segment_id === undefined)
    throw new JobError("the segment is being written by another attempt");
  const job = row.job === null ? null : toJobStatus(parseJobRow(row.job));
  await afterSegment(ctx, data, job);
  return { segmentId: row.segment_id, inserted: row.inserted };
}

/** seed 000 §2.3 onSegmentCreated: scene, playlist and job status refreshed from the primary and published; then the search index. */
async function afterSegment(
  ctx: Context,
  data: GenerationJobData,
  job: ReturnType<typeof toJobStatus> | null,
): Promise<void> {
  const fresh = await loadSceneAndPlaylist(ctx.db, data.sceneId, ctx.config.mediaBaseUrl, "primary");
  await ctx.cache.replace("scene", data.sceneId, [
    { key: CACHE.scene.key(data.sceneId), ttlSec: CACHE.scene.ttl, value: fresh?.scene ?? null },
    { key: CACHE.playlist.key(data.sceneId), ttlSec: CACHE.playlist.ttl, value: fresh?.playlist ?? null },
    ...(job === null ? [] : [{ key: CACHE.jobStatus.key(data.jobRowId), ttlSec: CACHE.jobStatus.ttl, value: job }]),
  ]);
  if (fresh !== null) {
    try {
      await ctx.search.indexScene(sceneDocument(fresh.scene));
    } catch (err) {
      ctx.logger.warn("search indexing failed", { err, sceneId: data.sceneId });
    }
  }
}

/** An attempt failed: the row goes back to queued (a retry follows) or to failed, and its status is published. */
export async function recordFailure(
  ctx: Context,
  data: GenerationJobData,
  final: boolean,
  message: string,
): Promise<void> {
  const rows = await ctx.db.write<JobRow>(
    `UPDATE jobs SET status = $2, error = $3, updated_at = now()
      WHERE id = $1 AND created_at = $4 AND status <> 'completed' RETURNING ${JOB_COLUMNS}`,
    [data.jobRowId, final ? "failed" : "queued", message, data.requestedAt],
  );
  if (rows[0] !== undefined) await publishJobStatus(ctx, rows[0]);
}

/**
 * Writes a job's status, read from the primary, through to `cache:job:{id}:status` and publishes the key
 * (issue 14 item 6b): deleting it instead let the next poll refill it from a lagging replica, showing a
 * final failure as "active" for the key's 60 s.
 */
export async function publishJobStatus(ctx: Context, row: JobRowLike): Promise<void> {
  await ctx.cache.replace("job", row.id, [
    { key: CACHE.jobStatus.key(row.id), ttlSec: CACHE.jobStatus.ttl, value: toJobStatus(parseJobRow(row)) },
  ]);
}

/** Settles as `p`, or rejects with the signal's reason as soon as it fires (the later outcome of `p` is dropped). */
export function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  p.catch(() => undefined); // an abandoned generator's late failure must not become an unhandled rejection
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

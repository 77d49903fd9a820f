import { Batcher, eachAloneOnFailure } from "../../core/batch";
import type { Context } from "../../core/context";
import { isConnectionError } from "../../core/db";
import { JOB_COLUMNS, type JobRow } from "../../core/jobs";
import { SCENE_COLUMNS, toScene, type Scene, type SceneRow } from "../../core/scenes";

/** One enqueue's common case: the next sequence of one's own scene. */
export interface TakeNext {
  /** The new job's id (ours, so a commit whose answer was lost can be looked up). */
  jobId: string;
  sceneId: string;
  userId: string;
  prompt: string;
  /** The sequence asked for, if any: taken only if it is the next one. */
  sequence?: number;
}

/** The committed job and the scene as the same statement left it. */
export interface Taken {
  row: JobRow;
  scene: Scene;
}

const S = SCENE_COLUMNS.split(", ")
  .map((c) => `s.${c}`)
  .join(", ");

/**
 * The common case of every enqueue of a batch in ONE statement (one round trip, one commit): each input row's
 * scene takes its next sequence and gets its job, if the scene exists, the caller created it and the requested
 * sequence (if any) is the next one; an input row without a match writes nothing and returns no row.
 * `locked` takes the scenes' row locks in id order and SKIPS a scene whose row another transaction holds (a
 * transaction-path enqueue, the worker's counters): that request falls back to the transaction path and waits
 * there alone, instead of holding up the whole batch, and the batch never waits for a lock, so it cannot
 * deadlock on one. NO KEY UPDATE, as the UPDATE itself takes: it does not conflict with the KEY SHARE locks of
 * other transactions' foreign-key checks (a segment or job being inserted for the scene). The UPDATE then runs
 * on the latest committed row (READ COMMITTED), so concurrent requests for one scene still take consecutive
 * sequences. No scene appears twice in a batch (the Batcher's key), so an UPDATE ... FROM never has two source
 * rows for one scene.
 */
const TAKE_NEXT = `
WITH input AS (
  SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int[], $5::uuid[])
    AS t(scene_id, user_id, prompt, sequence, job_id)
), locked AS MATERIALIZED (
  SELECT s.id FROM scenes s JOIN input i ON i.scene_id = s.id AND i.user_id = s.user_id
   ORDER BY s.id FOR NO KEY UPDATE OF s SKIP LOCKED
), u AS (
  UPDATE scenes s SET last_sequence = s.last_sequence + 1, updated_at = now()
    FROM input i
   WHERE s.id = i.scene_id AND s.id IN (SELECT id FROM locked) AND s.user_id = i.user_id
     AND (i.sequence IS NULL OR s.last_sequence + 1 = i.sequence)
  RETURNING ${S}, i.job_id, i.prompt AS job_prompt
), j AS (
  INSERT INTO jobs (id, scene_id, sequence, user_id, prompt)
  SELECT job_id, id, last_sequence, user_id, job_prompt FROM u
  RETURNING ${JOB_COLUMNS}
)
SELECT u.job_id, row_to_json(u) AS scene, row_to_json(j) AS job FROM u JOIN j ON j.id = u.job_id`;

type Json = Record<string, unknown>;
const dates = (o: Json): Json => ({
  ...o,
  created_at: new Date(o.created_at as string),
  updated_at: new Date(o.updated_at as string),
});

async function takeBatch(ctx: Context, items: TakeNext[]): Promise<Array<Taken | undefined>> {
  let rows: Array<{ job_id: string; scene: Json; job: Json }>;
  try {
    rows = await ctx.db.write(TAKE_NEXT, [
      items.map((t) => t.sceneId),
      items.map((t) => t.userId),
      items.map((t) => t.prompt),
      items.map((t) => t.sequence ?? null),
      items.map((t) => t.jobId),
    ]);
  } catch (err) {
    ctx.metrics.enqueueBatch.observe({ outcome: "failed" }, items.length);
    throw err;
  }
  ctx.metrics.enqueueBatch.observe({ outcome: "committed" }, items.length);
  const byJob = new Map(rows.map((r) => [r.job_id, r]));
  return items.map((t) => {
    const r = byJob.get(t.jobId);
    if (r === undefined) return undefined;
    return { row: dates(r.job) as unknown as JobRow, scene: toScene(dates(r.scene) as unknown as SceneRow) };
  });
}

const batchers = new WeakMap<Context, Batcher<TakeNext, Taken | undefined>>();

/**
 * The group commit of enqueues (one per API context): concurrent requests' common cases go out as one TAKE_NEXT,
 * each caller getting its own job, or undefined ("not the common case: take the transaction path", nothing
 * written). A statement error fails only the item that causes it (the batch is retried item by item); a
 * connection error fails every item of the batch with it, and each caller's lost-commit lookup
 * (JobService.committed) finds out whether its own job committed. One scene's requests never share a batch.
 */
export function takeNext(ctx: Context, item: TakeNext): Promise<Taken | undefined> {
  let b = batchers.get(ctx);
  if (b === undefined) {
    b = new Batcher(
      (items) => eachAloneOnFailure(items, (batch) => takeBatch(ctx, batch), isConnectionError),
      (t) => t.sceneId,
    );
    batchers.set(ctx, b);
  }
  return b.run(item);
}

import type { Context } from "../core/context";
import { JOB_COLUMNS, parseJobRow, toJobStatus, type JobRow, type JobRowLike } from "../core/jobs";
import { CACHE } from "../core/keys";
import type { GenerationJobData } from "../core/queue";
import { groupOf, type GenerationResult } from "./commit";
import { FinalJobError } from "./errors";
import type { Generator } from "./generator";
import { validateSegment } from "./segment";

export type { GenerationResult };

/**
 * One generation job: mark it active, generate, write, then refresh the caches from the primary and index the
 * scene for search. The database and Redis work is group-committed with the process's other jobs
 * (worker/commit.ts): N concurrent jobs share each round trip.
 */
export async function runGeneration(
  ctx: Context,
  generator: Generator,
  data: GenerationJobData,
  signal: AbortSignal,
): Promise<GenerationResult> {
  const group = groupOf(ctx);
  const started = await group.starts.run(data);
  if (started === null) {
    // a second delivery of a finished job (requeued after Redis lost it, a duplicate): never generate twice
    const done = await ctx.db.write<{ segment_id: string | null }>(
      "SELECT segment_id FROM jobs WHERE id = $1 AND created_at = $2",
      [data.jobRowId, data.requestedAt],
    );
    if (done[0] === undefined) throw new FinalJobError("the job no longer exists");
    if (done[0].segment_id !== null) return { segmentId: done[0].segment_id, inserted: false };
  }

  // the generator gets the signal; the attempt ends when it fires whether or not the generator heeds it
  const segment = validateSegment(
    await untilAborted(
      generator.generate({ sceneId: data.sceneId, sequence: data.sequence, prompt: data.prompt, signal }),
      signal,
    ),
  );
  return group.writes.run({ data, segment });
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
  if (rows[0] === undefined) return;
  // after the attempt's "active", which the attempt did not wait for (worker/commit.ts)
  await groupOf(ctx).published;
  await publishJobStatus(ctx, rows[0]);
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

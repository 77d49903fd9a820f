import type { Context } from "../core/context";
import { generationJobId, jobDataOf, type GenerationJobData } from "../core/queue";
import { recordFailure } from "./generation";

export interface RequeueResult {
  /** Unfinished rows old enough to be looked at. */
  checked: number;
  /** Rows BullMQ no longer held, added back under their deterministic id. */
  requeued: number;
  /** Rows BullMQ had failed for good whose failure never reached PostgreSQL, recorded now. */
  failed: number;
}

interface Candidate {
  id: string;
  scene_id: string;
  sequence: number;
  user_id: string;
  prompt: string;
  status: "queued" | "active";
  attempts: number;
  retries: number;
  created_at: Date;
}

/** Candidates per pass; the oldest first, so a large backlog is worked through across passes. */
const BATCH = 500;

/**
 * The requeue pass (issue 14 item 2). The jobs row, committed before the API answers 202, is the durable
 * record of an accepted job; BullMQ is only its delivery. So every unfinished row (queued or active) that has
 * not changed for JOB_REQUEUE_AFTER_MS is checked against BullMQ, and one BullMQ no longer holds (the add
 * failed, Redis lost its data, a FLUSHALL) is added back under its deterministic id `gen-<scene>-<seq>`:
 * adding an id BullMQ still holds is a no-op, so the pass is safe to run on every worker at once and as often
 * as wanted. An active row is looked at only after JOB_TIMEOUT_MS more (the attempt that set it has ended by
 * then: the timeout is enforced), so a job is never handed out while an attempt of it still runs. Running
 * it twice anyway could not write twice: the segment write is idempotent and a completed row is skipped.
 */
export async function requeueLost(ctx: Context): Promise<RequeueResult> {
  const cfg = ctx.config;
  const rows = await ctx.db.write<Candidate>(
    `SELECT id, scene_id, sequence, user_id, prompt, status, attempts, retries, created_at
       FROM jobs
      WHERE status IN ('queued', 'active')
        AND updated_at < now() - make_interval(secs => $1 / 1000.0)
        AND updated_at < now() - make_interval(secs => (CASE WHEN status = 'active' THEN $2 ELSE $1 END) / 1000.0)
        AND (queue_checked_at IS NULL OR queue_checked_at < now() - make_interval(secs => $1 / 1000.0))
      ORDER BY updated_at
      LIMIT ${BATCH}`,
    [cfg.jobRequeueAfterMs, Math.max(cfg.jobRequeueAfterMs, cfg.jobTimeoutMs + 5_000)],
  );
  const result: RequeueResult = { checked: rows.length, requeued: 0, failed: 0 };
  if (rows.length === 0) return result;

  const states = await Promise.all(
    rows.map((r) => ctx.queue.getJobState(generationJobId(r.scene_id, r.sequence, r.retries))),
  );
  const lost = rows.filter((_, i) => states[i] === "unknown");
  const failed = rows.filter((_, i) => states[i] === "failed");
  if (lost.length > 0) {
    await ctx.queue.addBulk(
      lost.map((r) => ({
        name: "generate",
        data: jobDataOf(r) satisfies GenerationJobData,
        opts: {
          jobId: generationJobId(r.scene_id, r.sequence, r.retries),
          // the attempts already spent stay spent (jobs.attempts counts every attempt that started)
          attempts: Math.max(1, cfg.jobAttempts - r.attempts),
        },
      })),
    );
    result.requeued = lost.length;
    ctx.metrics.jobsRequeued.inc(lost.length);
    ctx.logger.warn("requeued accepted jobs BullMQ no longer held", {
      jobs: lost.length,
      first: lost[0].id,
    });
  }
  for (const row of failed) {
    // BullMQ's failedReason is the raw error; the public words were lost with the write that failed
    await recordFailure(ctx, jobDataOf(row), true, "generation failed");
  }
  result.failed = failed.length;
  await ctx.db.write(
    `UPDATE jobs SET queue_checked_at = now()
      WHERE (id, created_at) IN (SELECT * FROM unnest($1::uuid[], $2::timestamptz[]))`,
    [rows.map((r) => r.id), rows.map((r) => r.created_at)],
  );
  return result;
}

import { randomUUID } from "node:crypto";
import type { Context } from "../../core/context";
import type { Target } from "../../core/db";
import { HttpError, notFound } from "../../core/errors";
import { CACHE } from "../../core/keys";
import { JOB_COLUMNS as COLUMNS, loadJobStatus, toJobStatus, type JobRow, type JobStatus } from "../../core/jobs";
import { isConnectionError } from "../../core/db";
import { loadScene, SCENE_COLUMNS, toScene, type Scene, type SceneRow } from "../../core/scenes";
import { takeNext } from "./take-next";

export class JobService {
  constructor(private readonly ctx: Context) {}

  /**
   * Requests segment `sequence` of a scene (the next one when omitted).
   * Idempotent: the same (scene, sequence, prompt) again returns the same job
   * and re-adds it to BullMQ under its deterministic id, which BullMQ ignores
   * if the job is already there; the same sequence with another prompt is a
   * 409. The scene row lock serialises concurrent requests for one scene.
   *
   * Accepted means committed (issue 14 item 2): once the jobs row is in PostgreSQL the answer is 202 and the
   * job runs exactly once, whether or not the BullMQ add works now; the worker's requeue pass adds every
   * unfinished row BullMQ does not hold. A 503 therefore means one thing: nothing was accepted.
   */
  async enqueue(
    sceneId: string,
    userId: string,
    input: { prompt: string; sequence?: number },
    /** Runs once the job is committed, alongside the queue add (the route's read-your-writes mark). */
    afterCommit?: () => Promise<unknown>,
  ): Promise<{ job: JobStatus; created: boolean; delivered: Promise<void> }> {
    // our own id, so a commit whose answer was lost can be looked up (below)
    const newId = randomUUID();
    let fresh: Scene | undefined;
    const { row, created, retried } = await this.committed(newId, async () => {
      // the common case, the next sequence of one's own scene, in one statement shared with the concurrent
      // requests for other scenes (one round trip, one commit for the lot: take-next.ts)
      const next = await takeNext(this.ctx, { jobId: newId, sceneId, userId, ...input });
      if (next !== undefined) {
        fresh = next.scene;
        return { row: next.row, created: true, retried: false };
      }
      // anything else (no such scene, not the creator, an earlier or a wrong sequence) in the transaction below,
      // which tells which it is: nothing was written above
      return this.ctx.db.tx(async (client) => {
        const scene = await client.query<{ last_sequence: number; user_id: string }>(
          "SELECT last_sequence, user_id FROM scenes WHERE id = $1 FOR UPDATE",
          [sceneId],
        );
        const last = scene.rows[0]?.last_sequence;
        if (last === undefined) throw notFound("scene", sceneId);
        // only the scene's creator adds segments; checked before any sequence is looked at or taken
        if (scene.rows[0]?.user_id !== userId)
          throw new HttpError("forbidden", "only the scene's creator may add segments to it", "authorization");
        const sequence = input.sequence ?? last + 1;
        if (sequence <= last) {
          const existing = await client.query<JobRow>(
            `SELECT ${COLUMNS} FROM jobs WHERE scene_id = $1 AND sequence = $2 ORDER BY created_at LIMIT 1`,
            [sceneId, sequence],
          );
          const job = existing.rows[0];
          if (job === undefined)
            throw new HttpError("conflict", `sequence ${sequence} of scene ${sceneId} is not available`, "sequence");
          if (job.status === "failed") {
            // issue 14 item 7: a sequence whose job failed for good may be requested again, with this or a new
            // prompt: the same job goes back to queued with fresh attempts and a BullMQ id of its own
            const retried = await client.query<JobRow>(
              `UPDATE jobs SET status = 'queued', prompt = $3, attempts = 0, error = NULL, segment_id = NULL,
                      retries = retries + 1, queue_checked_at = NULL, updated_at = now()
                WHERE id = $1 AND created_at = $2 RETURNING ${COLUMNS}`,
              [job.id, job.created_at, input.prompt],
            );
            return { row: retried.rows[0], created: false, retried: true };
          }
          if (job.prompt !== input.prompt)
            throw new HttpError(
              "conflict",
              `sequence ${sequence} was already requested with another prompt`,
              "sequence",
            );
          return { row: job, created: false, retried: false };
        }
        if (sequence !== last + 1)
          throw new HttpError(
            "conflict",
            `sequence must be ${last + 1} (the next segment), got ${sequence}`,
            "sequence",
          );
        // the scene as it now is, for the cache refresh below (no second read after the commit)
        const updated = await client.query<SceneRow>(
          `UPDATE scenes SET last_sequence = $2, updated_at = now() WHERE id = $1 RETURNING ${SCENE_COLUMNS}`,
          [sceneId, sequence],
        );
        fresh = toScene(updated.rows[0]);
        const inserted = await client.query<JobRow>(
          `INSERT INTO jobs (id, scene_id, sequence, user_id, prompt) VALUES ($1, $2, $3, $4, $5) RETURNING ${COLUMNS}`,
          [newId, sceneId, sequence, userId, input.prompt],
        );
        return { row: inserted.rows[0], created: true, retried: false };
      });
    });
    // the scene's lastSequence moved: refresh its cached copy from the primary (not a lagging replica), in the
    // same round trip as the route's read-your-writes mark. The write lands before the job goes to the relay, so
    // the worker's later refresh (with the segment) is never overwritten by this one.
    const [written] = await Promise.all([
      created
        ? this.ctx.cache.write("scene", sceneId, [
            // (a commit whose answer was lost, found by committed(), has no row from the transaction: read it)
            {
              key: CACHE.scene.key(sceneId),
              ttlSec: CACHE.scene.ttl,
              value: fresh ?? (await loadScene(this.ctx.db, sceneId, "primary")),
            },
          ])
        : undefined,
      afterCommit?.(),
    ]);
    if (retried) {
      // the cached status still says failed: write the fresh one through (a replica read would say failed too)
      await this.ctx.cache.replace("job", row.id, [
        { key: CACHE.jobStatus.key(row.id), ttlSec: CACHE.jobStatus.ttl, value: toJobStatus(row) },
      ]);
    }
    // delivery to BullMQ, batched and off the response path (core/relay.ts); the committed row is the guarantee
    const delivered = row.status !== "completed" ? this.ctx.relay.push(row) : Promise.resolve();
    // not waited for: PUBLISH's reply says the node took the message, not that any instance has dropped its copy
    // (delivery to subscribers is asynchronous either way), so it carries nothing the 202 could promise. It goes
    // after the write above, so no instance refills its copy with the old value. Never rejects (the breaker).
    void written?.publish();
    // `delivered` settles once the relay sent (or gave up on) the BullMQ add; the route does not wait for it
    return { job: toJobStatus(row), created, delivered };
  }

  /**
   * Runs the enqueue transaction; when it fails on the connection (the database went away, possibly during
   * COMMIT) asks the primary whether job `id` exists after all. So a 503 only ever answers a transaction that
   * did not commit. (Should the primary stay unreachable for that question too, the request is answered 503
   * and, had it committed, repeating it with the same sequence returns the job.)
   */
  private async committed<T>(
    id: string,
    tx: () => Promise<T>,
  ): Promise<T | { row: JobRow; created: true; retried: false }> {
    try {
      return await tx();
    } catch (err) {
      if (err instanceof HttpError || !isConnectionError(err)) throw err;
      const found = await this.ctx.db
        .read<JobRow>(`SELECT ${COLUMNS} FROM jobs WHERE id = $1`, [id], "primary")
        .catch(() => []);
      if (found[0] !== undefined) return { row: found[0], created: true, retried: false };
      this.ctx.logger.warn("enqueue not accepted: the database transaction did not commit", { err });
      throw new HttpError("unavailable", "the request was not accepted (the database is unavailable); repeat it");
    }
  }

  /** Job status, cache-aside under `cache:job:{id}:status` (60 s; the worker invalidates it on every change). */
  async get(id: string, target: Target): Promise<string | null> {
    return this.ctx.cache.getJson(CACHE.jobStatus.key(id), CACHE.jobStatus.ttl, () =>
      loadJobStatus(this.ctx.db, id, target),
    );
  }
}

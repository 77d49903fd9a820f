import type { Context } from "../../core/context";
import type { Target } from "../../core/db";
import { HttpError, notFound } from "../../core/errors";
import { CACHE } from "../../core/keys";
import { JOB_COLUMNS as COLUMNS, loadJobStatus, toJobStatus, type JobRow, type JobStatus } from "../../core/jobs";
import { generationJobId, type GenerationJobData } from "../../core/queue";
import { SCENE_COLUMNS, toScene, type Scene, type SceneRow } from "../../core/scenes";
import { withTimeout } from "../../core/timeout";

export class JobService {
  constructor(private readonly ctx: Context) {}

  /**
   * Requests segment `sequence` of a scene (the next one when omitted).
   * Idempotent: the same (scene, sequence, prompt) again returns the same job
   * and re-adds it to BullMQ under its deterministic id, which BullMQ ignores
   * if the job is already there; the same sequence with another prompt is a
   * 409. The scene row lock serialises concurrent requests for one scene.
   */
  async enqueue(
    sceneId: string,
    userId: string,
    input: { prompt: string; sequence?: number },
  ): Promise<{ job: JobStatus; created: boolean }> {
    let fresh: Scene | undefined;
    const { row, created } = await this.ctx.db.tx(async (client) => {
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
        if (job.prompt !== input.prompt)
          throw new HttpError("conflict", `sequence ${sequence} was already requested with another prompt`, "sequence");
        return { row: job, created: false };
      }
      if (sequence !== last + 1)
        throw new HttpError("conflict", `sequence must be ${last + 1} (the next segment), got ${sequence}`, "sequence");
      // the scene as it now is, for the cache refresh below (no second read after the commit)
      const updated = await client.query<SceneRow>(
        `UPDATE scenes SET last_sequence = $2, updated_at = now() WHERE id = $1 RETURNING ${SCENE_COLUMNS}`,
        [sceneId, sequence],
      );
      fresh = toScene(updated.rows[0]);
      const inserted = await client.query<JobRow>(
        `INSERT INTO jobs (scene_id, sequence, user_id, prompt) VALUES ($1, $2, $3, $4) RETURNING ${COLUMNS}`,
        [sceneId, sequence, userId, input.prompt],
      );
      return { row: inserted.rows[0], created: true };
    });
    if (created) {
      // the scene's lastSequence moved: refresh its cached copy from the primary (not a lagging replica)
      await this.ctx.cache.replace("scene", sceneId, [
        { key: CACHE.scene.key(sceneId), ttlSec: CACHE.scene.ttl, value: fresh ?? null },
      ]);
    }
    if (row.status !== "completed") await this.add(row);
    return { job: toJobStatus(row), created };
  }

  private async add(row: JobRow): Promise<void> {
    const data: GenerationJobData = {
      jobRowId: row.id,
      sceneId: row.scene_id,
      sequence: row.sequence,
      userId: row.user_id,
      prompt: row.prompt,
      requestedAt: row.created_at.toISOString(),
    };
    try {
      // bounded: while Redis reconnects BullMQ may wait for its connection indefinitely
      await withTimeout(
        this.ctx.queue.add("generate", data, { jobId: generationJobId(row.scene_id, row.sequence) }),
        5_000,
        "enqueue",
      );
    } catch (err) {
      this.ctx.logger.warn("enqueue failed; the request can be repeated with the same sequence", {
        err,
        jobId: row.id,
      });
      throw new HttpError(
        "unavailable",
        `the generation queue is unavailable; repeat the request with "sequence": ${row.sequence}`,
      );
    }
  }

  /** Job status, cache-aside under `cache:job:{id}:status` (60 s; the worker invalidates it on every change). */
  async get(id: string, target: Target): Promise<string | null> {
    return this.ctx.cache.getJson(CACHE.jobStatus.key(id), CACHE.jobStatus.ttl, () =>
      loadJobStatus(this.ctx.db, id, target),
    );
  }
}

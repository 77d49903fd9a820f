import { UnrecoverableError } from "bullmq";
import type { Context } from "../app/core/context";
import { loadJobStatus } from "../app/core/jobs";
import { CACHE } from "../app/core/keys";
import type { GenerationJobData } from "../app/core/queue";
import { loadPlaylist, loadScene, sceneDocument } from "../app/core/scenes";
import type { Generator } from "./generator";

export interface GenerationResult {
  segmentId: string;
  /** False when an earlier attempt had already written the segment (a retry after a crash). */
  inserted: boolean;
}

/**
 * One generation job: generate, then write the segment and the scene's
 * counters in ONE transaction, idempotent on (scene, sequence) through the
 * segments unique key and ON CONFLICT DO NOTHING: every attempt of a job uses
 * the same created_at (the request time), so a replay hits the same key and
 * changes nothing. Then refresh caches and the search index.
 */
export async function runGeneration(ctx: Context, generator: Generator, data: GenerationJobData, signal: AbortSignal): Promise<GenerationResult> {
  await ctx.db.write("UPDATE jobs SET status = 'active', attempts = attempts + 1, updated_at = now() WHERE id = $1 AND status <> 'completed'", [data.jobRowId]);
  await refreshJobStatus(ctx, data.jobRowId);

  const segment = await generator.generate({ sceneId: data.sceneId, sequence: data.sequence, prompt: data.prompt, signal });
  if (signal.aborted) throw signal.reason;

  const result = await ctx.db.tx(async (client) => {
    const ins = await client.query<{ id: string }>(
      `INSERT INTO segments (scene_id, user_id, sequence, prompt, duration_ms, uri, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (scene_id, sequence, created_at) DO NOTHING
       RETURNING id`,
      [data.sceneId, data.userId, data.sequence, data.prompt, segment.durationMs, segment.uri, data.requestedAt],
    );
    let segmentId = ins.rows[0]?.id;
    const inserted = segmentId !== undefined;
    if (inserted) {
      const scene = await client.query(
        "UPDATE scenes SET segment_count = segment_count + 1, total_duration_ms = total_duration_ms + $2, updated_at = now() WHERE id = $1",
        [data.sceneId, segment.durationMs],
      );
      if (scene.rowCount === 0) throw new UnrecoverableError(`scene ${data.sceneId} no longer exists`);
    } else {
      const existing = await client.query<{ id: string }>("SELECT id FROM segments WHERE scene_id = $1 AND sequence = $2 AND created_at = $3", [data.sceneId, data.sequence, data.requestedAt]);
      segmentId = existing.rows[0]?.id;
      if (segmentId === undefined) throw new Error(`segment ${data.sceneId}/${data.sequence} conflicted but cannot be read`);
    }
    await client.query("UPDATE jobs SET status = 'completed', segment_id = $2, error = NULL, updated_at = now() WHERE id = $1", [data.jobRowId, segmentId]);
    return { segmentId, inserted };
  });

  await afterSegment(ctx, data);
  return result;
}

/** seed 000 §2.3 onSegmentCreated: the scene and its playlist, refreshed from the primary and published; then the search index. */
async function afterSegment(ctx: Context, data: GenerationJobData): Promise<void> {
  const scene = await loadScene(ctx.db, data.sceneId, "primary");
  const playlist = await loadPlaylist(ctx.db, data.sceneId, ctx.config.mediaBaseUrl, "primary");
  await ctx.cache.replace("scene", data.sceneId, [
    { key: CACHE.scene.key(data.sceneId), ttlSec: CACHE.scene.ttl, value: scene },
    { key: CACHE.playlist.key(data.sceneId), ttlSec: CACHE.playlist.ttl, value: playlist },
  ]);
  await refreshJobStatus(ctx, data.jobRowId);
  if (scene !== null) {
    try {
      await ctx.search.indexScene(sceneDocument(scene));
    } catch (err) {
      ctx.logger.warn("search indexing failed", { err, sceneId: data.sceneId });
    }
  }
}

export async function refreshJobStatus(ctx: Context, jobRowId: string): Promise<void> {
  const value = await loadJobStatus(ctx.db, jobRowId, "primary");
  await ctx.cache.replace("job", jobRowId, [{ key: CACHE.jobStatus.key(jobRowId), ttlSec: CACHE.jobStatus.ttl, value }]);
}

import type { Context } from "../../core/context";
import type { Target } from "../../core/db";
import { decodeCursor, encodeCursor } from "../../core/cursor";
import { badRequest } from "../../core/errors";
import { CACHE } from "../../core/keys";
import { TOPIC_COLUMNS, loadTopics, toTopic, type Topic, type TopicRow } from "./topics";
import { SCENE_COLUMNS, loadPlaylist, loadScene, sceneDocument, toScene, type Scene } from "../../core/scenes";

export interface SceneListItem {
  id: string;
  topicId: string;
  userId: string;
  title: string;
  thumbnailUrl: string | null;
  segmentCount: number;
  likeCount: number;
  createdAt: string;
}

export interface NewScene {
  topicId: string;
  title: string;
  description: string;
  tags: string[];
  thumbnailUrl: string | null;
}

export class SceneService {
  constructor(private readonly ctx: Context) {}

  /**
   * Keyset pagination over the covering index of seed 000 §7.1: rows strictly
   * after the cursor's (created_at, id), newest first. Not cached in Redis
   * (the CDN caches lists for 60 s).
   */
  async list(opts: {
    topicId?: string;
    cursor?: string;
    limit: number;
    target: Target;
  }): Promise<{ items: SceneListItem[]; nextCursor: string | null }> {
    const after = opts.cursor === undefined ? undefined : decodeCursor(opts.cursor);
    const rows = await this.ctx.db.read<{
      id: string;
      topic_id: string;
      user_id: string;
      title: string;
      thumbnail_url: string | null;
      segment_count: number;
      like_count: number;
      created_at: Date;
      created_at_text: string;
    }>(
      `SELECT id, topic_id, user_id, title, thumbnail_url, segment_count, like_count, created_at,
              to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_at_text
         FROM scenes
        WHERE status = 'active'
          AND ($1::uuid IS NULL OR topic_id = $1::uuid)
          AND ($2::timestamptz IS NULL OR (created_at, id) < ($2::timestamptz, $3::uuid))
        ORDER BY created_at DESC, id DESC
        LIMIT $4`,
      [opts.topicId ?? null, after?.createdAt ?? null, after?.id ?? null, opts.limit + 1],
      opts.target,
    );
    const page = rows.slice(0, opts.limit);
    const last = page[page.length - 1];
    return {
      items: page.map((r) => ({
        id: r.id,
        topicId: r.topic_id,
        userId: r.user_id,
        title: r.title,
        thumbnailUrl: r.thumbnail_url,
        segmentCount: r.segment_count,
        likeCount: r.like_count,
        createdAt: r.created_at.toISOString(),
      })),
      // microsecond precision: a millisecond-rounded cursor could skip or repeat rows
      nextCursor:
        rows.length > opts.limit && last !== undefined
          ? encodeCursor({ createdAt: last.created_at_text, id: last.id })
          : null,
    };
  }

  /** Scene metadata as JSON text, cache-aside under `cache:scene:{id}` (60 s). */
  get(id: string, target: Target): Promise<string | null> {
    return this.ctx.cache.getJson(CACHE.scene.key(id), CACHE.scene.ttl, () => loadScene(this.ctx.db, id, target));
  }

  /** HLS playlist text, cache-aside under `cache:scene:{id}:playlist` (30 s). */
  async playlist(id: string, target: Target): Promise<string | null> {
    const json = await this.ctx.cache.getJson(CACHE.playlist.key(id), CACHE.playlist.ttl, () =>
      loadPlaylist(this.ctx.db, id, this.ctx.config.mediaBaseUrl, target),
    );
    return json === null ? null : (JSON.parse(json) as string);
  }

  /** Creates a scene and counts it under its topic in one transaction; refreshes the topic caches. */
  async create(userId: string, input: NewScene): Promise<Scene> {
    let fresh: Topic | undefined;
    const scene = await this.ctx.db.tx(async (client) => {
      const topic = await client.query<TopicRow>(
        `UPDATE topics SET scene_count = scene_count + 1, updated_at = now() WHERE id = $1 RETURNING ${TOPIC_COLUMNS}`,
        [input.topicId],
      );
      if (topic.rows[0] === undefined)
        throw badRequest("topicId", `topicId ${JSON.stringify(input.topicId)} names no topic`);
      fresh = toTopic(topic.rows[0]);
      const res = await client.query(
        `INSERT INTO scenes (topic_id, user_id, title, description, tags, thumbnail_url)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${SCENE_COLUMNS}`,
        [input.topicId, userId, input.title, input.description, input.tags, input.thumbnailUrl],
      );
      return toScene(res.rows[0]);
    });
    // write-through from the primary: deleting the keys would let the next read refill them from a lagging
    // replica, and the stale count would then be cached for the topics' 300 s
    const topics = await loadTopics(this.ctx.db, "primary");
    await this.ctx.cache.replace("topic", input.topicId, [
      { key: CACHE.topic.key(input.topicId), ttlSec: CACHE.topic.ttl, value: fresh ?? null },
      { key: CACHE.topics.key(), ttlSec: CACHE.topics.ttl, value: topics },
    ]);
    await this.ctx.cache.set(CACHE.scene.key(scene.id), CACHE.scene.ttl, scene);
    this.ctx.search.indexScene(sceneDocument(scene)).catch((err: unknown) =>
      this.ctx.logger.warn("search indexing failed; the worker re-indexes on the next segment", {
        err,
        sceneId: scene.id,
      }),
    );
    return scene;
  }
}

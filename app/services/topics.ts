import type { Context } from "../../core/context";
import type { Db, Target } from "../../core/db";
import { CACHE } from "../../core/keys";

export interface Topic {
  id: string;
  slug: string;
  name: string;
  description: string;
  sceneCount: number;
  createdAt: string;
}

export interface TopicRow {
  id: string;
  slug: string;
  name: string;
  description: string;
  scene_count: number;
  created_at: Date;
}
export const toTopic = (r: TopicRow): Topic => ({
  id: r.id,
  slug: r.slug,
  name: r.name,
  description: r.description,
  sceneCount: r.scene_count,
  createdAt: r.created_at.toISOString(),
});
export const TOPIC_COLUMNS = "id, slug, name, description, scene_count, created_at";

/** The topic list as cached under `cache:topics`. */
export async function loadTopics(db: Db, target: Target): Promise<{ items: Topic[] }> {
  const rows = await db.read<TopicRow>(`SELECT ${TOPIC_COLUMNS} FROM topics ORDER BY name, id LIMIT 1000`, [], target);
  return { items: rows.map(toTopic) };
}

/** Topic reads, cache-aside under `cache:topics` and `cache:topic:{id}` (seed 000 §2.2, 5 min). Results are JSON text. */
export class TopicService {
  constructor(private readonly ctx: Context) {}

  list(target: Target): Promise<string> {
    return this.ctx.cache
      .getJson(CACHE.topics.key(), CACHE.topics.ttl, () => loadTopics(this.ctx.db, target))
      .then((t) => t ?? '{"items":[]}');
  }

  get(id: string, target: Target): Promise<string | null> {
    return this.ctx.cache.getJson(CACHE.topic.key(id), CACHE.topic.ttl, async () => {
      const rows = await this.ctx.db.read<TopicRow>(`SELECT ${TOPIC_COLUMNS} FROM topics WHERE id = $1`, [id], target);
      return rows[0] === undefined ? null : toTopic(rows[0]);
    });
  }
}

import type { Context } from "../../core/context";
import type { Target } from "../../core/db";
import { CACHE } from "../../core/keys";

export interface Topic {
  id: string;
  slug: string;
  name: string;
  description: string;
  sceneCount: number;
  createdAt: string;
}

interface TopicRow {
  id: string;
  slug: string;
  name: string;
  description: string;
  scene_count: number;
  created_at: Date;
}
const toTopic = (r: TopicRow): Topic => ({
  id: r.id,
  slug: r.slug,
  name: r.name,
  description: r.description,
  sceneCount: r.scene_count,
  createdAt: r.created_at.toISOString(),
});
const COLUMNS = "id, slug, name, description, scene_count, created_at";

/** Topic reads, cache-aside under `cache:topics` and `cache:topic:{id}` (seed 000 §2.2, 5 min). Results are JSON text. */
export class TopicService {
  constructor(private readonly ctx: Context) {}

  list(target: Target): Promise<string> {
    return this.ctx.cache
      .getJson(CACHE.topics.key(), CACHE.topics.ttl, async () => {
        const rows = await this.ctx.db.read<TopicRow>(
          `SELECT ${COLUMNS} FROM topics ORDER BY name, id LIMIT 1000`,
          [],
          target,
        );
        return { items: rows.map(toTopic) };
      })
      .then((t) => t ?? '{"items":[]}');
  }

  get(id: string, target: Target): Promise<string | null> {
    return this.ctx.cache.getJson(CACHE.topic.key(id), CACHE.topic.ttl, async () => {
      const rows = await this.ctx.db.read<TopicRow>(`SELECT ${COLUMNS} FROM topics WHERE id = $1`, [id], target);
      return rows[0] === undefined ? null : toTopic(rows[0]);
    });
  }
}

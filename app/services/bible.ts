import type { Target } from "../../core/db";
import { HttpError, notFound } from "../../core/errors";
import { CACHE } from "../../core/keys";
import type { ApiContext } from "../http";

export interface SceneBible {
  sceneId: string;
  version: number;
  synopsis: string;
  setting: string;
  style: string;
  characters: Array<{ name: string; description: string }>;
  updatedAt: string | null;
}

export interface BibleInput {
  synopsis?: string;
  setting?: string;
  style?: string;
  characters?: Array<{ name: string; description?: string }>;
  /** The version the writer read; a mismatch is a 409 (someone replaced it meanwhile). */
  version?: number;
}

interface BibleRow {
  scene_id: string;
  user_id: string;
  version: number | null;
  synopsis: string | null;
  setting: string | null;
  style: string | null;
  characters: Array<{ name: string; description: string }> | null;
  updated_at: Date | null;
}

const SELECT = `SELECT s.id AS scene_id, s.user_id, b.version, b.synopsis, b.setting, b.style, b.characters, b.updated_at
                  FROM scenes s LEFT JOIN scene_bibles b ON b.scene_id = s.id WHERE s.id = $1`;

const toBible = (r: BibleRow): SceneBible => ({
  sceneId: r.scene_id,
  version: r.version ?? 0,
  synopsis: r.synopsis ?? "",
  setting: r.setting ?? "",
  style: r.style ?? "",
  characters: r.characters ?? [],
  updatedAt: r.updated_at?.toISOString() ?? null,
});

/**
 * The scene bible (seed 000 §2.2): cache-aside under `cache:scene:{id}:bible` for 300 s; a PUT (the scene's
 * creator only) replaces it in PostgreSQL, then writes the fresh value through to Redis and publishes the key
 * on `cache:invalidate` (seed 000 §2.3 onBibleUpdated), so no instance serves the old one. A scene without a
 * bible has an empty one at version 0.
 */
export class BibleService {
  constructor(private readonly ctx: ApiContext) {}

  get(sceneId: string, target: Target): Promise<string | null> {
    return this.ctx.cache.getJson(CACHE.sceneBible.key(sceneId), CACHE.sceneBible.ttl, async () => {
      const rows = await this.ctx.db.read<BibleRow>(SELECT, [sceneId], target);
      return rows[0] === undefined ? null : toBible(rows[0]);
    });
  }

  async put(sceneId: string, userId: string, input: BibleInput): Promise<SceneBible> {
    const bible = await this.ctx.db.tx(async (client) => {
      const current = (await client.query<BibleRow>(`${SELECT} FOR UPDATE OF s`, [sceneId])).rows[0];
      if (current === undefined) throw notFound("scene", sceneId);
      if (current.user_id !== userId)
        throw new HttpError("forbidden", "only the scene's creator may change its bible", "authorization");
      const version = current.version ?? 0;
      if (input.version !== undefined && input.version !== version)
        throw new HttpError("conflict", `the bible is at version ${version}, not ${input.version}`, "version");
      const characters = (input.characters ?? []).map((c) => ({ name: c.name, description: c.description ?? "" }));
      const res = await client.query<BibleRow>(
        `INSERT INTO scene_bibles (scene_id, version, synopsis, setting, style, characters, updated_by)
         VALUES ($1, 1, $2, $3, $4, $5::jsonb, $6)
         ON CONFLICT (scene_id) DO UPDATE
            SET version = scene_bibles.version + 1, synopsis = $2, setting = $3, style = $4, characters = $5::jsonb,
                updated_by = $6, updated_at = now()
         RETURNING scene_id, $6::text AS user_id, version, synopsis, setting, style, characters, updated_at`,
        [sceneId, input.synopsis ?? "", input.setting ?? "", input.style ?? "", JSON.stringify(characters), userId],
      );
      return toBible(res.rows[0]);
    });
    await this.ctx.cache.replace("bible", sceneId, [
      { key: CACHE.sceneBible.key(sceneId), ttlSec: CACHE.sceneBible.ttl, value: bible },
    ]);
    return bible;
  }
}

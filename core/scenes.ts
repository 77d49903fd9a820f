import type { Db, Target } from "./db";
import type { SceneDocument } from "./search";

/** A scene as the API returns it. */
export interface Scene {
  id: string;
  topicId: string;
  userId: string;
  title: string;
  description: string;
  tags: string[];
  status: "active" | "hidden";
  thumbnailUrl: string | null;
  segmentCount: number;
  totalDurationMs: number;
  likeCount: number;
  viewCount: number;
  lastSequence: number;
  createdAt: string;
  updatedAt: string;
}

export interface SceneRow {
  id: string;
  topic_id: string;
  user_id: string;
  title: string;
  description: string;
  tags: string[];
  status: "active" | "hidden";
  thumbnail_url: string | null;
  segment_count: number;
  total_duration_ms: string;
  like_count: number;
  view_count: number;
  last_sequence: number;
  created_at: Date;
  updated_at: Date;
}

export const SCENE_COLUMNS =
  "id, topic_id, user_id, title, description, tags, status, thumbnail_url, segment_count, total_duration_ms, like_count, view_count, last_sequence, created_at, updated_at";

export function toScene(r: SceneRow): Scene {
  return {
    id: r.id,
    topicId: r.topic_id,
    userId: r.user_id,
    title: r.title,
    description: r.description,
    tags: r.tags,
    status: r.status,
    thumbnailUrl: r.thumbnail_url,
    segmentCount: r.segment_count,
    totalDurationMs: Number(r.total_duration_ms),
    likeCount: r.like_count,
    viewCount: r.view_count,
    lastSequence: r.last_sequence,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

export async function loadScene(db: Db, id: string, target: Target): Promise<Scene | null> {
  const rows = await db.read<SceneRow>(`SELECT ${SCENE_COLUMNS} FROM scenes WHERE id = $1`, [id], target);
  return rows[0] === undefined ? null : toScene(rows[0]);
}

export function sceneDocument(s: Scene): SceneDocument {
  return {
    id: s.id,
    topic_id: s.topicId,
    title: s.title,
    description: s.description,
    tags: s.tags,
    creator_id: s.userId,
    segment_count: s.segmentCount,
    like_count: s.likeCount,
    view_count: s.viewCount,
    created_at: s.createdAt,
    updated_at: s.updatedAt,
  };
}

export interface PlaylistSegment {
  sequence: number;
  durationMs: number;
  uri: string;
}

/**
 * The longest segment a generator may produce (worker/segment.ts refuses longer ones), and so the playlist's
 * fixed EXT-X-TARGETDURATION: RFC 8216 §4.3.3.1 wants every EXTINF, rounded to the nearest integer, at most the
 * target, and §6.2.1 forbids changing the target once published, so it cannot follow the segments seen so far.
 */
export const SEGMENT_MAX_DURATION_MS = 10_000;
export const PLAYLIST_TARGET_DURATION_S = Math.ceil(SEGMENT_MAX_DURATION_MS / 1000);

/**
 * The segments a playlist may show: the contiguous run from sequence 1. An EVENT playlist may only be appended
 * to (RFC 8216 §4.3.3.5), so a segment that finished before an earlier one waits until that one is there; a
 * failed sequence holds back the later ones until it is retried and completes (README, "Playlist").
 */
export function publishedSegments(segments: PlaylistSegment[]): PlaylistSegment[] {
  const sorted = [...segments].sort((a, b) => a.sequence - b.sequence);
  const out: PlaylistSegment[] = [];
  for (const s of sorted) {
    if (s.sequence !== out.length + 1) break;
    out.push(s);
  }
  return out;
}

/** Percent-encodes what may never reach a playlist line (controls, spaces): a URI can never start a tag. */
const safeUri = (uri: string): string => [...uri].map((c) => (isUnsafeUriChar(c) ? encodeURIComponent(c) : c)).join("");

/** C0 and C1 controls, space and DEL: a line break would let a URI write its own tags (#EXT-X-KEY...). */
export function isUnsafeUriChar(c: string): boolean {
  const code = c.codePointAt(0) ?? 0;
  return code <= 0x20 || (code >= 0x7f && code <= 0x9f);
}

/**
 * An HLS media playlist of the scene's published segments (above). A scene grows while generation runs, so
 * it is an EVENT playlist without ENDLIST, with a fixed target duration.
 */
export function buildPlaylist(segments: PlaylistSegment[], mediaBaseUrl: string): string {
  const lines = [
    "#EXTM3U",
    "#EXT-X-VERSION:3",
    "#EXT-X-PLAYLIST-TYPE:EVENT",
    `#EXT-X-TARGETDURATION:${PLAYLIST_TARGET_DURATION_S}`,
    "#EXT-X-MEDIA-SEQUENCE:0",
  ];
  for (const s of publishedSegments(segments)) {
    const uri = safeUri(s.uri);
    lines.push(`#EXTINF:${(s.durationMs / 1000).toFixed(3)},`);
    lines.push(/^https?:\/\//.test(uri) ? uri : `${mediaBaseUrl}/${uri.replace(/^\/+/, "")}`);
  }
  return lines.join("\n") + "\n";
}

export async function loadPlaylist(
  db: Db,
  sceneId: string,
  mediaBaseUrl: string,
  target: Target,
): Promise<string | null> {
  const exists = await db.read<{ id: string }>("SELECT id FROM scenes WHERE id = $1", [sceneId], target);
  if (exists.length === 0) return null;
  const rows = await db.read<{ sequence: number; duration_ms: number; uri: string }>(
    "SELECT sequence, duration_ms, uri FROM segments WHERE scene_id = $1 ORDER BY sequence",
    [sceneId],
    target,
  );
  return buildPlaylist(
    rows.map((r) => ({ sequence: r.sequence, durationMs: r.duration_ms, uri: r.uri })),
    mediaBaseUrl,
  );
}

/** Scenes and their playlists in one round trip, by id; a scene that does not exist is absent from the map. */
export async function loadScenesAndPlaylists(
  db: Db,
  ids: string[],
  mediaBaseUrl: string,
  target: Target,
): Promise<Map<string, { scene: Scene; playlist: string }>> {
  const rows = await db.read<SceneRow & { segments: PlaylistSegment[] }>(
    `SELECT ${SCENE_COLUMNS},
            (SELECT coalesce(json_agg(json_build_object('sequence', g.sequence, 'durationMs', g.duration_ms, 'uri', g.uri) ORDER BY g.sequence), '[]'::json)
               FROM segments g WHERE g.scene_id = s.id) AS segments
       FROM scenes s WHERE s.id = ANY($1::uuid[])`,
    [ids],
    target,
  );
  return new Map(
    rows.map((row) => [row.id, { scene: toScene(row), playlist: buildPlaylist(row.segments, mediaBaseUrl) }]),
  );
}

/** Redis keys and TTLs (seconds) of seed 000 §2.2, written once. */
export const CACHE = {
  topics: { key: () => "cache:topics", ttl: 300 },
  topic: { key: (id: string) => `cache:topic:${id}`, ttl: 300 },
  scene: { key: (id: string) => `cache:scene:${id}`, ttl: 60 },
  jobStatus: { key: (id: string) => `cache:job:${id}:status`, ttl: 60 },
  playlist: { key: (id: string) => `cache:scene:${id}:playlist`, ttl: 30 },
  sceneBible: { key: (id: string) => `cache:scene:${id}:bible`, ttl: 300 },
  session: { key: (id: string) => `session:${id}`, ttl: 86_400 },
  rateLimit: { key: (type: string, id: string) => `ratelimit:${type}:${id}`, ttl: 60 },
} as const;

/** The pub/sub channel of seed 000 §2.3 on which every instance hears invalidations. */
export const INVALIDATE_CHANNEL = "cache:invalidate";

/**
 * What a change invalidates (seed 000 §2.3), as explicit key lists: `KEYS`
 * pattern scans block Redis and do not work across a cluster's nodes.
 */
export const invalidation = {
  /** A segment was added or the scene changed: its metadata and playlist. */
  scene: (sceneId: string): string[] => [CACHE.scene.key(sceneId), CACHE.playlist.key(sceneId)],
  /** Topic list and one topic's detail (a scene was added under it). */
  topics: (topicIds: string[]): string[] => [CACHE.topics.key(), ...topicIds.map((id) => CACHE.topic.key(id))],
  job: (jobId: string): string[] => [CACHE.jobStatus.key(jobId)],
  /** seed 000 §2.3 onBibleUpdated */
  bible: (sceneId: string): string[] => [CACHE.sceneBible.key(sceneId)],
};

/** CDN behaviours (seed 000 §2.1 layer 2) as Cache-Control values. */
export const CACHE_CONTROL = {
  topics: "public, max-age=300, s-maxage=300, stale-while-revalidate=60",
  sceneList: "public, max-age=60, s-maxage=60, stale-while-revalidate=30",
  scene: "public, max-age=30, s-maxage=30, stale-while-revalidate=15",
  playlist: "public, max-age=30, s-maxage=30, stale-while-revalidate=15",
  search: "public, max-age=60, s-maxage=60, stale-while-revalidate=30",
  /** Job status is polled for progress; let the CDN absorb polls for a moment only. */
  job: "public, max-age=2, s-maxage=2",
  bible: "public, max-age=30, s-maxage=30, stale-while-revalidate=15",
  noStore: "no-store",
} as const;

/** The kind of a cache key, for metrics labels (`cache:scene:{id}:bible` -> `bible`). */
export function keyKind(key: string): string {
  const parts = key.split(":");
  if (parts[0] !== "cache") return parts[0] ?? "other";
  if (parts.length === 2) return parts[1] ?? "other";
  return parts.length >= 4 ? (parts[3] ?? "other") : (parts[1] ?? "other");
}

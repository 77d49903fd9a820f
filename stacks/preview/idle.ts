/**
 * Idle time of a preview: how long since it was last deployed. A preview someone keeps deploying is never
 * collected, however old it is; a TTL counted from creation would kill it (issue 7).
 */

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

/**
 * Parses `90m`, `72h`, `3d`, `2w` and sums such as `1d12h` into milliseconds. `field` names the flag in the error.
 */
export function parseDuration(text: string, field = "--idle"): number {
  const trimmed = text.trim();
  if (!/^(\d+[mhdw])+$/.test(trimmed)) {
    throw new Error(`${field} must be a duration such as 90m, 72h, 3d or 1d12h, got ${JSON.stringify(text)}`);
  }
  let total = 0;
  for (const [, count, unit] of trimmed.matchAll(/(\d+)([mhdw])/g)) {
    total += Number(count) * UNIT_MS[unit as keyof typeof UNIT_MS];
  }
  if (total <= 0) throw new Error(`${field} must be longer than zero, got ${JSON.stringify(text)}`);
  return total;
}

/** `3d 4h`, `5h 12m`, `7m`: for listings. */
export function formatDuration(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / UNIT_MS.m));
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  return `${m}m`;
}

/** Where a preview's last deploy time came from, so listings can say so. */
export type LastDeploySource = "tag" | "backend";

export interface LastDeploy {
  at: Date;
  source: LastDeploySource;
}

/**
 * The last deploy of a preview: its `last-deploy` stack tag (written by `up` on every deploy), else the
 * backend's last update time of the stack. Never its creation time. Undefined when neither is readable, and
 * then the preview is left alone rather than guessed idle.
 */
export function lastDeployOf(
  tagValue: string | undefined,
  backendLastUpdate: string | undefined,
): LastDeploy | undefined {
  const fromTag = parseTime(tagValue);
  if (fromTag) return { at: fromTag, source: "tag" };
  const fromBackend = parseTime(backendLastUpdate);
  if (fromBackend) return { at: fromBackend, source: "backend" };
  return undefined;
}

function parseTime(text: string | undefined): Date | undefined {
  if (text === undefined || text.trim() === "") return undefined;
  const at = new Date(text);
  return Number.isNaN(at.getTime()) ? undefined : at;
}

/** Milliseconds since the last deploy; a clock skewed into the past counts as zero. */
export function idleFor(lastDeploy: Date, now: Date): number {
  return Math.max(0, now.getTime() - lastDeploy.getTime());
}

/** Idle means the last deploy is strictly older than the limit. */
export function isIdle(lastDeploy: Date, now: Date, limitMs: number): boolean {
  return idleFor(lastDeploy, now) > limitMs;
}

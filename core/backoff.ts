/** Retry policy of seed 001: exponential backoff with jitter, from 30 s up to 10 min. */
export interface BackoffPolicy {
  /** Delay before the first retry, in ms. @default 30000 (seed 001) */
  minMs: number;
  /** Ceiling for any delay, in ms. @default 600000 (seed 001) */
  maxMs: number;
}

/**
 * Delay before retry number `attempt` (1 = first retry). The base doubles each
 * attempt (min, 2·min, 4·min...) and a random share of up to one more base is
 * added, so jobs that failed together come back spread out; the result never
 * goes below `minMs` nor above `maxMs`.
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const n = Math.max(1, Math.floor(Number.isFinite(attempt) ? attempt : 1));
  const base = Math.min(policy.maxMs, policy.minMs * 2 ** Math.min(n - 1, 30));
  const delay = base + random() * base;
  return Math.round(Math.min(policy.maxMs, Math.max(policy.minMs, delay)));
}

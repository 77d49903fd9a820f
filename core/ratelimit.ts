import { LRUCache } from "lru-cache";
import type { CircuitBreaker } from "./breaker";
import { CACHE } from "./keys";
import type { Logger } from "./logger";
import type { RedisClient } from "./redis";

export interface LimitResult {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the window resets. */
  resetSec: number;
  /** Where the count was kept: shared Redis, or this instance while Redis is unreachable. */
  store: "redis" | "local";
}

// One key per script call, so on a cluster it always runs on the key's own slot. Takes ARGV[2] tokens at once.
const SCRIPT = `
local c = redis.call('INCRBY', KEYS[1], ARGV[2])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {c, ttl}`;

type WithTake = RedisClient & {
  storyforgeTake(key: string, windowMs: number, n: number): Promise<[number, number]>;
};

/** Tokens one instance holds of a key's window (taken from the shared count in Redis). */
interface Lease {
  windowEnd: number;
  /** Tokens taken but not used yet. */
  left: number;
  /** The shared count after this instance's last take (its unused tokens included). */
  count: number;
}

/** Tokens taken per Redis call: never more than 1/16 of what remains, so near the limit every hit is exact. */
export function leaseSize(limit: number, count: number, max = 100): number {
  return Math.max(1, Math.min(max, Math.floor((limit - count) / 16)));
}

/**
 * Fixed-window counters (seed 001: per minute) kept in Redis under seed 000 §2.2's `ratelimit:{type}:{id}`,
 * so they hold across API replicas. Far from the limit an instance takes tokens in small leases (one Redis
 * call per up to 100 requests of a busy client, at most 1/16 of what remains), so the hot read path does not
 * wait on Redis per request; within 16 requests of the limit every hit goes to Redis and is exact. Unused
 * lease tokens count as used, so a client is never allowed more than its limit, and at worst refused a few
 * requests early when it spreads them over many instances. While Redis is unreachable (breaker open or a
 * command fails) each instance counts on its own rather than failing the request.
 */
export class RateLimiter {
  private readonly local = new LRUCache<string, { count: number; resetAt: number }>({ max: 100_000 });
  private readonly leases = new LRUCache<string, Lease>({ max: 100_000 });
  private readonly taking = new Map<string, Promise<unknown>>();

  constructor(
    private readonly redis: RedisClient,
    private readonly breaker: CircuitBreaker,
    private readonly logger: Logger,
    private readonly windowMs = CACHE.rateLimit.ttl * 1000,
  ) {
    if (typeof (redis as unknown as Partial<WithTake>).storyforgeTake !== "function") {
      redis.defineCommand("storyforgeTake", { numberOfKeys: 1, lua: SCRIPT });
    }
  }

  /**
   * The hit, decided without waiting, when this instance holds an unused token of the key's current window
   * (the common case far from the limit); undefined, with nothing counted, when only `hit` can decide (a take
   * from Redis is due, or the client is at its limit). Lets a hot path answer in the same tick.
   */
  hitLeased(type: string, id: string, limit: number): LimitResult | undefined {
    const now = Date.now();
    const lease = this.leases.get(CACHE.rateLimit.key(type, id));
    if (lease === undefined || lease.windowEnd <= now || lease.left <= 0 || lease.count - lease.left >= limit)
      return undefined;
    return this.spend(CACHE.rateLimit.key(type, id), limit, lease, now);
  }

  /** Resolves once no take or top-up of the key is in flight: for a caller that must not race one. */
  async settled(type: string, id: string): Promise<void> {
    await this.taking.get(CACHE.rateLimit.key(type, id))?.catch(() => undefined);
  }

  async hit(type: string, id: string, limit: number): Promise<LimitResult> {
    const key = CACHE.rateLimit.key(type, id);
    for (;;) {
      const now = Date.now();
      const lease = this.leases.get(key);
      if (lease !== undefined && lease.windowEnd > now && lease.left > 0) {
        // the limit may have dropped since the lease was taken (load shedding): leftovers never exceed it
        if (lease.count - lease.left >= limit) return this.result(limit, false, 0, lease.windowEnd - now, "redis");
        return this.spend(key, limit, lease, now);
      }
      // one take per key at a time: concurrent hits wait for it and then use its lease
      const pending = this.taking.get(key);
      if (pending !== undefined) {
        await pending;
        continue;
      }
      const known = lease !== undefined && lease.windowEnd > now ? lease.count : 0;
      const p = this.take(key, limit, leaseSize(limit, known), now);
      this.taking.set(key, p);
      try {
        return await p;
      } finally {
        this.taking.delete(key);
      }
    }
  }

  private async take(key: string, limit: number, n: number, now: number): Promise<LimitResult> {
    const shared = await this.breaker.run(
      () => (this.redis as unknown as WithTake).storyforgeTake(key, this.windowMs, n),
      null,
      (err, skipped) => {
        if (!skipped) this.logger.warn("rate limit store unreachable; counting per instance", { err });
      },
    );
    if (shared === null) return this.hitLocal(key, limit, now);
    const count = Number(shared[0]);
    const windowEnd = now + Number(shared[1]);
    // of the n tokens just taken, those within the limit are ours; the first is this request's
    const granted = Math.max(0, Math.min(n, limit - (count - n)));
    const lease: Lease = { windowEnd, left: Math.max(0, granted - 1), count };
    this.leases.set(key, lease);
    if (granted === 0) return this.result(limit, false, 0, windowEnd - now, "redis");
    return this.leased(limit, lease, now);
  }

  /**
   * Uses one token of the lease. Far from the limit (leases of 4 or more), a lease half used is topped up in
   * the background, so a busy client's requests never all stop to wait for the next take when it runs out
   * (bench: a third of a cached read's requests did, 32 connections behind one take). Near the limit nothing is
   * taken ahead: there every hit stays exact.
   */
  private spend(key: string, limit: number, lease: Lease, now: number): LimitResult {
    lease.left -= 1;
    const size = leaseSize(limit, lease.count);
    if (size >= 4 && lease.left < size / 2 && !this.taking.has(key)) {
      const p = this.topUp(key, limit, size).finally(() => this.taking.delete(key));
      this.taking.set(key, p);
    }
    return this.leased(limit, lease, now);
  }

  /** Takes `n` more tokens of the key's window into its lease; never rejects (no Redis: the lease runs out). */
  private async topUp(key: string, limit: number, n: number): Promise<void> {
    // the window's end is reckoned from before the round trip, as `take` does, so a slow answer never reads as
    // a new window (which would drop the lease's unused tokens)
    const now = Date.now();
    const shared = await this.breaker.run(
      () => (this.redis as unknown as WithTake).storyforgeTake(key, this.windowMs, n),
      null,
    );
    if (shared === null) return;
    const count = Number(shared[0]);
    const windowEnd = now + Number(shared[1]);
    const granted = Math.max(0, Math.min(n, limit - (count - n)));
    const lease = this.leases.get(key);
    // the same window (its end known to within a second): add to what is left; a new one starts a new lease
    if (lease !== undefined && Math.abs(lease.windowEnd - windowEnd) < 1_000) {
      lease.left += granted;
      lease.count = count;
    } else this.leases.set(key, { windowEnd, left: granted, count });
  }

  private leased(limit: number, lease: Lease, now: number): LimitResult {
    return this.result(limit, true, Math.max(0, limit - lease.count) + lease.left, lease.windowEnd - now, "redis");
  }

  private hitLocal(key: string, limit: number, now: number): LimitResult {
    let entry = this.local.get(key);
    if (entry === undefined || entry.resetAt <= now) {
      entry = { count: 0, resetAt: now + this.windowMs };
      this.local.set(key, entry);
    }
    entry.count += 1;
    return this.result(limit, entry.count <= limit, Math.max(0, limit - entry.count), entry.resetAt - now, "local");
  }

  private result(
    limit: number,
    allowed: boolean,
    remaining: number,
    ttlMs: number,
    store: LimitResult["store"],
  ): LimitResult {
    return { allowed, limit, remaining, resetSec: Math.max(1, Math.ceil(ttlMs / 1000)), store };
  }
}

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

// One key per script call, so on a cluster it always runs on the key's own slot.
const SCRIPT = `
local c = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {c, ttl}`;

type WithHit = RedisClient & { storyforgeHit(key: string, windowMs: number): Promise<[number, number]> };

/**
 * Fixed-window counters (seed 001: per minute) kept in Redis under seed 000
 * §2.2's `ratelimit:{type}:{id}`, so they hold across API replicas. While
 * Redis is unreachable (breaker open or a command fails) each instance counts
 * on its own rather than failing the request.
 */
export class RateLimiter {
  private readonly local = new LRUCache<string, { count: number; resetAt: number }>({ max: 100_000 });

  constructor(
    private readonly redis: RedisClient,
    private readonly breaker: CircuitBreaker,
    private readonly logger: Logger,
    private readonly windowMs = CACHE.rateLimit.ttl * 1000,
  ) {
    if (typeof (redis as unknown as Partial<WithHit>).storyforgeHit !== "function") {
      redis.defineCommand("storyforgeHit", { numberOfKeys: 1, lua: SCRIPT });
    }
  }

  async hit(type: string, id: string, limit: number): Promise<LimitResult> {
    const key = CACHE.rateLimit.key(type, id);
    const shared = await this.breaker.run(
      () => (this.redis as unknown as WithHit).storyforgeHit(key, this.windowMs),
      null,
      (err, skipped) => {
        if (!skipped) this.logger.warn("rate limit store unreachable; counting per instance", { err });
      },
    );
    if (shared !== null) return this.result(limit, Number(shared[0]), Number(shared[1]), "redis");
    const now = Date.now();
    let entry = this.local.get(key);
    if (entry === undefined || entry.resetAt <= now) {
      entry = { count: 0, resetAt: now + this.windowMs };
      this.local.set(key, entry);
    }
    entry.count += 1;
    return this.result(limit, entry.count, entry.resetAt - now, "local");
  }

  private result(limit: number, count: number, ttlMs: number, store: LimitResult["store"]): LimitResult {
    return {
      allowed: count <= limit,
      limit,
      remaining: Math.max(0, limit - count),
      resetSec: Math.max(1, Math.ceil(ttlMs / 1000)),
      store,
    };
  }
}

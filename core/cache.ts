import { LRUCache } from "lru-cache";
import { CircuitBreaker } from "./breaker";
import { withTimeout } from "./timeout";
import { INVALIDATE_CHANNEL, keyKind } from "./keys";
import type { Logger } from "./logger";
import type { Metrics } from "./metrics";
import type { RedisClient } from "./redis";

export interface CacheOptions {
  redis: RedisClient;
  /** A second connection for SUBSCRIBE (a subscribed connection can run nothing else); absent in the worker. */
  subscriber?: RedisClient;
  logger: Logger;
  metrics: Metrics;
  /** Entries in the in-process LRU. @default 5000 */
  lruMax?: number;
  /** Longest an in-process copy lives if an invalidation message is lost. @default 5000 */
  lruTtlMs?: number;
  breaker?: CircuitBreaker;
}

interface InvalidateMessage {
  type: string;
  id: string;
  keys: string[];
  origin: string;
}

/**
 * Cache-aside (seed 000 §2.4) with two levels: a small in-process LRU in
 * front of Redis. Values are stored as JSON text, so a hit is sent as is.
 * Redis errors never reach the caller: a breaker skips Redis while it is down
 * and the loader (PostgreSQL) answers.
 */
export class Cache {
  readonly breaker: CircuitBreaker;
  private readonly lru: LRUCache<string, string>;
  private readonly inflight = new Map<string, Promise<string | null>>();
  private readonly origin = `${process.pid}-${Math.random().toString(36).slice(2)}`;

  constructor(private readonly opts: CacheOptions) {
    this.breaker = opts.breaker ?? new CircuitBreaker(3, 2_000);
    this.lru = new LRUCache<string, string>({ max: opts.lruMax ?? 5_000, ttl: opts.lruTtlMs ?? 5_000 });
  }

  /** Subscribes to invalidations from other instances; resolves once subscribed (or logs and carries on). */
  async listen(): Promise<void> {
    const sub = this.opts.subscriber;
    if (sub === undefined) return;
    sub.on("message", (channel: string, text: string) => {
      if (channel !== INVALIDATE_CHANNEL) return;
      try {
        const msg = JSON.parse(text) as InvalidateMessage;
        if (Array.isArray(msg.keys)) for (const key of msg.keys) this.lru.delete(String(key));
      } catch {
        this.opts.logger.warn("ignored a malformed cache invalidation message");
      }
    });
    try {
      // bounded: with Redis down at start-up the subscription completes whenever Redis comes back
      await withTimeout(sub.subscribe(INVALIDATE_CHANNEL), 3_000, "subscribe");
    } catch (err) {
      if ((err as { code?: string }).code === "ETIMEDOUT") return;
      // ioredis resubscribes when the connection comes back
      this.opts.logger.warn("cache invalidation subscribe failed; in-process copies expire by TTL", { err });
    }
  }

  /**
   * The JSON text of `key`: in-process copy, else Redis, else `load()` (whose
   * result, when not null, is written back to both). Concurrent misses of one
   * key in this process share a single load.
   */
  async getJson(key: string, ttlSec: number, load: () => Promise<unknown>): Promise<string | null> {
    const local = this.lru.get(key);
    if (local !== undefined) {
      this.opts.metrics.cacheHits.inc({ layer: "lru", kind: keyKind(key) });
      return local;
    }
    const pending = this.inflight.get(key);
    if (pending !== undefined) return pending;
    const p = this.fill(key, ttlSec, load).finally(() => this.inflight.delete(key));
    this.inflight.set(key, p);
    return p;
  }

  /**
   * The in-process copy of `key`, if there is one; never waits, counts nothing. A hot path answers from it in
   * the same tick (then counts the hit with `countLocalHit`) and falls back to `getJson` on undefined.
   */
  localJson(key: string): string | undefined {
    return this.lru.get(key);
  }

  countLocalHit(key: string): void {
    this.opts.metrics.cacheHits.inc({ layer: "lru", kind: keyKind(key) });
  }

  private async fill(key: string, ttlSec: number, load: () => Promise<unknown>): Promise<string | null> {
    const remote = await this.redisCall(keyKind(key), () => this.opts.redis.get(key), null);
    if (remote !== null) {
      this.opts.metrics.cacheHits.inc({ layer: "redis", kind: keyKind(key) });
      this.lru.set(key, remote);
      return remote;
    }
    this.opts.metrics.cacheMisses.inc({ kind: keyKind(key) });
    const value = await load();
    if (value === null || value === undefined) return null;
    const text = JSON.stringify(value);
    this.lru.set(key, text);
    void this.redisCall(keyKind(key), () => this.opts.redis.set(key, text, "EX", ttlSec), null);
    return text;
  }

  /** Writes a fresh value through to Redis and this process (after a write, from the primary). */
  async set(key: string, ttlSec: number, value: unknown): Promise<void> {
    const text = JSON.stringify(value);
    this.lru.set(key, text);
    await this.redisCall(keyKind(key), () => this.opts.redis.set(key, text, "EX", ttlSec), null);
  }

  /**
   * Drops `keys` here and in Redis, then publishes them on `cache:invalidate`
   * (seed 000 §2.3) so every instance drops its in-process copy. One DEL per
   * key: a multi-key DEL across cluster slots would be refused (CROSSSLOT).
   */
  async invalidate(type: string, id: string, keys: string[]): Promise<void> {
    for (const key of keys) this.lru.delete(key);
    await this.redisCall(
      type,
      async () => {
        await Promise.all(keys.map((key) => this.opts.redis.del(key)));
        const msg: InvalidateMessage = { type, id, keys, origin: this.origin };
        await this.opts.redis.publish(INVALIDATE_CHANNEL, JSON.stringify(msg));
        return null;
      },
      null,
    );
  }

  /**
   * Invalidation after a write, with the fresh values read from the primary:
   * each key is overwritten in Redis first (so no instance refills it from a
   * lagging replica), then the keys are published so every instance drops its
   * in-process copy. A null value deletes the key.
   */
  async replace(
    type: string,
    id: string,
    entries: Array<{ key: string; ttlSec: number; value: unknown }>,
  ): Promise<void> {
    await this.replaceMany([{ type, id, entries }]);
  }

  /**
   * `replace` for several changes at once (the worker's group commit): every write of every change is sent in
   * one tick, so autopipelining makes one round trip per node, then every change's message in one more. The
   * messages stay one per change (seed 000 §2.3's `{type, id}`); only their sending is shared. With
   * `waitForPublish: false` it resolves once the writes landed and sends the messages without waiting for their
   * replies: a PUBLISH reply says the node took the message, not that any instance dropped its copy (delivery is
   * asynchronous either way), so a caller with nothing else to order after it need not wait a round trip for it.
   */
  async replaceMany(
    changes: Array<{ type: string; id: string; entries: Array<{ key: string; ttlSec: number; value: unknown }> }>,
    opts: { waitForPublish?: boolean } = {},
  ): Promise<void> {
    if (changes.length === 0) return;
    for (const c of changes) for (const e of c.entries) this.lru.delete(e.key);
    const kind = changes[0].type;
    const written = await this.redisCall(
      kind,
      async () => {
        await Promise.all(
          changes.flatMap((c) =>
            c.entries.map((e) =>
              e.value === null
                ? this.opts.redis.del(e.key)
                : this.opts.redis.set(e.key, JSON.stringify(e.value), "EX", e.ttlSec),
            ),
          ),
        );
        return true;
      },
      false,
    );
    if (!written) return;
    const published = this.redisCall(
      kind,
      async () => {
        await Promise.all(
          changes.map((c) => {
            const msg: InvalidateMessage = {
              type: c.type,
              id: c.id,
              keys: c.entries.map((e) => e.key),
              origin: this.origin,
            };
            return this.opts.redis.publish(INVALIDATE_CHANNEL, JSON.stringify(msg));
          }),
        );
        return null;
      },
      null,
    );
    if (opts.waitForPublish ?? true) await published;
  }

  /**
   * `replace` in its two steps, for a caller with other work to overlap with the second: `write` overwrites the
   * keys (awaited first, so no instance can refill them from a lagging source), the returned `publish` sends the
   * message.
   */
  async write(
    type: string,
    id: string,
    entries: Array<{ key: string; ttlSec: number; value: unknown }>,
  ): Promise<{ publish: () => Promise<void> }> {
    for (const e of entries) this.lru.delete(e.key);
    await this.redisCall(
      type,
      async () => {
        await Promise.all(
          entries.map((e) =>
            e.value === null
              ? this.opts.redis.del(e.key)
              : this.opts.redis.set(e.key, JSON.stringify(e.value), "EX", e.ttlSec),
          ),
        );
        return null;
      },
      null,
    );
    const msg: InvalidateMessage = { type, id, keys: entries.map((e) => e.key), origin: this.origin };
    return {
      publish: () =>
        this.redisCall(
          type,
          async () => {
            await this.opts.redis.publish(INVALIDATE_CHANNEL, JSON.stringify(msg));
            return undefined;
          },
          undefined,
        ),
    };
  }

  /** Drops only this process's copies (used by tests and by the invalidation listener). */
  dropLocal(keys: string[]): void {
    for (const key of keys) this.lru.delete(key);
  }

  private redisCall<T>(kind: string, fn: () => Promise<T>, fallback: T): Promise<T> {
    return this.breaker.run(fn, fallback, (err, skipped) => {
      this.opts.metrics.cacheErrors.inc({ kind });
      if (!skipped) this.opts.logger.warn("redis cache call failed; answering without Redis", { err });
    });
  }
}

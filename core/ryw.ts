import { createHmac, timingSafeEqual } from "node:crypto";
import { LRUCache } from "lru-cache";
import type { CircuitBreaker } from "./breaker";
import type { RedisClient } from "./redis";

export const RYW_COOKIE = "sf_ryw";

/**
 * Read-your-writes. After a write, the writer's reads go to the primary for
 * `windowMs`, so it never reads a replica that has not replayed its write yet.
 * The writer is recognised two ways: a short-lived signed cookie (works for
 * browsers, across API instances, with no lookup), and its token subject,
 * remembered here and in Redis (`ryw:{sub}`) for clients that send their
 * bearer token on reads too.
 */
export class ReadYourWrites {
  private readonly recent = new LRUCache<string, number>({ max: 50_000 });

  constructor(
    private readonly secret: string,
    readonly windowMs: number,
    private readonly redis: RedisClient,
    private readonly breaker: CircuitBreaker,
  ) {}

  /** Records a write by `sub`; returns the Set-Cookie value to send. */
  async markWrite(sub: string, now = Date.now()): Promise<string> {
    const until = now + this.windowMs;
    this.recent.set(sub, until);
    await this.breaker.run(() => this.redis.set(`ryw:${sub}`, String(until), "PX", this.windowMs), null);
    const value = `${until}.${this.sign(String(until))}`;
    return `${RYW_COOKIE}=${value}; Max-Age=${Math.ceil(this.windowMs / 1000)}; Path=/; HttpOnly; SameSite=Lax`;
  }

  /** Whether a read with this cookie header and (verified) subject must go to the primary. */
  async mustReadPrimary(cookieHeader: string | undefined, sub: string | undefined, now = Date.now()): Promise<boolean> {
    if (cookieHeader !== undefined && this.cookieValid(cookieHeader, now)) return true;
    if (sub === undefined) return false;
    const local = this.recent.get(sub);
    if (local !== undefined && local > now) return true;
    const remote = await this.breaker.run(() => this.redis.get(`ryw:${sub}`), null);
    return remote !== null && Number(remote) > now;
  }

  private cookieValid(header: string, now: number): boolean {
    for (const part of header.split(";")) {
      const eq = part.indexOf("=");
      if (eq < 0 || part.slice(0, eq).trim() !== RYW_COOKIE) continue;
      const [until, sig] = part
        .slice(eq + 1)
        .trim()
        .split(".");
      if (until === undefined || sig === undefined || !/^\d{1,15}$/.test(until)) return false;
      const expected = Buffer.from(this.sign(until));
      const given = Buffer.from(sig);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return false;
      return Number(until) > now;
    }
    return false;
  }

  private sign(value: string): string {
    return createHmac("sha256", this.secret).update(`ryw:${value}`).digest("base64url");
  }
}

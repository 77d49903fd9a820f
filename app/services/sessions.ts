import { randomBytes } from "node:crypto";
import { HttpError, notFound } from "../../core/errors";
import { createTokenVerifier, JwtError, signHs256 } from "../../core/jwt";
import { CACHE } from "../../core/keys";
import type { ApiContext, Authenticate } from "../http";

interface SessionRecord {
  sub: string;
  createdAt: string;
  expiresAt: string;
}

const unavailable = () => new HttpError("unavailable", "the session store is unavailable; retry shortly");

/**
 * Server-side sessions behind the JWT (seed 000 §2.2: `session:{id}`, 24 h), so a logout or a revocation
 * takes effect at once on every instance:
 * - POST /sessions with any valid bearer token creates `session:{id}` in Redis and answers with a new token
 *   bound to it (claim `sid`, expiring with the session).
 * - A token carrying `sid` is accepted only while `session:{sid}` exists and names the token's subject; every
 *   instance reads Redis on each such request (no local copy to go stale), and fails closed (503) when it
 *   cannot.
 * - DELETE /sessions/current (logout) and DELETE /sessions/:id (revoke one of your own) delete the key.
 * Tokens without `sid` (service tokens from the identity provider) keep working as before.
 */
export class SessionService {
  private readonly verify: (token: string) => ReturnType<ReturnType<typeof createTokenVerifier>>;

  constructor(private readonly ctx: ApiContext) {
    const c = ctx.config;
    this.verify = createTokenVerifier(c.jwtSecret, {
      ...(c.jwtIssuer === undefined ? {} : { issuer: c.jwtIssuer }),
      ...(c.jwtAudience === undefined ? {} : { audience: c.jwtAudience }),
      cacheSize: 10_000,
    });
  }

  /** The bearer-token check every route uses: JWT first, then the session if the token is bound to one. */
  readonly authenticate: Authenticate = async (token) => {
    let claims;
    try {
      claims = this.verify(token);
    } catch (err) {
      if (err instanceof JwtError) throw new HttpError("unauthorized", err.message, "authorization");
      throw err;
    }
    if (claims.sid === undefined) return { sub: claims.sub };
    const record = await this.load(claims.sid);
    if (record === null || record.sub !== claims.sub)
      throw new HttpError("unauthorized", "the session of this token has ended", "authorization");
    return { sub: claims.sub, sid: claims.sid };
  };

  async create(sub: string, now = Date.now()): Promise<{ sessionId: string; token: string; expiresAt: string }> {
    const sessionId = randomBytes(18).toString("base64url");
    const ttl = CACHE.session.ttl;
    const expiresAt = new Date(now + ttl * 1000).toISOString();
    const record: SessionRecord = { sub, createdAt: new Date(now).toISOString(), expiresAt };
    const stored = await this.ctx.redisBreaker.run(
      () => this.ctx.redis.set(CACHE.session.key(sessionId), JSON.stringify(record), "EX", ttl),
      null,
    );
    if (stored !== "OK") throw unavailable();
    const c = this.ctx.config;
    const token = signHs256(
      {
        sub,
        sid: sessionId,
        iat: Math.floor(now / 1000),
        exp: Math.floor(now / 1000) + ttl,
        ...(c.jwtIssuer === undefined ? {} : { iss: c.jwtIssuer }),
        ...(c.jwtAudience === undefined ? {} : { aud: c.jwtAudience }),
      },
      c.jwtSecret,
    );
    return { sessionId, token, expiresAt };
  }

  /** Ends `sessionId` if it belongs to `sub`; a session of someone else is reported as not found. */
  async end(sub: string, sessionId: string): Promise<void> {
    if (!/^[A-Za-z0-9_-]{16,64}$/.test(sessionId)) throw notFound("session", sessionId.slice(0, 64));
    const record = await this.load(sessionId);
    if (record === null || record.sub !== sub) throw notFound("session", sessionId);
    const deleted = await this.ctx.redisBreaker.run(() => this.ctx.redis.del(CACHE.session.key(sessionId)), null);
    if (deleted === null) throw unavailable();
  }

  private async load(sessionId: string): Promise<SessionRecord | null> {
    const failed = Symbol("failed");
    const raw = await this.ctx.redisBreaker.run<string | null | typeof failed>(
      () => this.ctx.redis.get(CACHE.session.key(sessionId)),
      failed,
    );
    if (raw === failed) throw unavailable();
    return raw === null ? null : (JSON.parse(raw) as SessionRecord);
  }
}

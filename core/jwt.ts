import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * HS256 bearer tokens, verified with node:crypto rather than jose: jose 6 is
 * ESM-only and the jest projects run CommonJS; HS256 is small enough to do
 * carefully here (alg pinned, constant-time compare, exp/nbf with leeway).
 */
export interface JwtClaims {
  sub: string;
  exp?: number;
  nbf?: number;
  iat?: number;
  iss?: string;
  aud?: string | string[];
  [claim: string]: unknown;
}

export interface VerifyOptions {
  issuer?: string;
  audience?: string;
  /** Clock skew tolerated on exp/nbf, in seconds. @default 30 */
  leewaySec?: number;
  /** Current time in seconds, for tests. */
  nowSec?: number;
}

export class JwtError extends Error {}

const b64urlJson = (value: unknown): string => Buffer.from(JSON.stringify(value), "utf8").toString("base64url");

export function signHs256(claims: JwtClaims, secret: string): string {
  const head = b64urlJson({ alg: "HS256", typ: "JWT" });
  const body = b64urlJson(claims);
  const sig = createHmac("sha256", secret).update(`${head}.${body}`).digest("base64url");
  return `${head}.${body}.${sig}`;
}

function parsePart(part: string, what: string): Record<string, unknown> {
  if (!/^[A-Za-z0-9_-]+$/.test(part)) throw new JwtError(`malformed token ${what}`);
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
  } catch {
    throw new JwtError(`malformed token ${what}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new JwtError(`malformed token ${what}`);
  return value as Record<string, unknown>;
}

/** Returns the claims of a valid token or throws JwtError saying why it is not. */
export function verifyHs256(token: string, secret: string, options: VerifyOptions = {}): JwtClaims {
  const parts = token.split(".");
  if (parts.length !== 3) throw new JwtError("token must have three parts");
  const [head, body, sig] = parts as [string, string, string];
  const header = parsePart(head, "header");
  if (header.alg !== "HS256") throw new JwtError(`token alg must be HS256, got ${JSON.stringify(header.alg)}`);
  const expected = createHmac("sha256", secret).update(`${head}.${body}`).digest();
  const given = /^[A-Za-z0-9_-]+$/.test(sig) ? Buffer.from(sig, "base64url") : Buffer.alloc(0);
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    throw new JwtError("token signature is invalid");
  const claims = parsePart(body, "payload");
  const now = options.nowSec ?? Math.floor(Date.now() / 1000);
  const leeway = options.leewaySec ?? 30;
  if (typeof claims.exp !== "number") throw new JwtError("token must carry an expiry (exp)");
  if (now - leeway >= claims.exp) throw new JwtError("token has expired");
  if (claims.nbf !== undefined && (typeof claims.nbf !== "number" || now + leeway < claims.nbf))
    throw new JwtError("token is not yet valid");
  if (typeof claims.sub !== "string" || claims.sub.length === 0 || claims.sub.length > 200)
    throw new JwtError("token must carry a subject (sub)");
  if (options.issuer !== undefined && claims.iss !== options.issuer) throw new JwtError("token issuer is not accepted");
  if (options.audience !== undefined) {
    const aud = claims.aud;
    const ok =
      typeof aud === "string" ? aud === options.audience : Array.isArray(aud) && aud.includes(options.audience);
    if (!ok) throw new JwtError("token audience is not accepted");
  }
  return claims as JwtClaims;
}

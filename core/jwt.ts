import { createSigner, createVerifier, TokenError } from "fast-jwt";

/**
 * HS256 bearer tokens, verified with fast-jwt (CommonJS; jose 6 is ESM-only): algorithm pinned to HS256,
 * `exp` required, `nbf` honoured, `iss`/`aud` enforced when configured, 30 s of clock tolerance. Two checks
 * fast-jwt does not make are added here: `exp` must be a finite time (`1e999` parses to Infinity and would
 * never expire), and the signature must be canonical base64url (other low bits in its last character decode
 * to the same bytes, so one valid signature would otherwise have several spellings).
 */
export interface JwtClaims {
  sub: string;
  exp?: number;
  nbf?: number;
  iat?: number;
  iss?: string;
  aud?: string | string[];
  /** Server-side session id (POST /sessions); a token carrying one is valid only while the session lives. */
  sid?: string;
  [claim: string]: unknown;
}

export interface VerifyOptions {
  issuer?: string;
  audience?: string;
  /** Clock skew tolerated on exp/nbf, in seconds. @default 30 */
  leewaySec?: number;
  /** Current time in seconds, for tests. */
  nowSec?: number;
  /** Verified tokens remembered (until their exp) to skip repeated HMACs. @default 0 (off) */
  cacheSize?: number;
}

export class JwtError extends Error {}

/** The latest `exp` accepted: 9999-12-31T23:59:59Z. Larger (or Infinity) is not a time. */
const MAX_TIME_SEC = 253_402_300_799;

const signers = new Map<string, (claims: Record<string, unknown>) => string>();

export function signHs256(claims: JwtClaims, secret: string): string {
  let sign = signers.get(secret);
  if (sign === undefined) {
    sign = createSigner({ key: secret, algorithm: "HS256", noTimestamp: true });
    signers.set(secret, sign);
  }
  return sign(claims);
}

const MESSAGES: Record<string, string> = {
  [TokenError.codes.expired]: "token has expired",
  [TokenError.codes.inactive]: "token is not yet valid",
  [TokenError.codes.invalidSignature]: "token signature is invalid",
  [TokenError.codes.invalidAlgorithm]: "token alg must be HS256",
  [TokenError.codes.malformed]: "malformed token",
  [TokenError.codes.invalidType]: "malformed token",
};

function explain(err: TokenError): string {
  const known = MESSAGES[err.code];
  if (known !== undefined) return known;
  if (err.code === TokenError.codes.missingRequiredClaim) {
    if (/ iss /.test(err.message)) return "token issuer is not accepted";
    if (/ aud /.test(err.message)) return "token audience is not accepted";
    return / exp /.test(err.message) ? "token must carry an expiry (exp)" : "token must carry a subject (sub)";
  }
  if (/ iss /.test(err.message)) return "token issuer is not accepted";
  if (/ aud /.test(err.message)) return "token audience is not accepted";
  if (/ nbf /.test(err.message)) return "token is not yet valid";
  if (/ exp /.test(err.message)) return "token must carry an expiry (exp)";
  return "token is invalid";
}

const timeClaim = (v: unknown): boolean => typeof v === "number" && Number.isFinite(v) && v <= MAX_TIME_SEC;

/** Builds a verifier once (per secret and options); it returns the claims or throws JwtError saying why not. */
export function createTokenVerifier(secret: string, options: VerifyOptions = {}): (token: string) => JwtClaims {
  const verifier = createVerifier({
    key: secret,
    algorithms: ["HS256"],
    // fast-jwt checks iss/aud only when present: a token without them must not pass a configured check
    requiredClaims: [
      "exp",
      "sub",
      ...(options.issuer === undefined ? [] : ["iss"]),
      ...(options.audience === undefined ? [] : ["aud"]),
    ],
    clockTolerance: (options.leewaySec ?? 30) * 1000,
    ...(options.nowSec === undefined ? {} : { clockTimestamp: options.nowSec * 1000 }),
    ...(options.issuer === undefined ? {} : { allowedIss: options.issuer }),
    ...(options.audience === undefined ? {} : { allowedAud: options.audience }),
    ...(options.cacheSize === undefined || options.cacheSize === 0 ? {} : { cache: options.cacheSize }),
  });
  return (token) => {
    const parts = token.split(".");
    if (parts.length !== 3) throw new JwtError("token must have three parts");
    const sig = parts[2];
    if (!/^[A-Za-z0-9_-]+$/.test(sig) || Buffer.from(sig, "base64url").toString("base64url") !== sig)
      throw new JwtError("token signature is invalid");
    let claims: Record<string, unknown>;
    try {
      claims = verifier(token) as Record<string, unknown>;
    } catch (err) {
      if (err instanceof TokenError) throw new JwtError(explain(err));
      throw new JwtError("malformed token");
    }
    if (typeof claims !== "object" || claims === null || Array.isArray(claims)) throw new JwtError("malformed token");
    if (!timeClaim(claims.exp)) throw new JwtError("token expiry (exp) must be a finite time");
    if (claims.nbf !== undefined && !timeClaim(claims.nbf)) throw new JwtError("token is not yet valid");
    if (typeof claims.sub !== "string" || claims.sub.length === 0 || claims.sub.length > 200)
      throw new JwtError("token must carry a subject (sub)");
    if (claims.sid !== undefined && (typeof claims.sid !== "string" || !/^[A-Za-z0-9_-]{16,64}$/.test(claims.sid)))
      throw new JwtError("token session id (sid) is malformed");
    return claims as JwtClaims;
  };
}

/** Returns the claims of a valid token or throws JwtError saying why it is not. */
export function verifyHs256(token: string, secret: string, options: VerifyOptions = {}): JwtClaims {
  return createTokenVerifier(secret, options)(token);
}

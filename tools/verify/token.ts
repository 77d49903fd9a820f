/**
 * A short-lived HS256 bearer token for the post-deploy tools (verify, loadtest), signed with the API's secret. The
 * tools sit above core/ in the layers (test/layout/imports.test.ts), so they sign here with node:crypto; the API
 * verifies any standard HS256 JWT with `sub` and `exp` (test/app/verify.test.ts proves it against the real API).
 */
import { createHmac } from "node:crypto";

const base64url = (value: string | Buffer) => Buffer.from(value).toString("base64url");

export function bearerToken(subject: string, secret: string, ttlSeconds: number, now = Date.now()): string {
  const header = base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
  const payload = base64url(JSON.stringify({ sub: subject, exp: Math.floor(now / 1000) + ttlSeconds }));
  const signature = base64url(createHmac("sha256", secret).update(`${header}.${payload}`).digest());
  return `${header}.${payload}.${signature}`;
}

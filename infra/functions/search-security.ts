/**
 * The `search-security` Lambda function: applies OpenSearch security-plugin settings (roles, role mappings) to a
 * VPC domain, as its fine-grained access control master user, with requests signed by SigV4 from the function's
 * execution role. Invoked by the deploy (`aws.lambda.Invocation`, infra/components/search-security.ts), which
 * fails when this throws.
 *
 * Self-contained on purpose: Node's built-ins only (no SDK, nothing to bundle), so the program ships this file
 * transpiled as the function's whole code, and the tests import the same code. Every request is a PUT of a whole
 * document, so running it twice leaves the same state (the security API answers 200 or 201).
 */
import { createHash, createHmac } from "node:crypto";

/** One security API call. */
export interface SecurityRequest {
  method: "PUT";
  /** e.g. `/_plugins/_security/api/roles/storyforge_app`. */
  path: string;
  body: Record<string, unknown>;
}

/** The invocation's input. */
export interface SecurityEvent {
  /** The domain's VPC endpoint host, without scheme. */
  endpoint: string;
  region: string;
  requests: SecurityRequest[];
}

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface SignInput {
  method: string;
  host: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  region: string;
  service: string;
  credentials: Credentials;
  /** Signing time. */
  now: Date;
}

const sha256 = (data: string) => createHash("sha256").update(data, "utf8").digest("hex");
const hmac = (key: Buffer | string, data: string) => createHmac("sha256", key).update(data, "utf8").digest();
/** Paths this function sends have no characters SigV4 would encode; anything else is refused rather than guessed. */
const PLAIN_PATH = /^(\/[A-Za-z0-9._-]+)+$/;

/**
 * Signature Version 4 (AWS General Reference, "Create a signed AWS API request"): the headers to send, with
 * `X-Amz-Date`, the session token and `Authorization` added. Every given header is signed.
 */
export function signV4(input: SignInput): Record<string, string> {
  if (!PLAIN_PATH.test(input.path)) throw new Error(`refusing to sign path ${JSON.stringify(input.path)}`);
  const amzDate = input.now.toISOString().replace(/[:-]|\.\d{3}/g, "");
  const date = amzDate.slice(0, 8);
  const headers: Record<string, string> = { ...input.headers, Host: input.host, "X-Amz-Date": amzDate };
  if (input.credentials.sessionToken !== undefined) headers["X-Amz-Security-Token"] = input.credentials.sessionToken;
  const canonical = Object.entries(headers)
    .map(([k, v]) => [k.toLowerCase(), v.trim().replace(/\s+/g, " ")] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const signedHeaders = canonical.map(([k]) => k).join(";");
  const canonicalRequest = [
    input.method,
    input.path,
    "",
    ...canonical.map(([k, v]) => `${k}:${v}`),
    "",
    signedHeaders,
    sha256(input.body),
  ].join("\n");
  const scope = `${date}/${input.region}/${input.service}/aws4_request`;
  const stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256(canonicalRequest)].join("\n");
  const key = ["aws4_request"].reduce(
    (k, part) => hmac(k, part),
    hmac(hmac(hmac(`AWS4${input.credentials.secretAccessKey}`, date), input.region), input.service),
  );
  const signature = createHmac("sha256", key).update(stringToSign, "utf8").digest("hex");
  return {
    ...headers,
    Authorization: `AWS4-HMAC-SHA256 Credential=${input.credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
  };
}

export interface Deps {
  fetch: (
    url: string,
    init: { method: string; headers: Record<string, string>; body: string },
  ) => Promise<{
    status: number;
    text(): Promise<string>;
  }>;
  env: Record<string, string | undefined>;
  now: () => Date;
}

/** Sends every request in order; the first answer other than 200 or 201 stops it with the status and body. */
export async function applySecurity(event: SecurityEvent, deps: Deps): Promise<{ applied: string[] }> {
  const { AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN } = deps.env;
  if (AWS_ACCESS_KEY_ID === undefined || AWS_SECRET_ACCESS_KEY === undefined) {
    throw new Error("no AWS credentials in the environment (the execution role's keys)");
  }
  const credentials = {
    accessKeyId: AWS_ACCESS_KEY_ID,
    secretAccessKey: AWS_SECRET_ACCESS_KEY,
    sessionToken: AWS_SESSION_TOKEN,
  };
  const applied: string[] = [];
  for (const request of event.requests) {
    const body = JSON.stringify(request.body);
    const headers = signV4({
      method: request.method,
      host: event.endpoint,
      path: request.path,
      headers: { "Content-Type": "application/json" },
      body,
      region: event.region,
      service: "es",
      credentials,
      now: deps.now(),
    });
    const response = await deps.fetch(`https://${event.endpoint}${request.path}`, {
      method: request.method,
      headers,
      body,
    });
    const text = await response.text();
    if (response.status !== 200 && response.status !== 201) {
      throw new Error(`${request.method} ${request.path} answered ${response.status}: ${text.slice(0, 500)}`);
    }
    applied.push(`${request.method} ${request.path} ${response.status}`);
  }
  return { applied };
}

/** The Lambda entry point (Node 22 runtime: global fetch). */
export async function handler(event: SecurityEvent): Promise<{ applied: string[] }> {
  return applySecurity(event, { fetch: (url, init) => fetch(url, init), env: process.env, now: () => new Date() });
}

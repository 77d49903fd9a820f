import { badRequest } from "../core/errors";

/**
 * Input validation: each function returns the typed value or throws a 400
 * naming the field and showing (a prefix of) the value it got.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const show = (v: unknown): string => {
  let text: string;
  try {
    text = JSON.stringify(v) ?? String(v);
  } catch {
    text = String(v);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
};

export function uuid(field: string, v: unknown): string {
  if (typeof v !== "string" || !UUID.test(v)) throw badRequest(field, `${field} must be a UUID, got ${show(v)}`);
  return v.toLowerCase();
}

/** Rejects strings with control characters other than tab and newline. */
export function text(field: string, v: unknown, min: number, max: number): string {
  if (typeof v !== "string") throw badRequest(field, `${field} must be a string, got ${show(v)}`);
  const t = v.trim();
  if (t.length < min || t.length > max)
    throw badRequest(field, `${field} must be ${min}-${max} characters, got ${t.length}`);
  // eslint-disable-next-line no-control-regex -- the point: refuse control characters in user text
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(t))
    throw badRequest(field, `${field} must not contain control characters`);
  if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(t))
    throw badRequest(field, `${field} must be well-formed Unicode`);
  return t;
}

export function int(field: string, v: unknown, min: number, max: number): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max)
    throw badRequest(field, `${field} must be an integer between ${min} and ${max}, got ${show(v)}`);
  return v;
}

/** An integer from a query string ("20"). */
export function intParam(field: string, v: unknown, min: number, max: number, def: number): number {
  if (v === undefined) return def;
  if (typeof v !== "string" || !/^\d{1,9}$/.test(v))
    throw badRequest(field, `${field} must be an integer between ${min} and ${max}, got ${show(v)}`);
  return int(field, Number(v), min, max);
}

/** A single query-string value (not repeated, not nested). */
export function queryString(field: string, v: unknown): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== "string") throw badRequest(field, `${field} must be given once as a plain value, got ${show(v)}`);
  return v;
}

export function tags(field: string, v: unknown): string[] {
  if (!Array.isArray(v) || v.length > 10)
    throw badRequest(field, `${field} must be an array of at most 10 tags, got ${show(v)}`);
  const out = v.map((t, i) => {
    if (typeof t !== "string" || !/^[a-z0-9][a-z0-9-]{0,39}$/.test(t))
      throw badRequest(
        `${field}[${i}]`,
        `${field}[${i}] must be a lowercase tag of 1-40 of a-z, 0-9 and '-', got ${show(t)}`,
      );
    return t;
  });
  return [...new Set(out)];
}

export function httpsUrl(field: string, v: unknown): string {
  if (typeof v !== "string" || v.length > 2000)
    throw badRequest(field, `${field} must be an https URL of at most 2000 characters, got ${show(v)}`);
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw badRequest(field, `${field} must be an https URL, got ${show(v)}`);
  }
  if (u.protocol !== "https:") throw badRequest(field, `${field} must be an https URL, got ${show(v)}`);
  return u.toString();
}

/** The JSON body as an object with only `allowed` keys. */
export function body(v: unknown, allowed: readonly string[]): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v))
    throw badRequest("body", `body must be a JSON object, got ${show(v)}`);
  for (const key of Object.keys(v)) {
    if (!allowed.includes(key)) throw badRequest(key, `unknown field ${show(key)}; allowed: ${allowed.join(", ")}`);
  }
  return v as Record<string, unknown>;
}

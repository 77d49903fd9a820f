import { z } from "zod";
import { extendZodWithOpenApi } from "@asteasolutions/zod-to-openapi";
import { type HttpError, badRequest } from "../core/errors";

extendZodWithOpenApi(z);
export { z };

/**
 * Input validation with zod: every route's params, query and body have a schema (app/schemas.ts); a failure is
 * a 400 `{error:{code:"validation_failed",message,field}}` naming the first wrong field (`tags[0]`, `topicId`)
 * and showing a bounded description of what it got (never a recursive dump: a body of 30,000 nested arrays
 * is described as "an array of 1 item", not stringified).
 */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A short, non-recursive description of a value for error messages. */
export function describe(v: unknown): string {
  if (typeof v === "string") {
    const cut = [...v].slice(0, 60).join("");
    return JSON.stringify(cut.length < v.length ? `${cut}...` : cut);
  }
  if (Array.isArray(v)) return `an array of ${v.length} item${v.length === 1 ? "" : "s"}`;
  if (v === null) return "null";
  if (typeof v === "object") return "an object";
  if (v === undefined) return "nothing";
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") return String(v);
  return typeof v;
}

const fieldName = (path: ReadonlyArray<PropertyKey>): string =>
  path.reduce<string>(
    (acc, p) => (typeof p === "number" ? `${acc}[${p}]` : acc === "" ? String(p) : `${acc}.${String(p)}`),
    "",
  );

/** Query keys as Express's parser leaves them (`topicId[]`, `limit[a]`) name the parameter they tried to set. */
const baseKey = (key: string): string => key.replace(/\[.*$/, "");

function toHttpError(issue: z.core.$ZodIssue, where: string): HttpError {
  const field = fieldName(issue.path);
  if (issue.code === "unrecognized_keys") {
    const key = issue.keys[0] ?? "";
    if (where === "query") {
      const name = baseKey(key);
      return name !== key
        ? badRequest(name, `${name} must be given once as a plain value, got ${JSON.stringify(key)}`)
        : badRequest(key, `unknown query parameter ${JSON.stringify(key)}`);
    }
    return badRequest(field === "" ? key : `${field}.${key}`, `unknown field ${JSON.stringify(key)}`);
  }
  const name = field === "" ? where : field;
  if (issue.code === "invalid_type") {
    if (issue.input === undefined) return badRequest(name, `${name} is required`);
    if (where === "query" && Array.isArray(issue.input))
      return badRequest(name, `${name} must be given once as a plain value, got ${describe(issue.input)}`);
    return badRequest(name, `${name} must be ${article(issue.expected)}, got ${describe(issue.input)}`);
  }
  // custom messages (refinements) are written to read after the field name
  return badRequest(name, `${name} ${issue.message}`);
}

const article = (expected: string): string =>
  expected === "object" ? "a JSON object" : expected === "array" ? "an array" : `a ${expected}`;

/** Parses `value` with `schema` or throws the 400 naming the field; `where` names the whole (body, query). */
export function parse<S extends z.ZodType>(schema: S, value: unknown, where: "body" | "query" | "params"): z.output<S> {
  const r = schema.safeParse(value, { reportInput: true });
  if (r.success) return r.data;
  // an unknown key first: it usually explains the rest (a misspelt field is also a missing one)
  const issues = r.error.issues;
  throw toHttpError(issues.find((i) => i.code === "unrecognized_keys") ?? issues[0], where);
}

const codePoints = (s: string): number => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};

/**
 * User text: trimmed, `min`-`max` characters counted as Unicode code points (an emoji is one, not two UTF-16
 * units; JSON Schema's maxLength counts the same way), no control characters but tab and newline, no lone
 * surrogates.
 */
export function text(min: number, max: number) {
  return z
    .string()
    .trim()
    .superRefine((t, ctx) => {
      const n = codePoints(t);
      if (n < min || n > max) ctx.addIssue({ code: "custom", message: `must be ${min}-${max} characters, got ${n}` });
      // eslint-disable-next-line no-control-regex -- the point: refuse control characters in user text
      else if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(t))
        ctx.addIssue({ code: "custom", message: "must not contain control characters" });
      else if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(t))
        ctx.addIssue({ code: "custom", message: "must be well-formed Unicode" });
    })
    .openapi({ minLength: min, maxLength: max });
}

export const uuid = () =>
  z
    .string()
    .superRefine((v, ctx) => {
      if (!UUID.test(v)) ctx.addIssue({ code: "custom", message: `must be a UUID, got ${describe(v)}` });
    })
    .transform((v) => v.toLowerCase())
    .openapi({ format: "uuid" });

/** An integer in a query string ("20"), `def` when absent. */
export const intParam = (min: number, max: number, def: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined) return def;
      const n = /^\d{1,9}$/.test(v) ? Number(v) : NaN;
      if (!(n >= min && n <= max)) {
        ctx.addIssue({ code: "custom", message: `must be an integer between ${min} and ${max}, got ${describe(v)}` });
        return z.NEVER;
      }
      return n;
    })
    .openapi({ type: "integer", minimum: min, maximum: max, default: def });

export const int = (min: number, max: number) =>
  z.unknown().transform((v, ctx) => {
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
      ctx.addIssue({ code: "custom", message: `must be an integer between ${min} and ${max}, got ${describe(v)}` });
      return z.NEVER;
    }
    return v;
  });

export const tag = () =>
  z.string().superRefine((t, ctx) => {
    if (!/^[a-z0-9][a-z0-9-]{0,39}$/.test(t))
      ctx.addIssue({
        code: "custom",
        message: `must be a lowercase tag of 1-40 of a-z, 0-9 and '-', got ${describe(t)}`,
      });
  });

export const httpsUrl = () =>
  z
    .string()
    .transform((v, ctx) => {
      let u: URL | undefined;
      try {
        u = v.length <= 2000 ? new URL(v) : undefined;
      } catch {
        u = undefined;
      }
      if (u?.protocol !== "https:") {
        ctx.addIssue({
          code: "custom",
          message: `must be an https URL of at most 2000 characters, got ${describe(v)}`,
        });
        return z.NEVER;
      }
      return u.toString();
    })
    .openapi({ format: "uri", maxLength: 2000 });

/** Deepest nesting of `[`/`{` a JSON body may have (ours have 2); checked on the raw bytes before parsing. */
export const MAX_JSON_DEPTH = 32;

/** Thrown by checkJsonDepth; body-parser wraps it (`entity.verify.failed`), app/http.ts makes it a 400. */
export class TooDeepError extends Error {}

/** Throws when the raw JSON nests deeper than MAX_JSON_DEPTH (body-parser `verify`, before JSON.parse). */
export function checkJsonDepth(buf: Buffer): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i];
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped byte
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > MAX_JSON_DEPTH) throw new TooDeepError(`body nests deeper than ${MAX_JSON_DEPTH} levels`);
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
}

import { isUnsafeUriChar, SEGMENT_MAX_DURATION_MS } from "../core/scenes";
import { FinalJobError } from "./errors";
import type { GeneratedSegment } from "./generator";

const MAX_URI_LENGTH = 2_048;

/**
 * A generator's answer, checked before anything is written (issue 14 item 9): a whole number of milliseconds
 * from 1 to SEGMENT_MAX_DURATION_MS (the playlist's fixed target duration), and a URI that is one plain line:
 * no controls, spaces or line breaks (which would let it write its own playlist tags), no leading `#`, at most
 * 2,048 characters, relative to MEDIA_BASE_URL or http(s). Anything else is a final failure: the generator
 * answered, wrongly, and would answer the same input the same way.
 */
export function validateSegment(out: unknown): GeneratedSegment {
  const bad = (why: string) => new FinalJobError(`the generator returned an invalid segment: ${why}`);
  if (typeof out !== "object" || out === null) throw bad("not an object");
  const { durationMs, uri } = out as Record<string, unknown>;
  if (typeof durationMs !== "number" || !Number.isInteger(durationMs))
    throw bad(`durationMs must be a whole number of milliseconds, got ${describe(durationMs)}`);
  if (durationMs < 1 || durationMs > SEGMENT_MAX_DURATION_MS)
    throw bad(`durationMs must be from 1 to ${SEGMENT_MAX_DURATION_MS}, got ${durationMs}`);
  if (typeof uri !== "string" || uri.length === 0) throw bad(`uri must be a non-empty string, got ${describe(uri)}`);
  if (uri.length > MAX_URI_LENGTH) throw bad(`uri must be at most ${MAX_URI_LENGTH} characters, got ${uri.length}`);
  if ([...uri].some(isUnsafeUriChar)) throw bad("uri must not contain spaces, line breaks or control characters");
  if (uri.startsWith("#")) throw bad("uri must not start with #");
  if (/^[a-z][a-z0-9+.-]*:/i.test(uri) && !/^https?:\/\//i.test(uri)) throw bad("uri must be relative or http(s)");
  return { durationMs, uri };
}

const describe = (v: unknown): string => (typeof v === "string" ? "a string" : (JSON.stringify(v) ?? String(v)));

import { badRequest } from "./errors";

/** Keyset position in a scene listing: the last row's (created_at, id). */
export interface SceneCursor {
  createdAt: string;
  id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Opaque to clients: base64url of `<ISO timestamp>|<uuid>`. */
export function encodeCursor(cursor: SceneCursor): string {
  return Buffer.from(`${cursor.createdAt}|${cursor.id}`, "utf8").toString("base64url");
}

/** Decodes a client's cursor; anything that is not one we issued is a 400 naming `cursor`. */
export function decodeCursor(raw: string): SceneCursor {
  const invalid = () =>
    badRequest("cursor", `cursor is not a valid page cursor, got ${JSON.stringify(raw.slice(0, 100))}`);
  if (raw.length === 0 || raw.length > 200 || !/^[A-Za-z0-9_-]+$/.test(raw)) throw invalid();
  const text = Buffer.from(raw, "base64url").toString("utf8");
  const sep = text.indexOf("|");
  if (sep < 0) throw invalid();
  const createdAt = text.slice(0, sep);
  const id = text.slice(sep + 1);
  if (!UUID.test(id)) throw invalid();
  if (!realTime(createdAt)) throw invalid();
  return { createdAt, id };
}

/**
 * Whether `text` is a UTC timestamp whose every field is real: Date.parse rolls 2026-02-30 over to March 2 (and
 * PostgreSQL refuses it), so the fields are compared with the date they build.
 */
function realTime(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,6})?Z$/.exec(text);
  if (m === null) return false;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const t = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  return (
    y >= 1 &&
    t.getUTCFullYear() === y &&
    t.getUTCMonth() === mo - 1 &&
    t.getUTCDate() === d &&
    t.getUTCHours() === h &&
    t.getUTCMinutes() === mi &&
    t.getUTCSeconds() === s
  );
}

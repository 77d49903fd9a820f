// Pure logic of the API and worker: no services touched.
import { brotliDecompressSync, gunzipSync, gzipSync, inflateSync } from "node:zlib";
import fc from "fast-check";
import { backoffDelay } from "../../../core/backoff";
import { decodeCursor, encodeCursor } from "../../../core/cursor";
import { HttpError } from "../../../core/errors";
import { monthsToEnsure, partitionName } from "../../../core/partitions";
import { buildPlaylist } from "../../../core/scenes";
import { generationJobId } from "../../../core/queue";
import { toHttpError } from "../../../app/http";
import { checkJsonDepth, describe as describeValue, parse, TooDeepError } from "../../../app/validate";
import { newSceneBody, sceneListQuery } from "../../../app/schemas";

describe("cursor encoding", () => {
  test("any (timestamp, uuid) survives encode/decode", () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date("2000-01-01"), max: new Date("2100-01-01"), noInvalidDate: true }),
        fc.uuid(),
        (d, id) => {
          const c = { createdAt: d.toISOString(), id };
          expect(decodeCursor(encodeCursor(c))).toEqual(c);
        },
      ),
    );
  });

  test("impossible dates (2026-02-30, 24:00, second 60) are a 400 naming cursor, not rolled over", () => {
    const id = "0b3f8a4e-7d0c-4c5e-9a55-2f1e6a1b9c01";
    for (const t of [
      "2026-02-30T00:00:00Z",
      "2026-13-01T00:00:00Z",
      "2026-01-01T24:00:00Z",
      "2026-01-01T00:00:60Z",
      "2025-02-29T00:00:00.5Z",
    ]) {
      const raw = Buffer.from(`${t}|${id}`).toString("base64url");
      expect(() => decodeCursor(raw)).toThrow(expect.objectContaining({ field: "cursor", status: 400 }));
    }
    expect(decodeCursor(Buffer.from(`2024-02-29T23:59:59.123456Z|${id}`).toString("base64url")).id).toBe(id);
  });

  test("any other string is a 400 naming cursor, never another error", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => {
        try {
          decodeCursor(s);
        } catch (err) {
          expect(err).toBeInstanceOf(HttpError);
          expect((err as HttpError).field).toBe("cursor");
        }
      }),
    );
  });
});

describe("retry backoff (seed 001: 30 s to 10 min, jittered)", () => {
  const policy = { minMs: 30_000, maxMs: 600_000 };
  test("every delay lies within [30 s, 10 min] and the base doubles per attempt", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50 }), fc.double({ min: 0, max: 0.999999, noNaN: true }), (attempt, r) => {
        const d = backoffDelay(attempt, policy, () => r);
        expect(d).toBeGreaterThanOrEqual(30_000);
        expect(d).toBeLessThanOrEqual(600_000);
        const base = Math.min(600_000, 30_000 * 2 ** (attempt - 1));
        expect(d).toBeGreaterThanOrEqual(base);
      }),
    );
    expect(backoffDelay(1, policy, () => 0)).toBe(30_000);
    expect(backoffDelay(2, policy, () => 0)).toBe(60_000);
    expect(backoffDelay(10, policy, () => 0.9)).toBe(600_000);
  });

  test("jitter spreads retries of the same attempt", () => {
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelay(3, policy)));
    expect(delays.size).toBeGreaterThan(10);
  });
});

describe("validation (zod schemas of app/schemas.ts)", () => {
  const fieldOf = (fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      return { field: (err as HttpError).field, status: (err as HttpError).status, message: (err as Error).message };
    }
    return undefined;
  };
  const topicId = "00000000-0000-4000-8000-000000000000";

  test("text rejects control characters and lone surrogates, naming the field", () => {
    for (const bad of ["a\u0000b", "a\u0007", "\uD800x"]) {
      expect(fieldOf(() => parse(newSceneBody, { topicId, title: bad }, "body"))).toMatchObject({
        field: "title",
        status: 400,
      });
    }
    expect(parse(newSceneBody, { topicId, title: "  ok  " }, "body").title).toBe("ok");
  });

  test("length limits count characters (code points), not UTF-16 units", () => {
    // 200 emoji are 200 characters but 400 UTF-16 units
    expect(parse(newSceneBody, { topicId, title: "😀".repeat(200) }, "body").title).toHaveLength(400);
    expect(fieldOf(() => parse(newSceneBody, { topicId, title: "😀".repeat(201) }, "body"))).toMatchObject({
      field: "title",
      message: "title must be 1-200 characters, got 201",
    });
  });

  test("query parameters given twice or as arrays (topicId[]=) are a 400 naming the parameter", () => {
    expect(fieldOf(() => parse(sceneListQuery, { topicId: ["a", "b"] }, "query"))?.field).toBe("topicId");
    expect(fieldOf(() => parse(sceneListQuery, { "topicId[]": topicId }, "query"))?.field).toBe("topicId");
    expect(fieldOf(() => parse(sceneListQuery, { "limit[]": "5" }, "query"))?.field).toBe("limit");
    expect(fieldOf(() => parse(sceneListQuery, { limit: "51" }, "query"))?.field).toBe("limit");
    expect(parse(sceneListQuery, {}, "query").limit).toBe(20);
  });

  test("unknown body fields are named, before the fields they might have misspelt", () => {
    expect(fieldOf(() => parse(newSceneBody, { title: "x", extra: 1 }, "body"))?.field).toBe("extra");
  });

  test("a body of 30,000 nested arrays is refused by its depth before it is parsed", () => {
    const deep = Buffer.from("[".repeat(30_000) + "]".repeat(30_000));
    expect(() => checkJsonDepth(deep)).toThrow(TooDeepError);
    expect(() => checkJsonDepth(Buffer.from('{"title":"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}'))).not.toThrow();
    expect(describeValue(JSON.parse("[".repeat(5000) + "]".repeat(5000)))).toBe("an array of 1 item");
  });
});

describe("partitions, playlists, job ids, errors", () => {
  test("maintenance covers this month and the next N, across a year end", () => {
    expect(monthsToEnsure(new Date(Date.UTC(2026, 10, 23)), 3)).toEqual([
      { year: 2026, month: 11 },
      { year: 2026, month: 12 },
      { year: 2027, month: 1 },
      { year: 2027, month: 2 },
    ]);
    expect(partitionName("segments", 2027, 1)).toBe("segments_2027_01");
  });

  test("the playlist lists segments with their durations under the fixed target duration", () => {
    const m3u8 = buildPlaylist(
      [
        { sequence: 1, durationMs: 4200, uri: "a/1.ts" },
        { sequence: 2, durationMs: 2000, uri: "https://cdn/x.ts" },
      ],
      "/media",
    );
    expect(m3u8).toBe(
      "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-PLAYLIST-TYPE:EVENT\n#EXT-X-TARGETDURATION:10\n#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:4.200,\n/media/a/1.ts\n#EXTINF:2.000,\nhttps://cdn/x.ts\n",
    );
  });

  test("BullMQ job ids never contain ':'", () => {
    fc.assert(
      fc.property(fc.uuid(), fc.integer({ min: 1, max: 100_000 }), (id, seq) =>
        expect(generationJobId(id, seq)).not.toContain(":"),
      ),
    );
  });

  test("client errors from the body parser map to 413/415/400, dependency failures to 503, anything else to 500", () => {
    expect(toHttpError({ type: "entity.too.large" }).status).toBe(413);
    expect(toHttpError({ type: "charset.unsupported" }).status).toBe(415);
    expect(toHttpError({ type: "entity.parse.failed" }).status).toBe(400);
    expect(toHttpError({ status: 400, message: "URI malformed" }).status).toBe(400);
    expect(toHttpError(Object.assign(new Error("x"), { code: "ECONNREFUSED" })).status).toBe(503);
    expect(toHttpError(new Error("bug")).status).toBe(500);
  });

  test("a body that gzip, deflate or brotli cannot decode is a 400 on the body saying so, whatever the decoder said", () => {
    const notCompressed = Buffer.from('{"prompt":"p"}');
    const decoderErrors = [
      () => gunzipSync(notCompressed),
      () => inflateSync(notCompressed),
      () => brotliDecompressSync(notCompressed),
      () => gunzipSync(gzipSync("truncated").subarray(0, 12)),
    ].map((decode) => {
      try {
        decode();
      } catch (err) {
        return err;
      }
      throw new Error("decoded");
    });
    for (const err of decoderErrors)
      expect(toHttpError(err).toJSON()).toEqual({
        error: {
          code: "validation_failed",
          message: "request body does not decode by its Content-Encoding",
          field: "body",
        },
      });
  });
});

import fc from "fast-check";
import { buildPlaylist, publishedSegments } from "../../../core/scenes";
import { FinalJobError, publicMessage } from "../../../worker/errors";
import { validateSegment } from "../../../worker/segment";

describe("generator output and the playlist (pure)", () => {
  test("a segment is a whole number of milliseconds from 1 to 10,000 and a one-line relative or http(s) uri", () => {
    expect(validateSegment({ uri: "scenes/a/1.ts", durationMs: 4000 })).toEqual({
      uri: "scenes/a/1.ts",
      durationMs: 4000,
    });
    expect(validateSegment({ uri: "https://cdn.example/a.ts?x=1", durationMs: 10_000 }).durationMs).toBe(10_000);
    const refused: Array<[unknown, RegExp]> = [
      [{ uri: "a.ts", durationMs: 0 }, /durationMs must be from 1 to 10000, got 0/],
      [{ uri: "a.ts", durationMs: 10_001 }, /got 10001/],
      [{ uri: "a.ts", durationMs: 1.5 }, /whole number/],
      [{ uri: "a.ts", durationMs: "4000" }, /whole number/],
      [{ uri: "a.ts\n#EXT-X-KEY:METHOD=NONE", durationMs: 1 }, /line breaks/],
      [{ uri: "a b.ts", durationMs: 1 }, /spaces/],
      [{ uri: "#EXT-X-ENDLIST", durationMs: 1 }, /must not start with #/],
      [{ uri: "javascript:alert(1)", durationMs: 1 }, /relative or http/],
      [{ uri: "", durationMs: 1 }, /non-empty/],
      [{ uri: "x".repeat(2049), durationMs: 1 }, /at most 2048/],
      [null, /not an object/],
    ];
    for (const [out, why] of refused) {
      let err: unknown;
      try {
        validateSegment(out);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(FinalJobError);
      expect(publicMessage(err)).toMatch(why);
    }
  });

  test("errors that are not ours read 'generation failed' in public", () => {
    expect(publicMessage(new Error('duplicate key value violates unique constraint "x"'))).toBe("generation failed");
    expect(publicMessage(new FinalJobError("the scene no longer exists"))).toBe("the scene no longer exists");
  });

  test("whatever the completion order, the published segments are the run from 1, and a playlist only ever grows at its end", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 12 }), { maxLength: 30 }), (order) => {
        const done: Array<{ sequence: number; durationMs: number; uri: string }> = [];
        let previous = buildPlaylist([], "/m");
        for (const seq of order) {
          if (done.some((d) => d.sequence === seq)) continue;
          done.push({ sequence: seq, durationMs: 1000 + seq, uri: `s/${seq}.ts` });
          const next = buildPlaylist(done, "/m");
          expect(next.startsWith(previous)).toBe(true);
          const published = publishedSegments(done).map((s) => s.sequence);
          expect(published).toEqual(Array.from({ length: published.length }, (_, i) => i + 1));
          expect(done.some((d) => d.sequence === published.length + 1)).toBe(false);
          previous = next;
        }
      }),
    );
  });
});

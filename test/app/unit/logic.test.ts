// Pure logic of the API and worker: no services touched.
import fc from "fast-check";
import { backoffDelay } from "../../../core/backoff";
import { decodeCursor, encodeCursor } from "../../../core/cursor";
import { HttpError } from "../../../core/errors";
import { JwtError, signHs256, verifyHs256 } from "../../../core/jwt";
import { loadConfig, ConfigError } from "../../../core/config";
import { monthsToEnsure, partitionName } from "../../../core/partitions";
import { buildPlaylist } from "../../../core/scenes";
import { generationJobId } from "../../../core/queue";
import { CircuitBreaker } from "../../../core/breaker";
import { createLogger } from "../../../core/logger";
import { toHttpError } from "../../../app/http";
import * as v from "../../../app/validate";

const SECRET = "unit-secret-unit-secret-unit-secret!";
const now = 1_800_000_000;

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

describe("HS256 verification", () => {
  const valid = (claims: Record<string, unknown> = {}) => signHs256({ sub: "alice", exp: now + 60, ...claims }, SECRET);

  test("a token signed with the secret yields its subject", () => {
    expect(verifyHs256(valid(), SECRET, { nowSec: now }).sub).toBe("alice");
  });

  test.each([
    ["another secret", () => signHs256({ sub: "alice", exp: now + 60 }, "x".repeat(40)), /signature/],
    ["expired beyond the leeway", () => valid({ exp: now - 31 }), /expired/],
    ["not yet valid", () => valid({ nbf: now + 120 }), /not yet valid/],
    ["without exp", () => signHs256({ sub: "alice" }, SECRET), /expiry/],
    ["without sub", () => signHs256({ sub: "", exp: now + 60 }, SECRET), /subject/],
    [
      "alg none",
      () =>
        `${Buffer.from('{"alg":"none"}').toString("base64url")}.${Buffer.from('{"sub":"a","exp":9999999999}').toString("base64url")}.`,
      /HS256/,
    ],
    [
      "a tampered payload",
      () => {
        const [h, , s] = valid().split(".");
        return `${h}.${Buffer.from('{"sub":"admin","exp":9999999999}').toString("base64url")}.${s}`;
      },
      /signature/,
    ],
    ["two parts", () => "a.b", /three parts/],
  ])("rejects %s", (_name, make, message) => {
    expect(() => verifyHs256(make(), SECRET, { nowSec: now })).toThrow(message);
  });

  test("issuer and audience are enforced when configured", () => {
    const t = valid({ iss: "storyforge", aud: ["api"] });
    expect(verifyHs256(t, SECRET, { nowSec: now, issuer: "storyforge", audience: "api" }).sub).toBe("alice");
    expect(() => verifyHs256(t, SECRET, { nowSec: now, issuer: "other" })).toThrow(JwtError);
    expect(() => verifyHs256(t, SECRET, { nowSec: now, audience: "web" })).toThrow(JwtError);
  });

  test("random strings never verify and only ever throw JwtError", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        expect(() => verifyHs256(s, SECRET)).toThrow(JwtError);
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

describe("validation", () => {
  test("text rejects control characters and lone surrogates, naming the field", () => {
    for (const bad of ["a\u0000b", "a\u0007", "\uD800x"]) {
      expect(() => v.text("title", bad, 1, 10)).toThrow(expect.objectContaining({ field: "title", status: 400 }));
    }
    expect(v.text("title", "  ok  ", 1, 10)).toBe("ok");
  });

  test("query parameters given twice are a 400 naming the parameter", () => {
    expect(() => v.queryString("topicId", ["a", "b"])).toThrow(expect.objectContaining({ field: "topicId" }));
    expect(() => v.intParam("limit", "51", 1, 50, 20)).toThrow(expect.objectContaining({ field: "limit" }));
    expect(v.intParam("limit", undefined, 1, 50, 20)).toBe(20);
  });

  test("unknown body fields are named", () => {
    expect(() => v.body({ title: "x", extra: 1 }, ["title"])).toThrow(expect.objectContaining({ field: "extra" }));
  });
});

describe("configuration", () => {
  const base = {
    DATABASE_URL: "postgres://u:p@127.0.0.1:6432/storyforge",
    REDIS_URL: "redis://127.0.0.1:7000",
    JWT_SECRET: "s".repeat(32),
  };
  test("defaults follow the seeds: 5 s query timeout, 120/30/20 per minute limits, backoff 30 s to 10 min", () => {
    const c = loadConfig(base, "api");
    expect([
      c.dbQueryTimeoutMs,
      c.rateLimitReadPerMin,
      c.rateLimitWritePerMin,
      c.rateLimitSceneCreatePerMin,
      c.backoffMinMs,
      c.backoffMaxMs,
      c.queuePrefix,
    ]).toEqual([5000, 120, 30, 20, 30_000, 600_000, "{storyforge}"]);
    expect(c.databaseReplicaUrl).toBe(base.DATABASE_URL);
  });

  test.each([
    [{ JWT_SECRET: "short" }, /JWT_SECRET must be at least 32/],
    [{ DATABASE_URL: "mysql://x" }, /DATABASE_URL must use postgres/],
    [{ WORKER_CONCURRENCY: "0" }, /WORKER_CONCURRENCY must be between 1 and 1000, got 0/],
    [{ PORT: "abc" }, /PORT must be an integer, got "abc"/],
    [{ QUEUE_PREFIX: "storyforge" }, /QUEUE_PREFIX must be a hash tag/],
    [{ JOB_BACKOFF_MIN_MS: "1000", JOB_BACKOFF_MAX_MS: "10" }, /JOB_BACKOFF_MAX_MS must be >=/],
  ])("%j is refused with a message naming the variable", (over, message) => {
    expect(() => loadConfig({ ...base, ...over }, "api")).toThrow(message);
  });

  test("a configured 0 is kept, not replaced by the default", () => {
    expect(loadConfig({ ...base, READ_YOUR_WRITES_MS: "0" }, "api").readYourWritesMs).toBe(0);
  });

  test("the worker does not need JWT_SECRET", () => {
    expect(() => loadConfig({ ...base, JWT_SECRET: undefined }, "worker")).not.toThrow();
    expect(() => loadConfig({ ...base, JWT_SECRET: undefined }, "api")).toThrow(ConfigError);
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

  test("the breaker opens after 3 failures and lets a trial through after the cooldown", async () => {
    let t = 0;
    const b = new CircuitBreaker(3, 1000, () => t);
    for (let i = 0; i < 3; i++) await b.run(() => Promise.reject(new Error("down")), "fallback");
    let called = false;
    expect(await b.run(async () => ((called = true), "live"), "fallback")).toBe("fallback");
    expect(called).toBe(false);
    t = 1000;
    expect(await b.run(async () => "live", "fallback")).toBe("live");
  });

  test("logs are JSON lines and never carry secret-named fields", () => {
    const lines: string[] = [];
    const log = createLogger("info", { service: "api" }, (l) => lines.push(l));
    log.debug("hidden");
    log.info("hello", { jwtSecret: "s3cr3t", authorization: "Bearer x", n: 1 });
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]);
    expect(entry).toMatchObject({
      level: "info",
      msg: "hello",
      service: "api",
      jwtSecret: "[redacted]",
      authorization: "[redacted]",
      n: 1,
    });
    expect(lines[0]).not.toContain("s3cr3t");
  });
});

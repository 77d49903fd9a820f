import { formatDuration, idleFor, isIdle, lastDeployOf, parseDuration } from "../../stacks/preview/idle";

const H = 3_600_000;

describe("idle limits", () => {
  test.each([
    ["90m", 1.5 * H],
    ["72h", 72 * H],
    ["3d", 72 * H],
    ["2w", 14 * 24 * H],
    ["1d12h", 36 * H],
  ])("%s parses to its milliseconds", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  test.each(["", "72", "h", "3 days", "-1h", "1.5h", "0h"])("%j is refused, naming the flag and the value", (text) => {
    expect(() => parseDuration(text, "--idle")).toThrow(`--idle must be`);
    expect(() => parseDuration(text, "--idle")).toThrow(JSON.stringify(text));
  });

  test("durations print in the largest two units", () => {
    expect(formatDuration(73 * H + 5 * 60_000)).toBe("3d 1h");
    expect(formatDuration(5 * H + 12 * 60_000)).toBe("5h 12m");
    expect(formatDuration(7 * 60_000)).toBe("7m");
  });
});

describe("idle time", () => {
  const now = new Date("2026-11-23T12:00:00Z");

  test("idle time counts from the last deploy, not from creation", () => {
    // Created long ago but deployed an hour ago: one hour idle.
    const last = lastDeployOf("2026-11-23T11:00:00Z", "2026-01-01T00:00:00Z");
    expect(last?.source).toBe("tag");
    expect(idleFor(last!.at, now)).toBe(H);
    expect(isIdle(last!.at, now, 72 * H)).toBe(false);
  });

  test("a preview is idle only when its last deploy is strictly older than the limit", () => {
    expect(isIdle(new Date(now.getTime() - 72 * H), now, 72 * H)).toBe(false);
    expect(isIdle(new Date(now.getTime() - 72 * H - 1), now, 72 * H)).toBe(true);
  });

  test("without a last-deploy tag the backend's last update is used", () => {
    expect(lastDeployOf(undefined, "2026-11-20T12:00:00.000Z")).toEqual({
      at: new Date("2026-11-20T12:00:00Z"),
      source: "backend",
    });
    expect(lastDeployOf("not a time", "2026-11-20T12:00:00.000Z")?.source).toBe("backend");
  });

  test("with neither the last deploy is unknown", () => {
    expect(lastDeployOf(undefined, undefined)).toBeUndefined();
    expect(lastDeployOf("", "")).toBeUndefined();
  });

  test("a last deploy in the future (clock skew) is zero idle", () => {
    expect(idleFor(new Date(now.getTime() + H), now)).toBe(0);
  });
});

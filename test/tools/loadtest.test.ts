/** The load test's pure parts: the profiles' shape, the schedule, percentiles and the verdicts of the report. */
import { PROFILES, profileNamed, scaled } from "../../tools/loadtest/profiles";
import { summarise, table } from "../../tools/loadtest/report";
import { percentile, phaseAt, type Sample } from "../../tools/loadtest/run";
import { main } from "../../tools/loadtest/cli";

const sample = (over: Partial<Sample>): Sample => ({
  at: 0,
  phase: 0,
  kind: "search",
  status: 200,
  latencyMs: 10,
  ok: true,
  ...over,
});

describe("load profiles", () => {
  test("seed 002 ramps 0 → 100 → 1000 → 2000 → 0 over 2, 5, 2 and 2 minutes with p95 < 100 ms and errors < 1 %", () => {
    const p = PROFILES["seed-002"];
    expect(p.phases.map((x) => [x.durationSeconds, x.from, x.to])).toEqual([
      [120, 0, 100],
      [300, 100, 1000],
      [120, 1000, 2000],
      [120, 2000, 0],
    ]);
    expect(p.overall).toEqual({ p95Ms: 100, errorRatePercent: 1 });
  });

  test("seed 001 runs public reads at 200 rps, mixed traffic with p95 < 1200 ms, then 20 generation requests per second", () => {
    const p = PROFILES["seed-001"];
    expect(p.phases.map((x) => [x.name, x.durationSeconds, x.to, x.thresholds])).toEqual([
      ["public-read", 600, 200, { errorRatePercent: 1 }],
      ["authenticated-mixed", 600, 150, { p95Ms: 1200, errorRatePercent: 1 }],
      ["queue-stress", 300, 20, { errorRatePercent: 1 }],
    ]);
  });

  test("an unknown profile or a scale outside (0, 1] is refused naming it", () => {
    expect(() => profileNamed("seed-003")).toThrow(
      '--profile "seed-003" is not a load profile; one of seed-001, seed-002',
    );
    expect(() => scaled(PROFILES["seed-002"], { time: 2, rate: 1 })).toThrow("--time-scale must be in (0, 1], got 2");
  });

  test("the schedule ramps linearly within a phase and ends after the last", () => {
    const phases = PROFILES["seed-002"].phases;
    expect(phaseAt(phases, 60)).toEqual({ index: 0, rate: 50 });
    expect(phaseAt(phases, 120 + 150)).toEqual({ index: 1, rate: 550 });
    expect(phaseAt(phases, 660)).toBeUndefined();
  });
});

describe("load report", () => {
  test("nearest-rank percentiles", () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([percentile(sorted, 50), percentile(sorted, 95), percentile(sorted, 99)]).toEqual([50, 95, 99]);
    expect(percentile([], 95)).toBeNull();
  });

  test("a phase fails on its p95, on its error rate, or for sending nothing, and the run fails with it", () => {
    const profile = scaled(PROFILES["seed-002"], { time: 0.01, rate: 1 });
    const fast = Array.from({ length: 100 }, (_, i) => sample({ phase: 1, latencyMs: i < 80 ? 10 : 150 }));
    const failing = Array.from({ length: 100 }, (_, i) => sample({ phase: 2, ok: i >= 2, status: i >= 2 ? 200 : 503 }));
    const fine = Array.from({ length: 10 }, () => sample({ phase: 3 }));
    const report = summarise(profile, [...fast, ...failing, ...fine]);
    expect(report.rows.map((r) => [r.name, r.verdicts])).toEqual([
      ["ramp-up", [{ what: "requests > 0", held: false }]],
      [
        "sustained",
        [
          { what: "p95 < 100 ms", held: false },
          { what: "errors < 1 %", held: true },
        ],
      ],
      [
        "peak",
        [
          { what: "p95 < 100 ms", held: true },
          { what: "errors < 1 %", held: false },
        ],
      ],
      [
        "ramp-down",
        [
          { what: "p95 < 100 ms", held: true },
          { what: "errors < 1 %", held: true },
        ],
      ],
      [
        "overall",
        [
          { what: "p95 < 100 ms", held: false },
          { what: "errors < 1 %", held: true },
        ],
      ],
    ]);
    expect(report.passed).toBe(false);
    expect(table(report)).toMatch(/^peak .* ok p95 < 100 ms, FAIL errors < 1 %\s*$/m);
    expect(table(report)).toContain("seed-002: FAILED");
  });

  test("the command refuses a bad command line with exit code 2", async () => {
    const stderr = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      expect(await main(["--profile", "seed-002"])).toBe(2);
      expect(await main(["--url", "ftp://x", "--profile", "seed-002"])).toBe(2);
      expect(await main(["--url", "http://127.0.0.1:1", "--profile", "nope"])).toBe(2);
      expect(String(stderr.mock.calls.at(-1)?.[0])).toContain('--profile "nope" is not a load profile');
    } finally {
      stderr.mockRestore();
    }
  });
});

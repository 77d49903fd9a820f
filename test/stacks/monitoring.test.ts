/**
 * The monitoring model beside the tier table (stacks/monitoring.ts): every threshold cites its source, the tiers
 * differ only in how soon and whom they page, and the metrics usage each tier is priced with is the volume its
 * expected size produces.
 */
import { nodeGroupSizes } from "../../infra/lib/capacity";
import { MONITORING, metricsVolume, SEVERITIES, type ThresholdPair } from "../../stacks/monitoring";
import { TIERS, TIER_NAMES } from "../../stacks/tiers";

describe("monitoring model", () => {
  test.each(TIER_NAMES)(
    "%s is priced with the metrics volume of its expected size (autoscalers at their minimum, node groups at desired)",
    (name) => {
      const tier = TIERS[name];
      const groups = nodeGroupSizes(tier);
      const volume = metricsVolume({
        apiPods: tier.workloads.api.minReplicas,
        workerPods: tier.workloads.worker.minReplicas,
        nodes: groups.system.desiredSize + groups.api.desiredSize + groups.worker.desiredSize,
      });
      expect({
        metricsSamplesMillions: tier.usage.metricsSamplesMillions,
        metricsStoredGb: tier.usage.metricsStoredGb,
        metricsQuerySamplesBillions: tier.usage.metricsQuerySamplesBillions,
      }).toEqual({
        metricsSamplesMillions: volume.samplesMillions,
        metricsStoredGb: volume.storedGb,
        metricsQuerySamplesBillions: volume.querySamplesBillions,
      });
    },
  );

  test("every threshold has a source, at least one level, and a critical level no milder than its warning", () => {
    for (const name of TIER_NAMES) {
      for (const [key, value] of Object.entries(MONITORING[name].thresholds)) {
        if (typeof value === "number") continue;
        const pair = value as ThresholdPair;
        expect({ key, source: pair.source.length > 10 }).toEqual({ key, source: true });
        expect({ key, levels: SEVERITIES.some((s) => pair[s] !== null) }).toEqual({ key, levels: true });
        if (pair.warning !== null && pair.critical !== null) {
          // "Below" thresholds (free storage, hit rate) have critical under warning; the others above.
          const below = /Free|HitRate/.test(key);
          expect({ key, ordered: below ? pair.critical < pair.warning : pair.critical > pair.warning }).toEqual({
            key,
            ordered: true,
          });
        }
      }
    }
  });

  test("the seeds' numbers: queue 10,000, database CPU 80 %, Redis memory 90 %, p95 500 ms, p99 1 s, errors 1 % / 5 %", () => {
    const t = MONITORING.v1.thresholds;
    expect([t.queueDepth.critical, t.dbCpuPercent.critical, t.redisMemoryPercent.critical]).toEqual([10_000, 80, 90]);
    expect([t.latencyP95Ms.warning, t.latencyP95Ms.critical, t.latencyP99Ms.warning, t.latencyP99Ms.critical]).toEqual([
      100, 500, 200, 1000,
    ]);
    expect([t.errorRatePercent.warning, t.errorRatePercent.critical]).toEqual([1, 5]);
    expect(t.cacheHitRatePercent.warning).toBe(80);
  });

  test("mvp notifies only critical and waits longest; v2 pages soonest", () => {
    expect(MONITORING.mvp.notify).toEqual({ warning: false, critical: true });
    expect(MONITORING.v1.notify).toEqual({ warning: true, critical: true });
    const window = (name: "mvp" | "v1" | "v2") => MONITORING[name].evaluation.critical.datapoints;
    expect(window("mvp")).toBeGreaterThan(window("v1"));
    expect(window("v1")).toBeGreaterThan(window("v2"));
  });
});

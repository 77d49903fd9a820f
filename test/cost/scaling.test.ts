import { readFileSync } from "node:fs";
import { join } from "node:path";
import { estimateCost } from "../../infra/lib/cost/estimate";
import { BENCH_RUN, ENQUEUE_SHARE, apiPerCoreRate, loadProfile, workerPerCoreRate } from "../../infra/lib/cost/load";
import { expectedNodes, expectedReplicas, parseCpu } from "../../infra/lib/cost/rules/scaling";
import { allocatable } from "../../infra/lib/capacity/nodes";
import { TIERS } from "../../stacks/tiers";
import { NO_USAGE, T, res } from "./support";

const ROLE = "storyforge.io/role";
const group = (role: string, scaling: { minSize: number; desiredSize: number; maxSize: number }) =>
  res(T.nodeGroup, `cluster-${role}`, {
    instanceTypes: ["c7g.xlarge"],
    labels: { [ROLE]: role },
    subnetIds: ["a", "b", "c"],
    scalingConfig: scaling,
  });
const deployment = (role: string, cpu = "500m") =>
  res("kubernetes:apps/v1:Deployment", `workloads-${role}`, {
    metadata: { name: role },
    spec: {
      template: {
        spec: {
          nodeSelector: { [ROLE]: role },
          containers: [{ name: role, resources: { requests: { cpu, memory: "512Mi" } } }],
        },
      },
    },
  });
const scaledObject = (role: string, min: number, max: number, cpuTarget = "60") =>
  res("kubernetes:keda.sh/v1alpha1:ScaledObject", `workloads-${role}-scaler`, {
    metadata: { name: role },
    spec: {
      scaleTargetRef: { name: role },
      minReplicaCount: min,
      maxReplicaCount: max,
      triggers: [{ type: "cpu", metricType: "Utilization", metadata: { value: cpuTarget } }],
    },
  });
const load = (demandPerSecond: number, perCoreRate = 1000) => ({
  api: { demandPerSecond, perCoreRate, unit: "req/s", derivation: "test" },
});

describe("expected node counts follow the tier's traffic", () => {
  it("pods = demand over one pod's rate at its CPU target (per-core rate × request cores × target), within the autoscaler's bounds", () => {
    const pod = { cpuMillicores: 500, memoryMiB: 512 };
    const scaler = { name: "ScaledObject api", minReplicas: 2, maxReplicas: 30, cpuTargetPercent: 60 };
    const l = (demand: number) => ({ demandPerSecond: demand, perCoreRate: 1000, unit: "req/s", derivation: "" });
    // One pod serves 1000 × 0.5 × 0.6 = 300 req/s.
    expect(expectedReplicas(l(3000), pod, scaler)).toBe(10);
    expect(expectedReplicas(l(3001), pod, scaler)).toBe(11);
    expect(expectedReplicas(l(100), pod, scaler)).toBe(2);
    expect(expectedReplicas(l(1e6), pod, scaler)).toBe(30);
    // A per-pod request-rate trigger below the CPU rate asks for more pods, and the autoscaler takes the most.
    expect(expectedReplicas(l(3000), pod, { ...scaler, requestRateTarget: 250 })).toBe(12);
  });

  it("nodes hold the expected pods spread over the zones, within the node group's min and max", () => {
    const pod = { cpuMillicores: 500, memoryMiB: 512 };
    const perNode = Math.min(
      Math.floor(allocatable("c7g.xlarge").cpuMillicores / 500),
      Math.floor(allocatable("c7g.xlarge").memoryMiB / 512),
    );
    expect(expectedNodes(3 * perNode, pod, "c7g.xlarge", 3, { min: 1, max: 20 })).toBe(3);
    expect(expectedNodes(3 * perNode + 1, pod, "c7g.xlarge", 3, { min: 1, max: 20 })).toBe(6);
    expect(expectedNodes(1, pod, "c7g.xlarge", 3, { min: 4, max: 20 })).toBe(4);
    expect(expectedNodes(1000, pod, "c7g.xlarge", 3, { min: 1, max: 9 })).toBe(9);
  });

  it("a node group driven by a ScaledObject is expected at its traffic's size and its line names the ScaledObject", () => {
    const resources = [
      group("api", { minSize: 3, desiredSize: 9, maxSize: 30 }),
      deployment("api"),
      scaledObject("api", 3, 90),
    ];
    // 9000 req/s over 300 req/s per pod = 30 pods, 10 a zone; a c7g.xlarge holds perNode of them.
    const e = estimateCost(resources, NO_USAGE, { load: load(9000) });
    const hours = e.lineItems.find((l) => l.item === "node-hours")!;
    const perNode = Math.floor(allocatable("c7g.xlarge").cpuMillicores / 500);
    const nodes = 3 * Math.ceil(10 / perNode);
    expect(hours.quantity).toEqual({ min: 3 * 730, expected: nodes * 730, max: 30 * 730 });
    expect(hours.attributes).toMatchObject({ drivenBy: "ScaledObject api", expectedPods: 30, desiredSize: 9 });
    expect(hours.description).toContain("ScaledObject api at 30 pods");
    expect(hours.note).toMatch(/^expected: ScaledObject api: 9000 req\/s → 30 pods/);
  });

  it("without a load profile, or without an autoscaler on the group's role, expected stays at desiredSize", () => {
    const driven = [
      group("api", { minSize: 3, desiredSize: 9, maxSize: 30 }),
      deployment("api"),
      scaledObject("api", 3, 90),
    ];
    const noLoad = estimateCost(driven, NO_USAGE).lineItems.find((l) => l.item === "node-hours")!;
    expect(noLoad.quantity.expected).toBe(9 * 730);
    const system = estimateCost([group("system", { minSize: 2, desiredSize: 2, maxSize: 3 })], NO_USAGE, {
      load: load(9000),
    }).lineItems.find((l) => l.item === "node-hours")!;
    expect(system.quantity.expected).toBe(2 * 730);
    expect(system.attributes!.drivenBy).toBeUndefined();
  });

  it("the per-core rates are the recorded bench run's, dated, and the tiers' load is the edge rate past CloudFront", () => {
    expect(BENCH_RUN.source).toContain(BENCH_RUN.date);
    // the run is recorded where the source says, with the figures the estimate uses
    const doc = readFileSync(join(__dirname, "..", "..", "docs", "benchmarks.md"), "utf8");
    const recorded = doc.slice(doc.indexOf("## The figures the cost estimate uses")).split("\n## ")[0];
    const n = (x: number) => x.toLocaleString("en-US");
    for (const text of [
      BENCH_RUN.date,
      `cached GET /scenes/:id ${n(BENCH_RUN.api.cachedRead)} req/s`,
      `uncached GET /scenes?topicId= ${n(BENCH_RUN.api.uncachedRead)} req/s`,
      `enqueue ${n(BENCH_RUN.api.enqueue)} req/s`,
      `${n(BENCH_RUN.worker.jobs)} jobs in ${BENCH_RUN.worker.cpuSeconds} CPU s`,
    ])
      expect(recorded.replace(/\s+/g, " ")).toContain(text);
    expect(workerPerCoreRate()).toBeCloseTo(BENCH_RUN.worker.jobs / BENCH_RUN.worker.cpuSeconds, 6);
    const reads = 1 - ENQUEUE_SHARE;
    const { cachedRead, uncachedRead, enqueue } = BENCH_RUN.api;
    expect(apiPerCoreRate()).toBeCloseTo(
      1 / ((reads * 0.8) / cachedRead + (reads * 0.2) / uncachedRead + ENQUEUE_SHARE / enqueue),
      6,
    );
    for (const tier of Object.values(TIERS)) {
      const profile = loadProfile(tier);
      const origin = tier.workloads.targetRps * (1 - tier.workloads.cdnHitRatio);
      expect(profile.api.demandPerSecond).toBeCloseTo(origin, 6);
      expect(profile.worker.demandPerSecond).toBeCloseTo(origin * ENQUEUE_SHARE, 6);
    }
  });

  it("reads Kubernetes CPU quantities in millicores", () => {
    expect([parseCpu("500m"), parseCpu("2"), parseCpu("0.25"), parseCpu(1), parseCpu("x")]).toEqual([
      500,
      2000,
      250,
      1000,
      undefined,
    ]);
  });
});

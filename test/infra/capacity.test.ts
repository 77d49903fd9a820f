import {
  allocatable,
  checkCapacity,
  maxPods,
  nodesAtMinimum,
  nodesNeeded,
  podsPerNode,
  ROLLOUT_MAX_SURGE,
  rdsMaxConnections,
  reservedCpuMillicores,
  nodeGroupSizes,
  type NodeGroupCapacity,
  type NodeRole,
} from "../../infra/lib/capacity";
import { TIERS, TIER_NAMES, type TierSpec } from "../../stacks/tiers";

/** A copy of a tier with one change, for the "deliberately too small" cases. */
function tierWith(base: TierSpec, change: (t: TierSpec) => void): TierSpec {
  const copy = structuredClone<TierSpec>(base);
  change(copy);
  return copy;
}

describe("allocatable", () => {
  test("max pods follow the VPC CNI formula ENIs × (IPs − 1) + 2 (AWS eni-max-pods values)", () => {
    expect(allocatable("c7g.large").maxPods).toBe(29);
    expect(allocatable("m7g.xlarge").maxPods).toBe(58);
    expect(allocatable("m7g.2xlarge").maxPods).toBe(58);
    expect(allocatable("r7g.4xlarge").maxPods).toBe(234);
    expect(maxPods({ enis: 3, ipsPerEni: 10 })).toBe(29);
  });

  test("kube-reserved CPU is 6 % of the first core, 1 % of the second, 0.5 % of the next two, 0.25 % above", () => {
    expect(reservedCpuMillicores(1)).toBeCloseTo(60);
    expect(reservedCpuMillicores(2)).toBeCloseTo(70);
    expect(reservedCpuMillicores(4)).toBeCloseTo(80);
    expect(reservedCpuMillicores(8)).toBeCloseTo(90);
    expect(reservedCpuMillicores(16)).toBeCloseTo(110);
  });

  test("memory reservation is 255 MiB + 11 MiB per max pod plus the 100 Mi eviction threshold", () => {
    const node = allocatable("c7g.large");
    expect(node.reservedMemoryMiB).toBe(255 + 11 * 29 + 100);
  });

  test("allocatable is below the instance's nominal CPU and memory, and grows with the class", () => {
    for (const family of ["c7g", "m7g", "r7g"]) {
      let previous = 0;
      for (const size of ["large", "xlarge", "2xlarge", "4xlarge"]) {
        const node = allocatable(`${family}.${size}`);
        expect(node.cpuMillicores).toBeLessThan(node.vcpu * 1000);
        expect(node.memoryMiB).toBeLessThan(node.memoryGiB * 1024);
        expect(node.cpuMillicores).toBeGreaterThan(previous);
        previous = node.cpuMillicores;
      }
    }
  });

  test("an unknown instance class is an error naming the class", () => {
    expect(() => allocatable("x9z.huge")).toThrow(/"x9z.huge"/);
  });
});

describe("nodesNeeded", () => {
  const autoscaled = (tier: TierSpec) =>
    [
      ["api", tier.workloads.api, tier.compute.api.instanceClass],
      ["worker", tier.workloads.worker, tier.compute.workers.instanceClass],
    ] as const;
  const podOf = (w: TierSpec["workloads"]["api"] | TierSpec["workloads"]["worker"]) => ({
    cpuMillicores: w.pod.cpuRequestMillicores,
    memoryMiB: w.pod.memoryRequestMiB,
  });

  test.each(TIER_NAMES)(
    "%s: an autoscaled group reaches the HPA maximum plus a 25 %% rollout surge on every zone, and the HPA maximum on one zone fewer",
    (name) => {
      const tier = TIERS[name];
      const zones = tier.network.azCount;
      for (const [role, w, instanceClass] of autoscaled(tier)) {
        const perNode = podsPerNode(podOf(w), allocatable(instanceClass));
        const nodes = nodesNeeded(role, tier);
        const surge = Math.ceil(w.maxReplicas * (1 + ROLLOUT_MAX_SURGE));
        // Each zone holds its share of the pods on whole nodes, as the zone spread places them.
        expect(Math.floor(nodes / zones) * perNode).toBeGreaterThanOrEqual(Math.ceil(surge / zones));
        expect(Math.floor(nodes / (zones - 1)) * perNode).toBeGreaterThanOrEqual(
          Math.ceil(w.maxReplicas / (zones - 1)),
        );
      }
    },
  );

  test("more replicas than the tier's nodes hold raise the maximum above the node count", () => {
    const tier = tierWith(TIERS.v1, (t) => {
      t.workloads.worker.maxReplicas = 100;
    });
    expect(nodesNeeded("worker", tier)).toBeGreaterThan(TIERS.v1.compute.workers.nodes);
  });

  test("zone spread sizes per zone: 4 pods of one-per-node over 3 zones need 6 nodes, not 4", () => {
    const tier = tierWith(TIERS.mvp, (t) => {
      t.compute.api.nodes = 1;
      t.workloads.api.maxReplicas = 4;
      t.workloads.api.pod.cpuRequestMillicores = 1500; // one per c7g.large
    });
    expect(nodesNeeded("api", tier)).toBe(6);
  });

  test("a zone loss can need more nodes than the surge: 11 pods at 5 per node need 4 nodes on two zones, 3 on three", () => {
    const tier = tierWith(TIERS.mvp, (t) => {
      t.workloads.api.maxReplicas = 11;
      t.workloads.api.pod.cpuRequestMillicores = 350;
      t.workloads.api.pod.memoryRequestMiB = 256;
    });
    expect(podsPerNode({ cpuMillicores: 350, memoryMiB: 256 }, allocatable("c7g.large"))).toBe(5);
    // surge: 14 pods, 5 per zone, 1 node each (3); zone loss: 11 pods on 2 zones, 6 per zone, 2 nodes each (4).
    expect(nodesNeeded("api", tier)).toBe(4);
  });

  test("a pod larger than a node is an error naming the role", () => {
    const tier = tierWith(TIERS.mvp, (t) => {
      t.workloads.api.pod.memoryRequestMiB = 64 * 1024;
    });
    expect(() => nodesNeeded("api", tier)).toThrow(/^api: a pod does not fit/);
  });
});

describe("nodeGroupSizes", () => {
  test.each(TIER_NAMES)(
    "%s: api and worker groups can scale: minimum holds the HPA minimum, desired is the tier's node count, maximum reaches nodesNeeded",
    (name) => {
      const tier = TIERS[name];
      const sizes = nodeGroupSizes(tier);
      for (const [role, nodes] of [
        ["api", tier.compute.api.nodes],
        ["worker", tier.compute.workers.nodes],
      ] as const) {
        const g = sizes[role];
        expect({ role, minBelowMax: g.minSize < g.maxSize }).toEqual({ role, minBelowMax: true });
        expect(g.minSize).toBe(nodesAtMinimum(role, tier));
        expect(g.desiredSize).toBe(nodes);
        expect(g.maxSize).toBe(Math.max(nodesNeeded(role, tier), nodes));
        expect(g.minSize).toBeLessThanOrEqual(g.desiredSize);
      }
    },
  );

  test("the v2 sizes follow from the HPAs: api 3/10/10 and worker 3/20/20 (the tier's counts exceed what the maxima need)", () => {
    const { api, worker } = nodeGroupSizes(TIERS.v2);
    expect([api.minSize, api.desiredSize, api.maxSize]).toEqual([3, 10, 10]);
    expect([worker.minSize, worker.desiredSize, worker.maxSize]).toEqual([3, 20, 20]);
    const mvp = nodeGroupSizes(TIERS.mvp).api;
    expect([mvp.minSize, mvp.desiredSize, mvp.maxSize]).toEqual([3, 3, 6]);
  });

  test("a tier node count below the HPA minimum's nodes is raised to it; above the maximum it raises the maximum", () => {
    const low = nodeGroupSizes(tierWith(TIERS.v1, (t) => (t.compute.api.nodes = 1))).api;
    expect(low.desiredSize).toBe(low.minSize);
    const high = nodeGroupSizes(tierWith(TIERS.v1, (t) => (t.compute.api.nodes = 40))).api;
    expect([high.desiredSize, high.maxSize]).toEqual([40, 40]);
  });
});

describe("rdsMaxConnections", () => {
  test("follows LEAST(DBInstanceClassMemory / 9531392, 5000) with memory after RDS's overhead", () => {
    const raw16 = Math.floor((16 * 1024 ** 3) / 9531392);
    expect(rdsMaxConnections("db.m7g.xlarge")).toBeLessThan(raw16);
    expect(rdsMaxConnections("db.m7g.xlarge")).toBeGreaterThan(1500);
    expect(rdsMaxConnections("db.m7g.8xlarge")).toBe(5000);
  });
});

describe("checkCapacity", () => {
  test.each(TIER_NAMES)("%s adds up with the node groups nodeGroupSizes declares", (name) => {
    const report = checkCapacity(TIERS[name], { nodeGroups: nodeGroupSizes(TIERS[name]) });
    expect(report.problems).toEqual([]);
    expect(report.figures.throughput.capacityRps).toBeGreaterThanOrEqual(report.figures.throughput.originRps);
    expect(report.figures.pgbouncerClients.clientConnections).toBeLessThanOrEqual(
      report.figures.pgbouncerClients.capacity,
    );
  });

  test("(a) a worker group too small for the HPA maximum fails with the requested and allocatable figures", () => {
    const tier = TIERS.v1;
    const nodeGroups: Record<NodeRole, NodeGroupCapacity> = {
      ...nodeGroupSizes(tier),
      worker: { instanceClass: tier.compute.workers.instanceClass, maxSize: 2 },
    };
    const { problems } = checkCapacity(tier, { nodeGroups });
    const node = allocatable(tier.compute.workers.instanceClass);
    const requested = tier.workloads.worker.maxReplicas * tier.workloads.worker.pod.cpuRequestMillicores;
    expect(problems).toContain(
      `worker nodes: ${tier.workloads.worker.maxReplicas} worker pods request ${requested}m CPU > 2 × ${tier.compute.workers.instanceClass} × ${node.cpuMillicores}m = ${2 * node.cpuMillicores}m allocatable`,
    );
    expect(problems.some((p) => p.startsWith("worker nodes:") && p.includes("> maxSize 2"))).toBe(true);
    expect(problems.every((p) => p.startsWith("worker nodes:"))).toBe(true);
  });

  test("(a) whole pods per node: total CPU may fit yet the group fail when pods do not pack", () => {
    // 3 zones × 1 node each; each node fits 1 pod of 1100m (c7g.large has 1780m): 4 pods need 6 nodes.
    const tier = tierWith(TIERS.mvp, (t) => {
      t.workloads.api.maxReplicas = 4;
      t.workloads.api.pod.cpuRequestMillicores = 1100;
    });
    const nodeGroups = { ...nodeGroupSizes(TIERS.mvp), api: { instanceClass: "c7g.large", maxSize: 3 } };
    const { problems } = checkCapacity(tier, { nodeGroups });
    expect(problems).toEqual([
      "api nodes: 4 api pods need 6 × c7g.large (whole pods per node, spread over 3 zones, with a 25 % rollout surge or on one zone fewer after a zone loss) > maxSize 3",
    ]);
  });

  test("(a) an api or worker group that cannot grow while its HPA can fails (min == max leaves cluster-autoscaler nothing)", () => {
    const tier = TIERS.v2;
    const fixed = { instanceClass: tier.compute.api.instanceClass, minSize: 10, maxSize: 10 };
    const { problems } = checkCapacity(tier, { nodeGroups: { ...nodeGroupSizes(tier), api: fixed } });
    expect(problems).toEqual([
      "api nodes: minSize 10 ≥ maxSize 10 leaves cluster-autoscaler no room while the HPA moves between 10 and 30 pods",
    ]);
  });

  test("(b) API pools beyond PgBouncer's max_client_conn × replicas fail with both sides", () => {
    const tier = tierWith(TIERS.v2, (t) => {
      t.workloads.api.dbPoolSize = 100;
    });
    const { problems } = checkCapacity(tier, { nodeGroups: nodeGroupSizes(tier) });
    expect(problems).toEqual([
      "pgbouncer clients: api 30 pods × 200 connections + worker 40 pods × 8 = 6320 > PgBouncer 3 × max_client_conn 1000 = 3000",
    ]);
  });

  test("(c) PgBouncer server pools above a small primary's max_connections fail with the class's limit", () => {
    const tier = tierWith(TIERS.mvp, (t) => {
      t.workloads.pgbouncer.replicas = 70;
      t.database.primary.instanceClass = "db.m7g.large";
    });
    const limit = rdsMaxConnections("db.m7g.large") - 10;
    const { problems } = checkCapacity(tier, { nodeGroups: nodeGroupSizes(tier) });
    expect(problems).toContain(
      `rds primary: PgBouncer 70 × (default_pool_size 20 + reserve_pool_size 5) = 1750 ≥ db.m7g.large max_connections ${limit + 10} − reserve 10 = ${limit}`,
    );
    expect(problems.some((p) => p.startsWith("rds replica:"))).toBe(true);
  });

  test("(c) the replica check uses the replicas' class, separately from the primary's", () => {
    const tier = tierWith(TIERS.v2, (t) => {
      t.workloads.pgbouncer.replicas = 50; // 1250 server connections
      t.database.replicas.instanceClass = "db.m7g.large"; // ~810
    });
    const { problems } = checkCapacity(tier, { nodeGroups: nodeGroupSizes(tier) });
    expect(problems.filter((p) => p.startsWith("rds "))).toEqual([
      expect.stringMatching(
        /^rds replica: PgBouncer 50 × .* = 1250 ≥ db\.m7g\.large max_connections \d+ − reserve 10 = \d+$/,
      ),
    ]);
  });

  test("(d) a target rate the API maximum cannot serve fails with both rates", () => {
    const tier = tierWith(TIERS.v1, (t) => {
      t.workloads.targetRps = 50_000;
    });
    const { problems } = checkCapacity(tier, { nodeGroups: nodeGroupSizes(tier) });
    expect(problems).toEqual([
      "api throughput: 50000 rps × (1 − cdn hit 0.8) = 10000 rps at the origin > 15 pods × 250 rps = 3750 rps",
    ]);
  });
});

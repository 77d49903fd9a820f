import {
  allocatable,
  checkCapacity,
  maxPods,
  nodesNeeded,
  podsPerNode,
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
  test.each(TIER_NAMES)("%s: node-group maxima hold every HPA pod and never drop below the tier's nodes", (name) => {
    const tier = TIERS[name];
    const checks: Array<[NodeRole, number, { cpuMillicores: number; memoryMiB: number }, string]> = [
      [
        "api",
        tier.workloads.api.maxReplicas,
        {
          cpuMillicores: tier.workloads.api.pod.cpuRequestMillicores,
          memoryMiB: tier.workloads.api.pod.memoryRequestMiB,
        },
        tier.compute.api.instanceClass,
      ],
      [
        "worker",
        tier.workloads.worker.maxReplicas,
        {
          cpuMillicores: tier.workloads.worker.pod.cpuRequestMillicores,
          memoryMiB: tier.workloads.worker.pod.memoryRequestMiB,
        },
        tier.compute.workers.instanceClass,
      ],
    ];
    for (const [role, replicas, pod, instanceClass] of checks) {
      const nodes = nodesNeeded(role, tier);
      expect(nodes * podsPerNode(pod, allocatable(instanceClass))).toBeGreaterThanOrEqual(replicas);
      expect(nodes).toBeGreaterThanOrEqual(role === "api" ? tier.compute.api.nodes : tier.compute.workers.nodes);
    }
  });

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

  test("a pod larger than a node is an error naming the role", () => {
    const tier = tierWith(TIERS.mvp, (t) => {
      t.workloads.api.pod.memoryRequestMiB = 64 * 1024;
    });
    expect(() => nodesNeeded("api", tier)).toThrow(/^api: a pod does not fit/);
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
      "api nodes: 4 api pods need 6 × c7g.large (whole pods per node, spread over 3 zones) > maxSize 3",
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

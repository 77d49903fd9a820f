/**
 * Capacity that adds up (issue 3 §6): pure maths over the tier model, no Pulumi runtime.
 *
 * - `allocatable(instanceClass)`: what a node of that class offers pods, after EKS's reservations.
 * - `nodesNeeded(role, tier)`: the node-group maximum that holds every pod the HPA may create.
 * - `checkCapacity(tier, { nodeGroups })`: the four inequalities, with figures and the numbers that disagree.
 *
 * The cluster engineer sizes node groups with `nodesNeeded`; the program exports `checkCapacity`'s figures as the
 * `capacity` output and fails when a problem is found, so `npm run plan` and `pulumi up` both refuse a tier that
 * does not add up.
 */
import type { PodResources, TierSpec } from "../../stacks/tiers";

/** EC2 classes the tiers and the system node group use: vCPU, memory, and the VPC CNI's ENI limits. */
interface InstanceShape {
  vcpu: number;
  memoryGiB: number;
  /** Elastic network interfaces the class can attach. */
  enis: number;
  /** IPv4 addresses per ENI. */
  ipsPerEni: number;
}

/** Graviton families (c7g 1:2, m7g 1:4, r7g 1:8) share ENI limits per size (EC2 "Maximum IP addresses per ENI"). */
const ENI_BY_SIZE: Record<string, { vcpu: number; enis: number; ipsPerEni: number }> = {
  medium: { vcpu: 1, enis: 2, ipsPerEni: 4 },
  large: { vcpu: 2, enis: 3, ipsPerEni: 10 },
  xlarge: { vcpu: 4, enis: 4, ipsPerEni: 15 },
  "2xlarge": { vcpu: 8, enis: 4, ipsPerEni: 15 },
  "4xlarge": { vcpu: 16, enis: 8, ipsPerEni: 30 },
};
const GIB_PER_VCPU: Record<string, number> = { c7g: 2, m7g: 4, r7g: 8 };

const INSTANCE_SHAPES: Record<string, InstanceShape> = (() => {
  const shapes: Record<string, InstanceShape> = {};
  for (const [family, gibPerVcpu] of Object.entries(GIB_PER_VCPU)) {
    for (const [size, eni] of Object.entries(ENI_BY_SIZE)) {
      shapes[`${family}.${size}`] = {
        vcpu: eni.vcpu,
        memoryGiB: eni.vcpu * gibPerVcpu,
        enis: eni.enis,
        ipsPerEni: eni.ipsPerEni,
      };
    }
  }
  // Burstable classes a small system group may use.
  shapes["t4g.medium"] = { vcpu: 2, memoryGiB: 4, enis: 3, ipsPerEni: 6 };
  shapes["t4g.large"] = { vcpu: 2, memoryGiB: 8, enis: 3, ipsPerEni: 12 };
  shapes["t4g.xlarge"] = { vcpu: 4, memoryGiB: 16, enis: 4, ipsPerEni: 15 };
  return shapes;
})();

/** Default class of the untainted `system` node group (add-ons and PgBouncer). The cluster may pick another. */
export const SYSTEM_INSTANCE_CLASS = "m7g.large";
/** The system group runs two nodes at least, so one can be drained or lost. */
export const SYSTEM_MIN_NODES = 2;

/**
 * Per-node DaemonSet requests we budget for: aws-node (VPC CNI, 25m), kube-proxy (100m), ebs-csi-node (EBS CSI
 * driver: plugin, node-driver-registrar and liveness probe, 3 × 10m / 40 MiB, the add-on's defaults; it tolerates
 * every taint, so it runs on every node), plus headroom for one node-level agent (log/metrics shipper, ~25m /
 * 200 MiB). Memory: aws-node and kube-proxy request none by default, but use ~50 MiB together; 256 MiB covers them
 * and the agent, 120 MiB more the EBS CSI node pod.
 */
export const DAEMONSET_OVERHEAD = { cpuMillicores: 180, memoryMiB: 376, pods: 4 } as const;

/**
 * Share of an instance's nominal memory the kubelet reports as capacity: the kernel and firmware keep the rest
 * (EKS nodes report ~93-96 % of nominal; 95 % is assumed).
 */
export const KERNEL_MEMORY_SHARE = 0.95;

/** Hard eviction threshold the EKS AMI sets (`memory.available<100Mi`). */
export const EVICTION_HARD_MIB = 100;

export interface Allocatable {
  instanceClass: string;
  vcpu: number;
  memoryGiB: number;
  /** Max pods per node: VPC CNI without prefix delegation, ENIs × (IPs per ENI − 1) + 2. */
  maxPods: number;
  /** kube-reserved CPU (AL2023 formula) in millicores. */
  reservedCpuMillicores: number;
  /** kube-reserved memory (255 MiB + 11 MiB × maxPods) plus the eviction threshold, in MiB. */
  reservedMemoryMiB: number;
  /** CPU left for our pods after reservations and DaemonSets, millicores. */
  cpuMillicores: number;
  /** Memory left for our pods after the kernel share, reservations, eviction and DaemonSets, MiB. */
  memoryMiB: number;
  /** Pod slots left for our pods after DaemonSets. */
  pods: number;
}

/** EKS AMI kube-reserved CPU: 6 % of the first core, 1 % of the second, 0.5 % of the next two, 0.25 % above four. */
export function reservedCpuMillicores(vcpu: number): number {
  const bands: Array<[cores: number, share: number]> = [
    [1, 0.06],
    [1, 0.01],
    [2, 0.005],
    [Number.POSITIVE_INFINITY, 0.0025],
  ];
  let left = vcpu;
  let reserved = 0;
  for (const [cores, share] of bands) {
    const used = Math.min(left, cores);
    reserved += used * 1000 * share;
    left -= used;
    if (left <= 0) break;
  }
  return reserved;
}

/** VPC CNI secondary-IP mode (prefix delegation off): ENIs × (IPs per ENI − 1) + 2 host-network pods. */
export function maxPods(shape: Pick<InstanceShape, "enis" | "ipsPerEni">): number {
  return shape.enis * (shape.ipsPerEni - 1) + 2;
}

/** What one node of `instanceClass` offers our pods. Throws naming the class when it is unknown. */
export function allocatable(instanceClass: string): Allocatable {
  const shape = INSTANCE_SHAPES[instanceClass];
  if (shape === undefined) {
    throw new Error(
      `instanceClass "${instanceClass}" is not in the capacity table (known: ${Object.keys(INSTANCE_SHAPES).join(", ")})`,
    );
  }
  const pods = maxPods(shape);
  const reservedCpu = reservedCpuMillicores(shape.vcpu);
  const reservedMemory = 255 + 11 * pods + EVICTION_HARD_MIB;
  return {
    instanceClass,
    vcpu: shape.vcpu,
    memoryGiB: shape.memoryGiB,
    maxPods: pods,
    reservedCpuMillicores: reservedCpu,
    reservedMemoryMiB: reservedMemory,
    cpuMillicores: Math.floor(shape.vcpu * 1000 - reservedCpu - DAEMONSET_OVERHEAD.cpuMillicores),
    memoryMiB: Math.floor(shape.memoryGiB * 1024 * KERNEL_MEMORY_SHARE - reservedMemory - DAEMONSET_OVERHEAD.memoryMiB),
    pods: pods - DAEMONSET_OVERHEAD.pods,
  };
}

/** Requests of a pod (what the scheduler packs). */
export interface PodRequest {
  name: string;
  replicas: number;
  cpuMillicores: number;
  memoryMiB: number;
}

function request(name: string, replicas: number, pod: PodResources): PodRequest {
  return { name, replicas, cpuMillicores: pod.cpuRequestMillicores, memoryMiB: pod.memoryRequestMiB };
}

/**
 * Add-on pods on the system group, at the requests of their pinned charts' defaults (or ours where we set them):
 * CoreDNS 2 × 100m/70Mi, metrics-server 2 × 100m/200Mi, KEDA operator + metrics server + admission 3 × 100m/128Mi,
 * cluster-autoscaler 1 × 100m/600Mi, AWS Load Balancer Controller 2 × 100m/128Mi, EBS CSI controller 2 × 60m/240Mi
 * (six containers — plugin, provisioner, attacher, snapshotter, resizer, liveness probe — at the add-on's default
 * 10m / 40 MiB each).
 */
export const SYSTEM_ADDON_PODS: readonly PodRequest[] = [
  { name: "coredns", replicas: 2, cpuMillicores: 100, memoryMiB: 70 },
  { name: "metrics-server", replicas: 2, cpuMillicores: 100, memoryMiB: 200 },
  { name: "keda", replicas: 3, cpuMillicores: 100, memoryMiB: 128 },
  { name: "cluster-autoscaler", replicas: 1, cpuMillicores: 100, memoryMiB: 600 },
  { name: "aws-load-balancer-controller", replicas: 2, cpuMillicores: 100, memoryMiB: 128 },
  { name: "ebs-csi-controller", replicas: 2, cpuMillicores: 60, memoryMiB: 240 },
];

export type NodeRole = "system" | "api" | "worker";

/** The pods each role's node group must hold at the HPAs' maxima. */
export function podsOf(role: NodeRole, tier: TierSpec): PodRequest[] {
  const w = tier.workloads;
  switch (role) {
    case "api":
      return [request("api", w.api.maxReplicas, w.api.pod)];
    case "worker":
      return [request("worker", w.worker.maxReplicas, w.worker.pod)];
    case "system":
      return [request("pgbouncer", w.pgbouncer.replicas, w.pgbouncer.pod), ...SYSTEM_ADDON_PODS];
  }
}

/** The class a role's nodes use in a tier. */
export function instanceClassOf(role: NodeRole, tier: TierSpec): string {
  switch (role) {
    case "api":
      return tier.compute.api.instanceClass;
    case "worker":
      return tier.compute.workers.instanceClass;
    case "system":
      return SYSTEM_INSTANCE_CLASS;
  }
}

/** The tier's node count for a role (the group's minimum and desired size). */
export function minimumNodesOf(role: NodeRole, tier: TierSpec): number {
  switch (role) {
    case "api":
      return tier.compute.api.nodes;
    case "worker":
      return tier.compute.workers.nodes;
    case "system":
      return SYSTEM_MIN_NODES;
  }
}

/** Whole pods of `pod` one node can hold: the tightest of CPU, memory and pod slots. */
export function podsPerNode(pod: Pick<PodRequest, "cpuMillicores" | "memoryMiB">, node: Allocatable): number {
  return Math.max(
    0,
    Math.min(Math.floor(node.cpuMillicores / pod.cpuMillicores), Math.floor(node.memoryMiB / pod.memoryMiB), node.pods),
  );
}

/**
 * Nodes needed to hold `pods` (first-fit decreasing by CPU, whole pods per node). Pods of the API and worker spread
 * over zones with `maxSkew: 1, whenUnsatisfiable: DoNotSchedule`, so a single-workload group is sized per zone:
 * zones × ceil(ceil(replicas / zones) / podsPerNode).
 */
export function nodesFor(pods: readonly PodRequest[], node: Allocatable, zones: number): number {
  if (pods.length === 1) {
    const only = pods[0];
    const perNode = podsPerNode(only, node);
    if (perNode === 0) return Number.POSITIVE_INFINITY;
    const perZone = Math.ceil(only.replicas / zones);
    return zones * Math.ceil(perZone / perNode);
  }
  const items = pods
    .flatMap((p) => Array.from({ length: p.replicas }, () => p))
    .sort((a, b) => b.cpuMillicores - a.cpuMillicores);
  const bins: Array<{ cpu: number; memory: number; pods: number }> = [];
  for (const item of items) {
    if (podsPerNode(item, node) === 0) return Number.POSITIVE_INFINITY;
    let bin = bins.find((b) => b.cpu >= item.cpuMillicores && b.memory >= item.memoryMiB && b.pods >= 1);
    if (bin === undefined) {
      bin = { cpu: node.cpuMillicores, memory: node.memoryMiB, pods: node.pods };
      bins.push(bin);
    }
    bin.cpu -= item.cpuMillicores;
    bin.memory -= item.memoryMiB;
    bin.pods -= 1;
  }
  return bins.length;
}

/**
 * The node-group maximum for `role`: nodes of its class that hold every pod the HPA may create, never below the
 * tier's node count. `instanceClass` overrides the tier's class (the system group's class is the cluster's choice).
 */
export function nodesNeeded(role: NodeRole, tier: TierSpec, instanceClass?: string): number {
  const node = allocatable(instanceClass ?? instanceClassOf(role, tier));
  const needed = nodesFor(podsOf(role, tier), node, tier.network.azCount);
  if (!Number.isFinite(needed)) {
    throw new Error(
      `${role}: a pod does not fit one ${node.instanceClass} node (${node.cpuMillicores}m / ${node.memoryMiB} MiB allocatable)`,
    );
  }
  return Math.max(needed, minimumNodesOf(role, tier));
}

/** PgBouncer settings of seed 000 §3.4, the single source for pgbouncer.ini and the connection budget. */
export const PGBOUNCER_SETTINGS = {
  pool_mode: "transaction",
  max_client_conn: 1000,
  default_pool_size: 20,
  min_pool_size: 5,
  reserve_pool_size: 5,
  server_connect_timeout: 5,
  server_idle_timeout: 600,
  server_lifetime: 3600,
  client_idle_timeout: 300,
  log_connections: 0,
  log_disconnections: 0,
  log_pooler_errors: 1,
  stats_period: 60,
} as const;

/** Every app process opens two pg pools (primary `storyforge` and replica `storyforge_replica`, core/db.ts). */
export const POOLS_PER_PROCESS = 2;

/** Memory of the RDS classes the tiers use, GiB. */
const RDS_MEMORY_GIB: Record<string, number> = {};
for (const [family, gibPerVcpu] of Object.entries({ m7g: 4, r7g: 8 })) {
  for (const [size, vcpu] of Object.entries({ large: 2, xlarge: 4, "2xlarge": 8, "4xlarge": 16, "8xlarge": 32 })) {
    RDS_MEMORY_GIB[`db.${family}.${size}`] = vcpu * gibPerVcpu;
  }
}

/**
 * Share of the class memory RDS reports as `DBInstanceClassMemory` (the rest is the OS and RDS's agents).
 * Assumed 90 %: the raw formula on 16 GiB gives 1,802, published defaults for 16 GiB classes are ~1,600-1,700.
 */
export const RDS_MEMORY_SHARE = 0.9;
/** Connections kept free on every RDS instance for migrations, admins, monitoring and replication. */
export const RDS_CONNECTION_RESERVE = 10;

/** RDS PostgreSQL default `max_connections`: LEAST(DBInstanceClassMemory / 9531392, 5000). */
export function rdsMaxConnections(instanceClass: string): number {
  const gib = RDS_MEMORY_GIB[instanceClass];
  if (gib === undefined) {
    throw new Error(
      `database instanceClass "${instanceClass}" is not in the capacity table (known: ${Object.keys(RDS_MEMORY_GIB).join(", ")})`,
    );
  }
  return Math.min(Math.floor((gib * 1024 ** 3 * RDS_MEMORY_SHARE) / 9531392), 5000);
}

/** A node group as the cluster declares it. */
export interface NodeGroupCapacity {
  instanceClass: string;
  maxSize: number;
}

export interface CapacityInputs {
  nodeGroups: Record<NodeRole, NodeGroupCapacity>;
  /** Connections kept free on each RDS instance. @default RDS_CONNECTION_RESERVE */
  rdsReserve?: number;
}

export interface NodeGroupFigures {
  instanceClass: string;
  maxSize: number;
  /** Allocatable per node after reservations and DaemonSets. */
  node: { cpuMillicores: number; memoryMiB: number; pods: number };
  /** Sum over maxSize nodes. */
  maxAllocatable: { cpuMillicores: number; memoryMiB: number };
  /** Pods at their requests at the HPA maxima. */
  requested: { cpuMillicores: number; memoryMiB: number; pods: number };
  nodesNeeded: number;
}

export interface CapacityFigures {
  tier: string;
  nodeGroups: Record<NodeRole, NodeGroupFigures>;
  pgbouncerClients: {
    apiPods: number;
    apiConnectionsPerPod: number;
    workerPods: number;
    workerConnectionsPerPod: number;
    clientConnections: number;
    maxClientConn: number;
    pgbouncerReplicas: number;
    capacity: number;
  };
  databaseConnections: {
    serverPoolPerDatabase: number;
    pgbouncerReplicas: number;
    reserve: number;
    primary: { instanceClass: string; maxConnections: number; serverConnections: number; limit: number };
    replica: { instanceClass: string; count: number; maxConnections: number; serverConnections: number; limit: number };
  };
  throughput: {
    targetRps: number;
    cdnHitRatio: number;
    originRps: number;
    apiMaxReplicas: number;
    apiPodRps: number;
    capacityRps: number;
  };
}

export interface CapacityReport {
  figures: CapacityFigures;
  /** One message per inequality that fails, with the numbers that disagree; empty when the tier adds up. */
  problems: string[];
}

const ROLES: readonly NodeRole[] = ["system", "api", "worker"];

/** The connections one worker pod opens per pool: one per concurrent job (WORKER_CONCURRENCY = DATABASE_POOL_MAX). */
export function workerPoolSize(tier: TierSpec): number {
  return tier.workloads.worker.concurrency;
}

/** Checks issue 3 §6's inequalities for `tier` against the node groups the cluster declares. */
export function checkCapacity(tier: TierSpec, inputs: CapacityInputs): CapacityReport {
  const problems: string[] = [];
  const w = tier.workloads;

  // (a) every pod at the HPA maxima fits the node groups' maximum allocatable, whole pods per node.
  const nodeGroups = {} as Record<NodeRole, NodeGroupFigures>;
  for (const role of ROLES) {
    const group = inputs.nodeGroups[role];
    const node = allocatable(group.instanceClass);
    const pods = podsOf(role, tier);
    const requested = {
      cpuMillicores: pods.reduce((s, p) => s + p.replicas * p.cpuMillicores, 0),
      memoryMiB: pods.reduce((s, p) => s + p.replicas * p.memoryMiB, 0),
      pods: pods.reduce((s, p) => s + p.replicas, 0),
    };
    const needed = nodesFor(pods, node, tier.network.azCount);
    const figures: NodeGroupFigures = {
      instanceClass: group.instanceClass,
      maxSize: group.maxSize,
      node: { cpuMillicores: node.cpuMillicores, memoryMiB: node.memoryMiB, pods: node.pods },
      maxAllocatable: { cpuMillicores: node.cpuMillicores * group.maxSize, memoryMiB: node.memoryMiB * group.maxSize },
      requested,
      nodesNeeded: needed,
    };
    nodeGroups[role] = figures;
    const names = pods.map((p) => `${p.replicas} ${p.name}`).join(" + ");
    if (requested.cpuMillicores > figures.maxAllocatable.cpuMillicores) {
      problems.push(
        `${role} nodes: ${names} pods request ${requested.cpuMillicores}m CPU > ${group.maxSize} × ${group.instanceClass} × ${node.cpuMillicores}m = ${figures.maxAllocatable.cpuMillicores}m allocatable`,
      );
    }
    if (requested.memoryMiB > figures.maxAllocatable.memoryMiB) {
      problems.push(
        `${role} nodes: ${names} pods request ${requested.memoryMiB} MiB > ${group.maxSize} × ${group.instanceClass} × ${node.memoryMiB} MiB = ${figures.maxAllocatable.memoryMiB} MiB allocatable`,
      );
    }
    if (needed > group.maxSize) {
      problems.push(
        `${role} nodes: ${names} pods need ${Number.isFinite(needed) ? needed : "∞"} × ${group.instanceClass} (whole pods per node, spread over ${tier.network.azCount} zones) > maxSize ${group.maxSize}`,
      );
    }
  }

  // (b) client connections into PgBouncer fit max_client_conn × replicas.
  const apiPerPod = POOLS_PER_PROCESS * w.api.dbPoolSize;
  const workerPerPod = POOLS_PER_PROCESS * workerPoolSize(tier);
  const clientConnections = w.api.maxReplicas * apiPerPod + w.worker.maxReplicas * workerPerPod;
  const clientCapacity = PGBOUNCER_SETTINGS.max_client_conn * w.pgbouncer.replicas;
  if (clientConnections > clientCapacity) {
    problems.push(
      `pgbouncer clients: api ${w.api.maxReplicas} pods × ${apiPerPod} connections + worker ${w.worker.maxReplicas} pods × ${workerPerPod} = ${clientConnections} > PgBouncer ${w.pgbouncer.replicas} × max_client_conn ${PGBOUNCER_SETTINGS.max_client_conn} = ${clientCapacity}`,
    );
  }

  // (c) server pools stay below each RDS instance's max_connections minus a reserve. Every PgBouncer pod keeps one
  // pool per logical database; the replica pool round-robins over every replica but, after a replica is lost, may
  // all land on one, so each replica must take a whole pool from every PgBouncer pod.
  const reserve = inputs.rdsReserve ?? RDS_CONNECTION_RESERVE;
  const pool = PGBOUNCER_SETTINGS.default_pool_size + PGBOUNCER_SETTINGS.reserve_pool_size;
  const databasesPerHost = 1; // `storyforge` → primary; `storyforge_replica` → replicas
  const serverConnections = pool * databasesPerHost * w.pgbouncer.replicas;
  const primaryMax = rdsMaxConnections(tier.database.primary.instanceClass);
  const replicaMax = rdsMaxConnections(tier.database.replicas.instanceClass);
  const databaseConnections = {
    serverPoolPerDatabase: pool,
    pgbouncerReplicas: w.pgbouncer.replicas,
    reserve,
    primary: {
      instanceClass: tier.database.primary.instanceClass,
      maxConnections: primaryMax,
      serverConnections,
      limit: primaryMax - reserve,
    },
    replica: {
      instanceClass: tier.database.replicas.instanceClass,
      count: tier.database.replicas.count,
      maxConnections: replicaMax,
      serverConnections,
      limit: replicaMax - reserve,
    },
  };
  for (const [label, db] of [
    ["primary", databaseConnections.primary],
    ["replica", databaseConnections.replica],
  ] as const) {
    if (db.serverConnections >= db.limit) {
      problems.push(
        `rds ${label}: PgBouncer ${w.pgbouncer.replicas} × (default_pool_size ${PGBOUNCER_SETTINGS.default_pool_size} + reserve_pool_size ${PGBOUNCER_SETTINGS.reserve_pool_size}) = ${db.serverConnections} ≥ ${db.instanceClass} max_connections ${db.maxConnections} − reserve ${reserve} = ${db.limit}`,
      );
    }
  }

  // (d) the origin's share of the target rate is reachable at the API HPA maximum.
  const originRps = Math.ceil(w.targetRps * (1 - w.cdnHitRatio));
  const capacityRps = w.api.maxReplicas * w.apiPodRps;
  if (originRps > capacityRps) {
    problems.push(
      `api throughput: ${w.targetRps} rps × (1 − cdn hit ${w.cdnHitRatio}) = ${originRps} rps at the origin > ${w.api.maxReplicas} pods × ${w.apiPodRps} rps = ${capacityRps} rps`,
    );
  }

  return {
    figures: {
      tier: tier.name,
      nodeGroups,
      pgbouncerClients: {
        apiPods: w.api.maxReplicas,
        apiConnectionsPerPod: apiPerPod,
        workerPods: w.worker.maxReplicas,
        workerConnectionsPerPod: workerPerPod,
        clientConnections,
        maxClientConn: PGBOUNCER_SETTINGS.max_client_conn,
        pgbouncerReplicas: w.pgbouncer.replicas,
        capacity: clientCapacity,
      },
      databaseConnections,
      throughput: {
        targetRps: w.targetRps,
        cdnHitRatio: w.cdnHitRatio,
        originRps,
        apiMaxReplicas: w.api.maxReplicas,
        apiPodRps: w.apiPodRps,
        capacityRps,
      },
    },
    problems,
  };
}

/** Node groups sized by `nodesNeeded` for a tier: what a cluster built from the tier declares. */
export function sizedNodeGroups(
  tier: TierSpec,
  systemInstanceClass: string = SYSTEM_INSTANCE_CLASS,
): Record<NodeRole, NodeGroupCapacity> {
  return {
    system: { instanceClass: systemInstanceClass, maxSize: nodesNeeded("system", tier, systemInstanceClass) },
    api: { instanceClass: tier.compute.api.instanceClass, maxSize: nodesNeeded("api", tier) },
    worker: { instanceClass: tier.compute.workers.instanceClass, maxSize: nodesNeeded("worker", tier) },
  };
}

/** One line per figure, for `npm run plan`. */
export function formatCapacity(f: CapacityFigures): string[] {
  const lines: string[] = [];
  for (const role of ROLES) {
    const g = f.nodeGroups[role];
    lines.push(
      `${role.padEnd(6)} nodes: ${g.requested.pods} pods request ${g.requested.cpuMillicores}m / ${g.requested.memoryMiB} MiB; ` +
        `max ${g.maxSize} × ${g.instanceClass} (${g.node.cpuMillicores}m / ${g.node.memoryMiB} MiB each) = ${g.maxAllocatable.cpuMillicores}m / ${g.maxAllocatable.memoryMiB} MiB; needs ${g.nodesNeeded}`,
    );
  }
  const c = f.pgbouncerClients;
  lines.push(
    `pgbouncer clients: ${c.apiPods} api × ${c.apiConnectionsPerPod} + ${c.workerPods} worker × ${c.workerConnectionsPerPod} = ${c.clientConnections} ≤ ${c.pgbouncerReplicas} × ${c.maxClientConn} = ${c.capacity}`,
  );
  const d = f.databaseConnections;
  lines.push(
    `rds primary: ${d.primary.serverConnections} server connections < ${d.primary.instanceClass} ${d.primary.maxConnections} − ${d.reserve} = ${d.primary.limit}`,
  );
  lines.push(
    `rds replica (each of ${d.replica.count}): ${d.replica.serverConnections} < ${d.replica.instanceClass} ${d.replica.maxConnections} − ${d.reserve} = ${d.replica.limit}`,
  );
  const t = f.throughput;
  lines.push(
    `api throughput: ${t.targetRps} rps × (1 − ${t.cdnHitRatio}) = ${t.originRps} rps ≤ ${t.apiMaxReplicas} × ${t.apiPodRps} = ${t.capacityRps} rps`,
  );
  return lines;
}

/** A tier that does not add up: `npm run plan` and `pulumi up` stop with every disagreeing inequality. */
export class CapacityError extends Error {
  constructor(
    readonly tier: string,
    readonly problems: string[],
  ) {
    super(`tier ${tier} does not add up (issue 3 §6):\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "CapacityError";
  }
}

/** Throws a CapacityError naming every problem of `report`; returns it when the tier adds up. */
export function assertCapacity(report: CapacityReport): CapacityReport {
  if (report.problems.length > 0) throw new CapacityError(report.figures.tier, report.problems);
  return report;
}

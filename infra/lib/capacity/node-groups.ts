/**
 * The node groups of a tier (system, api, worker): which pods each must hold at the autoscalers' maxima, its class,
 * and its sizes. `nodeGroupSizes` is the one sizing the cluster declares and the capacity rule assumes.
 */
import type { NodeRole, PodResources, TierSpec } from "../../../stacks/tiers";
import { type PodRequest, allocatable, nodesFor } from "./nodes";

/** Default class of the untainted `system` node group (add-ons and PgBouncer). The cluster may pick another. */
export const SYSTEM_INSTANCE_CLASS = "m7g.large";
/** The system group runs two nodes at least, so one can be drained or lost. */
export const SYSTEM_MIN_NODES = 2;

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

function request(name: string, replicas: number, pod: PodResources): PodRequest {
  return { name, replicas, cpuMillicores: pod.cpuRequestMillicores, memoryMiB: pod.memoryRequestMiB };
}

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

/** A node group's class and sizes. */
export interface NodeGroupSize {
  /** EC2 class of every node in the group. */
  instanceClass: string;
  /** The tier's node count: the group never shrinks below it. */
  minSize: number;
  /** Nodes at creation; cluster-autoscaler moves it afterwards (Pulumi ignores later drift). */
  desiredSize: number;
  /** Nodes that hold every pod the autoscalers may create (`nodesNeeded`). */
  maxSize: number;
}

/**
 * Node group sizes of a tier. api and worker: minimum = desired = the tier's node count (seed 000 §8.1), maximum from
 * `nodesNeeded` (every pod at the HPA maxima, spread over the zones). system (add-ons and PgBouncer, untainted): one
 * node per PgBouncer replica and at least two, so a node can be drained; maximum = what its pods need plus one node
 * for a node replacement or a zone loss.
 */
export function nodeGroupSizes(
  tier: TierSpec,
  systemInstanceClass: string = SYSTEM_INSTANCE_CLASS,
): Record<NodeRole, NodeGroupSize> {
  const systemMin = Math.max(SYSTEM_MIN_NODES, tier.workloads.pgbouncer.replicas);
  const apiMin = tier.compute.api.nodes;
  const workerMin = tier.compute.workers.nodes;
  return {
    system: {
      instanceClass: systemInstanceClass,
      minSize: systemMin,
      desiredSize: systemMin,
      maxSize: Math.max(nodesNeeded("system", tier, systemInstanceClass), systemMin) + 1,
    },
    api: {
      instanceClass: tier.compute.api.instanceClass,
      minSize: apiMin,
      desiredSize: apiMin,
      maxSize: Math.max(nodesNeeded("api", tier), apiMin),
    },
    worker: {
      instanceClass: tier.compute.workers.instanceClass,
      minSize: workerMin,
      desiredSize: workerMin,
      maxSize: Math.max(nodesNeeded("worker", tier), workerMin),
    },
  };
}

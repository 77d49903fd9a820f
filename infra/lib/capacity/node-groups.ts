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

/** The tier's node count for a role (seed 000 §8.1): the api and worker groups' desired size. */
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
 * Extra pods a rolling update adds: the API and worker Deployments' `maxSurge` (25 %, rounded up as Kubernetes
 * rounds it), so the last step of a rollout at the HPA maximum runs max × 1.25 pods at once.
 */
export const ROLLOUT_MAX_SURGE = 0.25;

function nodesForReplicas(role: NodeRole, tier: TierSpec, replicas: number, zones: number, instanceClass?: string) {
  const node = allocatable(instanceClass ?? instanceClassOf(role, tier));
  const pods = podsOf(role, tier).map((p) => ({ ...p, replicas }));
  const needed = nodesFor(pods, node, zones);
  if (!Number.isFinite(needed)) {
    throw new Error(
      `${role}: a pod does not fit one ${node.instanceClass} node (${node.cpuMillicores}m / ${node.memoryMiB} MiB allocatable)`,
    );
  }
  return needed;
}

/** The HPA's bounds for an autoscaled role. */
function replicasOf(role: "api" | "worker", tier: TierSpec): { min: number; max: number } {
  const w = role === "api" ? tier.workloads.api : tier.workloads.worker;
  return { min: w.minReplicas, max: w.maxReplicas };
}

/**
 * Nodes an autoscaled role (api, worker) must be able to reach, the largest of: every pod at the HPA maximum plus a
 * rollout's surge, spread over all zones; and every pod at the HPA maximum on the zones left after one is lost (the
 * pods' zone spread counts only zones that still have nodes). For `system`, its pods spread over the zones.
 */
export function nodesNeeded(role: NodeRole, tier: TierSpec, instanceClass?: string): number {
  const zones = tier.network.azCount;
  if (role === "system") {
    const pods = podsOf(role, tier);
    const node = allocatable(instanceClass ?? instanceClassOf(role, tier));
    const needed = nodesFor(pods, node, zones);
    if (!Number.isFinite(needed))
      throw new Error(
        `system: a pod does not fit one ${node.instanceClass} node (${node.cpuMillicores}m / ${node.memoryMiB} MiB allocatable)`,
      );
    return needed;
  }
  const { max } = replicasOf(role, tier);
  const surge = nodesForReplicas(role, tier, Math.ceil(max * (1 + ROLLOUT_MAX_SURGE)), zones, instanceClass);
  const zoneLoss = zones > 1 ? nodesForReplicas(role, tier, max, zones - 1, instanceClass) : 0;
  return Math.max(surge, zoneLoss);
}

/** Nodes that hold an autoscaled role's HPA minimum, one zone spread: the group's floor. */
export function nodesAtMinimum(role: "api" | "worker", tier: TierSpec, instanceClass?: string): number {
  return nodesForReplicas(role, tier, replicasOf(role, tier).min, tier.network.azCount, instanceClass);
}

/** A node group's class and sizes. */
export interface NodeGroupSize {
  /** EC2 class of every node in the group. */
  instanceClass: string;
  /** The group never shrinks below it. */
  minSize: number;
  /** Nodes at creation; cluster-autoscaler moves it afterwards (Pulumi ignores later drift). */
  desiredSize: number;
  /** The most nodes cluster-autoscaler may run. */
  maxSize: number;
}

/**
 * Node group sizes of a tier; each number's reason:
 * - api and worker: minimum = the nodes the HPA minimum needs (one zone spread, whole pods), so cluster-autoscaler
 *   can give back what quiet hours do not use; desired = the tier's node count (seed 000 §8.1), the size a deploy
 *   starts at and the cost estimate's expected figure (kept within min and max); maximum = `nodesNeeded` (the HPA
 *   maximum plus a rollout's 25 % surge, or the HPA maximum on one zone fewer), and never below the desired size.
 * - system (add-ons and PgBouncer, untainted, no HPA): one node per PgBouncer replica and at least two, so a node
 *   can be drained; maximum = what its pods need plus one node for a node replacement or a zone loss.
 */
export function nodeGroupSizes(
  tier: TierSpec,
  systemInstanceClass: string = SYSTEM_INSTANCE_CLASS,
): Record<NodeRole, NodeGroupSize> {
  const systemMin = Math.max(SYSTEM_MIN_NODES, tier.workloads.pgbouncer.replicas);
  const autoscaled = (role: "api" | "worker"): NodeGroupSize => {
    const minSize = nodesAtMinimum(role, tier);
    const maxSize = Math.max(nodesNeeded(role, tier), minimumNodesOf(role, tier), minSize);
    return {
      instanceClass: instanceClassOf(role, tier),
      minSize,
      desiredSize: Math.min(Math.max(minimumNodesOf(role, tier), minSize), maxSize),
      maxSize,
    };
  };
  return {
    system: {
      instanceClass: systemInstanceClass,
      minSize: systemMin,
      desiredSize: systemMin,
      maxSize: Math.max(nodesNeeded("system", tier, systemInstanceClass), systemMin) + 1,
    },
    api: autoscaled("api"),
    worker: autoscaled("worker"),
  };
}

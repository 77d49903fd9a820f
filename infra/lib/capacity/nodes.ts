/**
 * What one EKS node offers pods (its allocatable after EKS's reservations and the DaemonSets), and how many nodes
 * hold a set of pods. Pure maths over the instance catalog (stacks/instances.ts).
 */
import { type Ec2Shape, ec2Shape } from "../../../stacks/instances";

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
export function maxPods(shape: Pick<Ec2Shape, "enis" | "ipsPerEni">): number {
  return shape.enis * (shape.ipsPerEni - 1) + 2;
}

/** What one node of `instanceClass` offers our pods. Throws naming the class when it is unknown. */
export function allocatable(instanceClass: string): Allocatable {
  const shape = ec2Shape(instanceClass);
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

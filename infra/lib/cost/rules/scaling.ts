/**
 * A node group's expected size from traffic: the load of the workload that schedules onto it (../load.ts) divided
 * by what one of its pods serves at its autoscaler's CPU target, as pods within the autoscaler's bounds, then as
 * nodes within the group's own minSize and maxSize. The line names the ScaledObject or HPA that drives it.
 */
import type { CostResource } from "../types";
import type { WorkloadLoad } from "../load";
import { ROLE_LABEL } from "../../pod-spec";
import { allocatable, nodesFor } from "../../capacity/nodes";
import { arr, num, obj, str, type PricingContext } from "./common";
import { parseStorage } from "./common";

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const SCALED_OBJECT = "kubernetes:keda.sh/v1alpha1:ScaledObject";
const HPA_TYPES = [
  "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
  "kubernetes:autoscaling/v1:HorizontalPodAutoscaler",
];

/** What the autoscaler of a workload declares. */
export interface Scaler {
  /** "ScaledObject worker" or "HorizontalPodAutoscaler api": kind and metadata.name. */
  name: string;
  minReplicas: number;
  maxReplicas: number;
  /** CPU utilisation target in % of the pod's request. */
  cpuTargetPercent: number;
  /** Per-pod request-rate target of an AverageValue request-rate trigger, if any. */
  requestRateTarget?: number;
}

/** A pod's CPU request (millicores) and memory request (MiB), summed over its containers. */
export interface PodSize {
  cpuMillicores: number;
  memoryMiB: number;
}

/** Kubernetes CPU quantity ("500m", "1", "0.5") in millicores. */
export function parseCpu(quantity: unknown): number | undefined {
  if (typeof quantity === "number") return quantity * 1000;
  const q = str(quantity);
  if (q === undefined) return undefined;
  if (q.endsWith("m")) return num(q.slice(0, -1));
  const cores = num(q);
  return cores === undefined ? undefined : cores * 1000;
}

/**
 * Pods the autoscaler runs for `load`: the most that any of its triggers asks for — CPU (demand over what a pod
 * serves at the CPU target: perCoreRate × request cores × target) and, when declared, the per-pod request-rate
 * target — within its minimum and maximum.
 */
export function expectedReplicas(load: WorkloadLoad, pod: PodSize, scaler: Scaler): number {
  const perPod = load.perCoreRate * (pod.cpuMillicores / 1000) * (scaler.cpuTargetPercent / 100);
  let pods = perPod > 0 ? Math.ceil(load.demandPerSecond / perPod) : scaler.maxReplicas;
  if (scaler.requestRateTarget !== undefined && scaler.requestRateTarget > 0 && load.unit === "req/s")
    pods = Math.max(pods, Math.ceil(load.demandPerSecond / scaler.requestRateTarget));
  return Math.min(Math.max(pods, scaler.minReplicas), scaler.maxReplicas);
}

/** Nodes of `instanceType` over `zones` that hold `replicas` pods of `pod`, within the group's min and max. */
export function expectedNodes(
  replicas: number,
  pod: PodSize,
  instanceType: string,
  zones: number,
  bounds: { min: number; max: number },
): number {
  const needed = nodesFor([{ name: "pod", replicas, ...pod }], allocatable(instanceType), zones);
  return Math.min(Math.max(needed, bounds.min), bounds.max);
}

function podSize(deployment: CostResource): PodSize | undefined {
  const containers = arr(obj(obj(obj(deployment.inputs.spec).template).spec).containers).map(obj);
  let cpu = 0;
  let memory = 0;
  for (const c of containers) {
    const requests = obj(obj(c.resources).requests);
    const cores = parseCpu(requests.cpu);
    const mem = str(requests.memory) !== undefined ? parseStorage(str(requests.memory)!) : undefined;
    if (cores === undefined || mem === undefined) return undefined;
    cpu += cores;
    memory += mem * 1024;
  }
  return containers.length > 0 ? { cpuMillicores: cpu, memoryMiB: Math.round(memory) } : undefined;
}

function scalerOf(deployment: CostResource, resources: readonly CostResource[]): Scaler | undefined {
  const name = str(obj(obj(deployment.inputs.metadata)).name) ?? deployment.name;
  for (const r of resources) {
    const spec = obj(r.inputs.spec);
    if (str(obj(spec.scaleTargetRef).name) !== name) continue;
    const own = str(obj(r.inputs.metadata).name) ?? r.name;
    if (r.type === SCALED_OBJECT) {
      const triggers = arr(spec.triggers).map(obj);
      const cpu = triggers.find((t) => str(t.type) === "cpu");
      const rate = triggers.find((t) => str(t.type) === "prometheus" && str(t.metricType) === "AverageValue");
      const threshold = num(obj(rate?.metadata).threshold);
      return {
        name: `ScaledObject ${own}`,
        minReplicas: num(spec.minReplicaCount) ?? 0,
        maxReplicas: num(spec.maxReplicaCount) ?? 100,
        // KEDA without a CPU trigger: the load cannot be read as CPU; 100 % means "pods at full use".
        cpuTargetPercent: num(obj(cpu?.metadata).value) ?? 100,
        ...(threshold !== undefined ? { requestRateTarget: threshold } : {}),
      };
    }
    if (HPA_TYPES.includes(r.type)) {
      const cpu = arr(spec.metrics)
        .map(obj)
        .find((m) => str(obj(m.resource).name) === "cpu");
      return {
        name: `HorizontalPodAutoscaler ${own}`,
        minReplicas: num(spec.minReplicas) ?? 1,
        maxReplicas: num(spec.maxReplicas) ?? 1,
        cpuTargetPercent:
          num(obj(obj(cpu?.resource).target).averageUtilization) ?? num(spec.targetCPUUtilizationPercentage) ?? 80,
      };
    }
  }
  return undefined;
}

/** What the node-group rule needs to price `expected` from traffic; undefined when the group's size is not driven. */
export interface DrivenSize {
  nodes: number;
  replicas: number;
  scaler: Scaler;
  /** Phrase for the line's description. */
  summary: string;
  /** The usage the figure rests on, for the line. */
  derivation: string;
}

/**
 * The traffic-driven expected size of a node group: its role label, the Deployment scheduled on that role, the
 * autoscaler targeting that Deployment, and the role's load. Undefined when any of these is missing.
 */
export function drivenSize(
  group: CostResource,
  instanceType: string,
  bounds: { min: number; max: number },
  ctx: PricingContext,
): DrivenSize | undefined {
  const role = str(obj(group.inputs.labels)[ROLE_LABEL]);
  const load = role !== undefined ? ctx.load?.[role] : undefined;
  if (role === undefined || load === undefined) return undefined;
  const deployment = ctx.resources.find(
    (r) =>
      r.type === DEPLOYMENT && str(obj(obj(obj(obj(r.inputs.spec).template).spec).nodeSelector)[ROLE_LABEL]) === role,
  );
  const scaler = deployment !== undefined ? scalerOf(deployment, ctx.resources) : undefined;
  const pod = deployment !== undefined ? podSize(deployment) : undefined;
  if (scaler === undefined || pod === undefined) return undefined;
  const zones = Math.max(1, arr(group.inputs.subnetIds).length);
  let nodes: number;
  try {
    const replicas = expectedReplicas(load, pod, scaler);
    nodes = expectedNodes(replicas, pod, instanceType, zones, bounds);
    return {
      nodes,
      replicas,
      scaler,
      summary: `${scaler.name} at ${replicas} pods`,
      derivation: `${scaler.name}: ${load.demandPerSecond} ${load.unit} → ${replicas} pods (${scaler.minReplicas}-${scaler.maxReplicas}) at ${pod.cpuMillicores}m × ${scaler.cpuTargetPercent}% CPU${scaler.requestRateTarget !== undefined ? ` or ${scaler.requestRateTarget} ${load.unit} per pod` : ""} → ${nodes} nodes; ${load.derivation}`,
    };
  } catch {
    // An instance class outside stacks/instances.ts: no allocatable to divide by; the group stays at desiredSize.
    return undefined;
  }
}

/**
 * Compute: the EKS control plane, managed node groups (the only autoscaled cost, so the source of the range) and
 * the Kubernetes objects that make AWS create billable things (ALB Ingresses, LoadBalancer Services, volumes).
 */
import type { CostResource } from "../types";
import { HOURS_PER_MONTH, type Draft, type Rule, arr, fixed, num, obj, range, scale, str } from "./common";
import { INGRESS, albDrafts, annotations, isAlbIngress } from "./network";
import { logGroupDrafts } from "./logs";
import { eksSupport } from "./eks-support";
import { parseStorage } from "./common";
import { drivenSize } from "./scaling";

export { parseStorage };

export const EKS_CLUSTER = "aws:eks/cluster:Cluster";
export const NODE_GROUP = "aws:eks/nodeGroup:NodeGroup";
export const LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";
export const HPA_TYPES = [
  "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
  "kubernetes:autoscaling/v1:HorizontalPodAutoscaler",
];
export const SERVICE = "kubernetes:core/v1:Service";
export const PVC = "kubernetes:core/v1:PersistentVolumeClaim";
export const SCALED_OBJECT = "kubernetes:keda.sh/v1alpha1:ScaledObject";

/** EKS's default root volume for managed node groups without a launch template (20 GiB). */
const DEFAULT_NODE_DISK_GB = 20;

const eksCluster: Rule = (resource, ctx) => {
  const version = str(resource.inputs.version);
  const supportType = str(obj(resource.inputs.upgradePolicy).supportType);
  const support = eksSupport(version, supportType, ctx.asOf);
  const attributes = { version: version ?? "default", supportType: supportType ?? "EXTENDED (default)" };
  const plane: Draft =
    support.billed === "unknown"
      ? {
          sku: "eks/cluster",
          item: "control-plane-hours",
          attributes,
          description: "EKS control plane hours",
          unpriced: support.reason,
        }
      : {
          sku: support.billed === "extended" ? "eks/cluster-extended" : "eks/cluster",
          item: "control-plane-hours",
          attributes,
          description: `EKS control plane hours (${support.billed} support)`,
          quantity: HOURS_PER_MONTH,
          note: support.reason,
        };
  return [plane, ...logGroupDrafts(resource, ctx)];
};

/** The launch template a node group points at: by name, by id containing the template's name, or the only one beside it. */
export function findLaunchTemplate(group: CostResource, resources: readonly CostResource[]): CostResource | undefined {
  const ref = obj(group.inputs.launchTemplate);
  const refName = str(ref.name);
  const refId = str(ref.id);
  if (refName === undefined && refId === undefined && group.inputs.launchTemplate === undefined) return undefined;
  const templates = resources.filter((r) => r.type === LAUNCH_TEMPLATE);
  const byName = templates.find((t) => refName !== undefined && (str(t.inputs.name) === refName || t.name === refName));
  if (byName) return byName;
  const byId = templates.find((t) => refId !== undefined && refId.includes(t.name));
  if (byId) return byId;
  const siblings = templates.filter((t) => t.parent === group.parent);
  if (siblings.length === 1) return siblings[0];
  return templates.length === 1 ? templates[0] : undefined;
}

const nodeGroup: Rule = (group, ctx) => {
  const scaling = obj(group.inputs.scalingConfig);
  const min = num(scaling.minSize);
  const desired = num(scaling.desiredSize) ?? min;
  const max = num(scaling.maxSize) ?? desired;
  const template = findLaunchTemplate(group, ctx.resources);
  const instanceTypes = arr(group.inputs.instanceTypes).filter((t): t is string => typeof t === "string");
  const instanceType = instanceTypes[0] ?? str(template?.inputs.instanceType);
  if (min === undefined || desired === undefined || max === undefined) {
    return [
      {
        sku: `ec2/${instanceType ?? "unknown"}`,
        item: "node-hours",
        description: "Node instance hours",
        unpriced: "scalingConfig.minSize/desiredSize/maxSize missing",
      },
    ];
  }
  if (instanceType === undefined) {
    return [
      {
        sku: "ec2/unknown",
        item: "node-hours",
        description: "Node instance hours",
        unpriced: "no instanceTypes on the node group and no launch template instanceType found",
      },
    ];
  }
  // Expected from traffic where an autoscaler drives the group (rules/scaling.ts); else the declared desiredSize.
  const driven = drivenSize(group, instanceType, { min, max }, ctx);
  const expected = driven?.nodes ?? desired;
  const nodes = range(min, expected, max);
  const notes: string[] = [];
  if (driven !== undefined) notes.push(`expected: ${driven.derivation}`);
  if (instanceTypes.length > 1) notes.push(`${instanceTypes.length} instance types listed; priced at the first`);
  if (str(group.inputs.capacityType) === "SPOT") notes.push("SPOT capacity priced at on-demand (an upper bound)");
  const drafts: Draft[] = [
    {
      sku: `ec2/${instanceType}`,
      item: "node-hours",
      attributes: {
        instanceType,
        minSize: min,
        desiredSize: desired,
        maxSize: max,
        capacityType: str(group.inputs.capacityType) ?? "ON_DEMAND",
        ...(driven !== undefined ? { drivenBy: driven.scaler.name, expectedPods: driven.replicas } : {}),
      },
      description:
        driven !== undefined
          ? `Node instance hours (${min} min / ${expected} expected from ${driven.summary} / ${max} max nodes)`
          : `Node instance hours (${min} min / ${desired} desired / ${max} max nodes)`,
      quantity: scale(nodes, HOURS_PER_MONTH),
      note: notes.length > 0 ? notes.join("; ") : undefined,
    },
  ];
  const ebs = arr(template?.inputs.blockDeviceMappings)
    .map((m) => obj(obj(m).ebs))
    .find((e) => num(e.volumeSize) !== undefined);
  if (ebs !== undefined) {
    const volumeType = str(ebs.volumeType) ?? "gp2";
    drafts.push({
      sku: `ebs/${volumeType}-storage`,
      item: "root-volumes",
      attributes: { volumeType, volumeGb: num(ebs.volumeSize) ?? 0 },
      description: `Node root volumes (${num(ebs.volumeSize)} GB ${volumeType} each)`,
      quantity: scale(nodes, num(ebs.volumeSize) ?? 0),
    });
  } else {
    const size = num(group.inputs.diskSize) ?? DEFAULT_NODE_DISK_GB;
    drafts.push({
      sku: "ebs/gp2-storage",
      item: "root-volumes",
      attributes: { volumeType: "gp2", volumeGb: size },
      description: `Node root volumes (${size} GB each)`,
      quantity: scale(nodes, size),
      note: "EKS default root volume; type assumed gp2",
    });
  }
  return drafts;
};

/** HPAs cost nothing themselves: their pods run on the node groups, whose min/desired/max sizes carry the range. */
const hpa: Rule = (resource, ctx) => {
  const spec = obj(resource.inputs.spec);
  const target = str(obj(spec.scaleTargetRef).name) ?? resource.name;
  ctx.note(
    `HPA ${target}: ${num(spec.minReplicas) ?? 1}-${num(spec.maxReplicas) ?? "?"} replicas; priced through the node groups it runs on (min at the groups' minSize, max at their maxSize)`,
  );
  return [];
};

/** KEDA ScaledObjects scale workers like HPAs do: free themselves, their range lives in the node groups. */
const scaledObject: Rule = (resource, ctx) => {
  const spec = obj(resource.inputs.spec);
  const target = str(obj(spec.scaleTargetRef).name) ?? resource.name;
  ctx.note(
    `KEDA ScaledObject ${target}: ${num(spec.minReplicaCount) ?? 0}-${num(spec.maxReplicaCount) ?? 100} replicas; priced through the node groups it runs on`,
  );
  return [];
};

const ingress: Rule = (resource, ctx) => {
  if (!isAlbIngress(resource)) return [];
  const group = str(annotations(resource)["alb.ingress.kubernetes.io/group.name"]);
  if (group !== undefined) {
    const first = ctx.resources.find(
      (r) => isAlbIngress(r) && str(annotations(r)["alb.ingress.kubernetes.io/group.name"]) === group,
    );
    if (first !== resource) return [];
  }
  const internal = str(annotations(resource)["alb.ingress.kubernetes.io/scheme"]) !== "internet-facing";
  const subnets = str(annotations(resource)["alb.ingress.kubernetes.io/subnets"]);
  const zones = subnets !== undefined ? subnets.split(",").length : 3;
  if (!internal && subnets === undefined) {
    ctx.note(`ALB of Ingress ${resource.name}: one public IPv4 address per zone, 3 zones assumed`);
  }
  return albDrafts(resource, ctx, {
    internal,
    zones,
    description: "ALB (AWS Load Balancer Controller, from the Ingress)",
  });
};

const service: Rule = (resource, ctx) => {
  if (str(obj(resource.inputs.spec).type) !== "LoadBalancer") return [];
  ctx.note(`Service ${resource.name} of type LoadBalancer priced as one NLB (NLCUs not modelled: no usage assumption)`);
  return [{ sku: "elb/nlb", description: "NLB hours (Service type LoadBalancer)", quantity: HOURS_PER_MONTH }];
};

const pvc: Rule = (resource) => {
  const request = str(obj(obj(obj(resource.inputs.spec).resources).requests).storage);
  const size = request !== undefined ? parseStorage(request) : undefined;
  if (size === undefined) {
    return [
      {
        sku: "ebs/gp3-storage",
        description: "Persistent volume",
        unpriced: `spec.resources.requests.storage unreadable: ${String(request)}`,
      },
    ];
  }
  return [
    {
      sku: "ebs/gp3-storage",
      description: `Persistent volume (${request}, EBS gp3 assumed)`,
      attributes: { request: request! },
      quantity: fixed(size),
    },
  ];
};

/** Node groups' combined size, for the note that says how the range was built. */
export function describeNodeGroups(resources: readonly CostResource[]): string | undefined {
  const groups = resources.filter((r) => r.type === NODE_GROUP);
  if (groups.length === 0) return undefined;
  const parts = groups.map((g) => {
    const s = obj(g.inputs.scalingConfig);
    return `${g.name} ${num(s.minSize) ?? "?"}/${num(s.desiredSize) ?? "?"}/${num(s.maxSize) ?? "?"}`;
  });
  return `node groups (min/desired/max): ${parts.join(", ")}`;
}

export const COMPUTE_RULES: Record<string, Rule> = {
  [EKS_CLUSTER]: eksCluster,
  [NODE_GROUP]: nodeGroup,
  [INGRESS]: ingress,
  [SERVICE]: service,
  [PVC]: pvc,
  [SCALED_OBJECT]: scaledObject,
  ...Object.fromEntries(HPA_TYPES.map((t) => [t, hpa])),
};

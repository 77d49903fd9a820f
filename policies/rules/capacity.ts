/**
 * Capacity: issue 3's inequalities (HPA maxima fit the node groups' maximum allocatable; PgBouncer client and
 * RDS connection budgets hold), computed by `checkCapacity` in infra/lib/capacity/, the same function behind the
 * program's `capacity` output. The rule feeds it what the stack declares: node groups (class, minSize, maxSize), RDS
 * classes and replica count, autoscaler maxima, pod requests and PgBouncer replicas. Whatever the stack does not
 * declare is taken from the tier model, as the program does.
 */
import type { PolicyResource } from "@pulumi/policy";
import { checkCapacity, nodeGroupSizes, type NodeGroupCapacity } from "../../infra/lib/capacity";
import { NODE_ROLES, type NodeRole, type PodResources, type TierSpec } from "../../stacks/tiers";
import { RDS_INSTANCE, isReplica } from "./data";
import { NODE_GROUP } from "./cluster";
import { asArray, ofType, stackRule, type Props, type Rule } from "./kit";
import { DEPLOYMENT, autoscalerOf, autoscalersOf, kubeName, podSpecOf } from "./workloads";

/** The role a node group serves: its `role` label, else its name. */
export function nodeRoleOf(group: PolicyResource): NodeRole | undefined {
  const label: unknown = group.props.labels?.role ?? group.props.labels?.["storyforge.io/role"];
  const text = typeof label === "string" ? label : group.name;
  return NODE_ROLES.find((role) => text.includes(role));
}

/** Kubernetes CPU quantity to millicores ("500m" → 500, "2" → 2000). */
export function cpuMillicores(quantity: unknown): number | undefined {
  if (typeof quantity === "number") return quantity * 1000;
  if (typeof quantity !== "string") return undefined;
  const m = /^(\d+(?:\.\d+)?)(m?)$/.exec(quantity);
  if (m === null) return undefined;
  return m[2] === "m" ? Number(m[1]) : Number(m[1]) * 1000;
}

const MEMORY_UNITS: Record<string, number> = {
  Ki: 1 / 1024,
  Mi: 1,
  Gi: 1024,
  Ti: 1024 * 1024,
  K: 1000 / 1024 ** 2,
  M: 1000 ** 2 / 1024 ** 2,
  G: 1000 ** 3 / 1024 ** 2,
};

/** Kubernetes memory quantity to MiB ("512Mi" → 512, "1Gi" → 1024). */
export function memoryMiB(quantity: unknown): number | undefined {
  if (typeof quantity === "number") return quantity / 1024 ** 2;
  if (typeof quantity !== "string") return undefined;
  const m = /^(\d+(?:\.\d+)?)([KMGT]i?)?$/.exec(quantity);
  if (m === null) return undefined;
  const unit = m[2];
  return unit === undefined ? Number(m[1]) / 1024 ** 2 : Number(m[1]) * (MEMORY_UNITS[unit] ?? Number.NaN);
}

function podRequests(deployment: PolicyResource, fallback: PodResources): PodResources {
  const containers: Props[] = asArray(podSpecOf(deployment.type, deployment.props).containers);
  const cpu = containers.map((c) => cpuMillicores(c.resources?.requests?.cpu));
  const memory = containers.map((c) => memoryMiB(c.resources?.requests?.memory));
  if (containers.length === 0 || cpu.includes(undefined) || memory.includes(undefined)) return fallback;
  return {
    ...fallback,
    cpuRequestMillicores: cpu.reduce((s: number, v) => s + (v ?? 0), 0),
    memoryRequestMiB: memory.reduce((s: number, v) => s + (v ?? 0), 0),
  };
}

/** The tier as this stack declares it: the tier model with every figure the stack states put in its place. */
export function declaredTier(
  resources: readonly PolicyResource[],
  tier: TierSpec,
): { spec: TierSpec; nodeGroups: Record<NodeRole, NodeGroupCapacity> } {
  const nodeGroups: Record<NodeRole, NodeGroupCapacity> = { ...nodeGroupSizes(tier) };
  for (const group of ofType(resources, NODE_GROUP)) {
    const role = nodeRoleOf(group);
    const instanceClass: unknown = asArray(group.props.instanceTypes)[0];
    const maxSize: unknown = group.props.scalingConfig?.maxSize;
    const minSize: unknown = group.props.scalingConfig?.minSize;
    if (role !== undefined && typeof instanceClass === "string" && typeof maxSize === "number")
      nodeGroups[role] = { instanceClass, maxSize, ...(typeof minSize === "number" ? { minSize } : {}) };
  }

  const database = { ...tier.database, primary: { ...tier.database.primary }, replicas: { ...tier.database.replicas } };
  const instances = ofType(resources, RDS_INSTANCE);
  const primary = instances.find((r) => !isReplica(r.props));
  const replicas = instances.filter((r) => isReplica(r.props));
  if (typeof primary?.props.instanceClass === "string") database.primary.instanceClass = primary.props.instanceClass;
  if (replicas.length > 0) {
    database.replicas.count = replicas.length;
    if (typeof replicas[0]?.props.instanceClass === "string")
      database.replicas.instanceClass = replicas[0].props.instanceClass;
  }

  const workloads = {
    ...tier.workloads,
    api: { ...tier.workloads.api },
    worker: { ...tier.workloads.worker },
    pgbouncer: { ...tier.workloads.pgbouncer },
  };
  const autoscalers = autoscalersOf(resources);
  for (const deployment of ofType(resources, DEPLOYMENT)) {
    const name = kubeName(deployment);
    const max = autoscalerOf(deployment, autoscalers)?.max;
    if (name.includes("pgbouncer")) {
      if (typeof deployment.props.spec?.replicas === "number")
        workloads.pgbouncer.replicas = deployment.props.spec.replicas;
      workloads.pgbouncer.pod = podRequests(deployment, workloads.pgbouncer.pod);
    } else if (name.includes("worker")) {
      if (typeof max === "number") workloads.worker.maxReplicas = max;
      workloads.worker.pod = podRequests(deployment, workloads.worker.pod);
    } else if (name.includes("api")) {
      if (typeof max === "number") workloads.api.maxReplicas = max;
      workloads.api.pod = podRequests(deployment, workloads.api.pod);
    }
  }
  return { spec: { ...tier, database, workloads }, nodeGroups };
}

/** checkCapacity's inequalities (b) and (c), which capacity-connection-budget checks from the plan. */
function isConnectionProblem(problem: string): boolean {
  return problem.startsWith("pgbouncer clients:") || problem.startsWith("rds ");
}

export const capacityAddsUp = stackRule({
  name: "capacity-adds-up",
  description:
    "The autoscalers' maxima fit the node groups' maximum allocatable resources, and the API's maximum serves the tier's origin rate (infra/lib/capacity/); the connection budget is capacity-connection-budget.",
  level: "M",
  tierOnly: true,
  sources: [
    "issue 3 §6 (capacity inequalities)",
    "seed 000 §3.4 (PgBouncer)",
    "infra/lib/capacity/check.ts checkCapacity",
  ],
  check: (resources, ctx, report) => {
    const { spec, nodeGroups } = declaredTier(resources, ctx.sizing);
    // The connection budget is capacity-connection-budget's, read from the plan's pgbouncer.ini and parameter group
    // rather than the program's constants (issue 13).
    for (const problem of checkCapacity(spec, { nodeGroups }).problems.filter((p) => !isConnectionProblem(p)))
      report(problem);
  },
});

export const capacityRules: readonly Rule[] = [capacityAddsUp];

/**
 * What this platform needs beyond the trusted packs: the connection budget as the plan declares it (PgBouncer's
 * ConfigMap, the parameter group's max_connections, the autoscalers' maxima and the pods' pool sizes), capacity data
 * for every instance class, TLS enforced by PostgreSQL itself, and EKS on standard support.
 */
import type { PolicyResource } from "@pulumi/policy";
import {
  POOLS_PER_PROCESS,
  RDS_CONNECTION_RESERVE,
  RDS_MEMORY_SHARE,
  rdsMaxConnections,
} from "../../infra/lib/capacity/connections";
import { standardSupportMinors } from "../../infra/lib/cost/rules/eks-support";
import { INSTANCE_CATALOG, knownClasses, rdsMemoryGiB } from "../../stacks/instances";
import { RDS_INSTANCE, isReplica } from "./data";
import { NODE_GROUP, EKS_CLUSTER } from "./cluster";
import { asArray, ofType, resourceRule, stackRule, type Rule } from "./kit";
import { DEPLOYMENT, autoscalerOf, autoscalersOf, kubeName, podSpecOf } from "./workloads";

export const RDS_PARAMETER_GROUP = ["aws:rds/parameterGroup:ParameterGroup"] as const;
const CONFIG_MAP = ["kubernetes:core/v1:ConfigMap"] as const;

/** The parameter group an instance names (`parameterGroupName` is the group's `name`). */
function parameterGroupOf(resources: readonly PolicyResource[], instance: PolicyResource): PolicyResource | undefined {
  const name: unknown = instance.props.parameterGroupName;
  return ofType(resources, RDS_PARAMETER_GROUP).find((g) => g.props.name === name || g.props.id === name);
}

function parameter(group: PolicyResource | undefined, name: string): unknown {
  return asArray(group?.props.parameters).find((p) => p?.name === name)?.value;
}

export const rdsForceSsl = stackRule({
  name: "rds-force-ssl",
  description:
    "Every PostgreSQL instance uses a parameter group of this stack with rds.force_ssl = 1 (a default group, or none, does not count).",
  level: "M",
  sources: ["CKV2_AWS_69"],
  check: (resources, _ctx, report) => {
    for (const db of ofType(resources, RDS_INSTANCE)) {
      if (db.props.engine !== undefined && !String(db.props.engine).includes("postgres")) continue;
      const group = parameterGroupOf(resources, db);
      if (group === undefined) {
        report(
          `names no parameter group of this stack (parameterGroupName ${JSON.stringify(db.props.parameterGroupName ?? "(unset)")}), so plain-text connections are not refused`,
          db,
        );
        continue;
      }
      const value = parameter(group, "rds.force_ssl");
      if (String(value) !== "1")
        report(`parameter group "${group.name}" sets rds.force_ssl to ${JSON.stringify(value ?? "(unset: 0)")}`, db);
    }
  },
});

/**
 * The minors in EKS standard support on the catalog's date (CKV_AWS_339), from the same release calendar the cost
 * estimate bills extended support by, so the two never disagree about a version.
 */
export const SUPPORTED_EKS_VERSIONS = standardSupportMinors(INSTANCE_CATALOG.catalogDate);

export const eksStandardSupport = resourceRule({
  name: "eks-standard-support",
  description:
    "EKS clusters state upgradePolicy.supportType STANDARD: EXTENDED, which AWS also applies when it is unset, adds $0.50 an hour per cluster ($0.60 instead of $0.10).",
  level: "M",
  sources: ["AWS EKS user guide: cluster upgrade policy", "AWS EKS pricing (standard vs extended support)"],
  types: EKS_CLUSTER,
  check: (props, _ctx, report) => {
    const support: unknown = props.upgradePolicy?.supportType;
    if (support !== "STANDARD")
      report(
        `upgradePolicy.supportType is ${JSON.stringify(support ?? "(unset: EXTENDED)")}; set STANDARD (extended support costs $0.60/h instead of $0.10/h)`,
      );
  },
});

export const eksSupportedVersion = resourceRule({
  name: "eks-supported-version",
  description: `EKS clusters run a Kubernetes version in standard support (${SUPPORTED_EKS_VERSIONS.join(", ")}).`,
  level: "T",
  sources: ["CKV_AWS_339"],
  types: EKS_CLUSTER,
  check: (props, _ctx, report) => {
    if (!SUPPORTED_EKS_VERSIONS.includes(String(props.version)))
      report(
        `runs Kubernetes ${JSON.stringify(props.version ?? "(unset)")}, not one of ${SUPPORTED_EKS_VERSIONS.join(", ")}`,
      );
  },
});

export const capacityKnownClasses = stackRule({
  name: "capacity-known-instance-classes",
  description:
    "Every node group's instance type and every RDS class is in the instance catalog (stacks/instance-classes.json), so the capacity maths can check it.",
  level: "M",
  sources: ["issue 13 (a class without capacity data crashed the pack)", "stacks/instances.ts"],
  check: (resources, _ctx, report) => {
    const ec2 = knownClasses("ec2");
    const rds = knownClasses("rds-postgres");
    for (const group of ofType(resources, NODE_GROUP)) {
      for (const t of asArray(group.props.instanceTypes).filter((c) => !ec2.includes(c)))
        report(`instance type ${JSON.stringify(t)} has no capacity data (known: ${ec2.join(", ")})`, group);
    }
    for (const db of ofType(resources, RDS_INSTANCE)) {
      if (!rds.includes(db.props.instanceClass))
        report(
          `instance class ${JSON.stringify(db.props.instanceClass)} has no capacity data (known: ${rds.join(", ")})`,
          db,
        );
    }
  },
});

/** `key = value` pairs of one INI section of pgbouncer.ini. */
export function iniSection(text: string, section: string): Record<string, string> {
  const out: Record<string, string> = {};
  let current = "";
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith(";") || line.startsWith("#")) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header !== null) {
      current = header[1] ?? "";
      continue;
    }
    const eq = line.indexOf("=");
    if (current === section && eq > 0) out[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return out;
}

/** max_connections a parameter group sets: an integer, or RDS's `{DBInstanceClassMemory/N}` / `LEAST(…, M)` forms. */
export function maxConnectionsOf(value: unknown, instanceClass: string): number {
  if (value === undefined || value === null || value === "") return rdsMaxConnections(instanceClass);
  if (typeof value !== "string" && typeof value !== "number")
    throw new Error(`max_connections ${JSON.stringify(value)} is not an integer or an RDS formula the pack reads`);
  const text = String(value).replace(/\s+/g, "");
  if (/^\d+$/.test(text)) return Number(text);
  // DBInstanceClassMemory as the capacity maths models it (infra/lib/capacity/connections.ts).
  const memory = () => rdsMemoryGiB(instanceClass) * 1024 ** 3 * RDS_MEMORY_SHARE;
  const term = (t: string): number => {
    const m = /^\{DBInstanceClassMemory\/(\d+)\}$/.exec(t);
    if (m !== null) return Math.floor(memory() / Number(m[1]));
    if (/^\d+$/.test(t)) return Number(t);
    throw new Error(`max_connections ${JSON.stringify(value)} is not an integer or an RDS formula the pack reads`);
  };
  const least = /^LEAST\((.+),(.+)\)$/.exec(text);
  return least === null ? term(text) : Math.min(term(least[1] ?? ""), term(least[2] ?? ""));
}

const int = (value: string | undefined): number | undefined =>
  value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;

function envNumber(deployment: PolicyResource, name: string): number | undefined {
  const env = asArray(podSpecOf(deployment.type, deployment.props).containers).flatMap((c) => asArray(c?.env));
  const value: unknown = env.find((e) => e?.name === name)?.value;
  return typeof value === "string" && /^\d+$/.test(value) ? Number(value) : undefined;
}

export const capacityConnectionBudget = stackRule({
  name: "capacity-connection-budget",
  description:
    "The connection budget holds as the plan declares it: PgBouncer's server pools (pgbouncer.ini default_pool_size + reserve_pool_size, capped by max_db_connections, × its replicas) stay below each RDS instance's max_connections (its parameter group's, else the class default) minus a reserve, and the app pods' pools at their autoscalers' maxima fit max_client_conn × replicas.",
  level: "M",
  tierOnly: true,
  sources: ["issue 3 §6 (capacity inequalities)", "seed 000 §3.4 (PgBouncer)", "PgBouncer configuration docs"],
  check: (resources, _ctx, report) => {
    const configMap = ofType(resources, CONFIG_MAP).find((c) => typeof c.props.data?.["pgbouncer.ini"] === "string");
    const pgbouncer = ofType(resources, DEPLOYMENT).find((d) => kubeName(d).includes("pgbouncer"));
    if (configMap === undefined || pgbouncer === undefined) {
      if (ofType(resources, RDS_INSTANCE).length > 0)
        report("the stack has RDS but no PgBouncer ConfigMap (data pgbouncer.ini) and Deployment to check it against");
      return;
    }
    const ini = String(configMap.props.data["pgbouncer.ini"]);
    const settings = iniSection(ini, "pgbouncer");
    const defaultPool = int(settings.default_pool_size);
    const reservePool = int(settings.reserve_pool_size) ?? 0;
    const maxClient = int(settings.max_client_conn);
    if (defaultPool === undefined || maxClient === undefined) {
      report("pgbouncer.ini sets no integer default_pool_size or max_client_conn", configMap);
      return;
    }
    const maxDb = int(settings.max_db_connections);
    const pool =
      maxDb !== undefined && maxDb > 0 ? Math.min(defaultPool + reservePool, maxDb) : defaultPool + reservePool;
    const replicas: unknown = pgbouncer.props.spec?.replicas;
    const bouncers = typeof replicas === "number" ? replicas : 1;
    const server = pool * bouncers;
    const poolText = `PgBouncer ${bouncers} × pool ${pool} (default_pool_size ${defaultPool} + reserve_pool_size ${reservePool}${maxDb === undefined ? "" : `, max_db_connections ${maxDb}`})`;

    for (const db of ofType(resources, RDS_INSTANCE)) {
      const group = parameterGroupOf(resources, db);
      const instanceClass = String(db.props.instanceClass);
      let max: number;
      try {
        max = maxConnectionsOf(parameter(group, "max_connections"), instanceClass);
      } catch (err) {
        report(`cannot size the connection budget: ${(err as Error).message}`, db);
        continue;
      }
      const limit = max - RDS_CONNECTION_RESERVE;
      // Each replica must take a whole pool from every PgBouncer pod: after a replica is lost, the round-robin
      // pool may all land on one.
      if (server >= limit)
        report(
          `${poolText} = ${server} server connections ≥ max_connections ${max}${group === undefined ? "" : ` (parameter group "${group.name}")`} − reserve ${RDS_CONNECTION_RESERVE} = ${limit} on ${isReplica(db.props) ? "replica" : "primary"} ${instanceClass}`,
          db,
        );
    }

    const autoscalers = autoscalersOf(resources);
    const clients = ofType(resources, DEPLOYMENT)
      .map((d) => ({ d, pool: envNumber(d, "DATABASE_POOL_MAX") }))
      .filter((x): x is { d: PolicyResource; pool: number } => x.pool !== undefined)
      .map(({ d, pool: perPool }) => {
        const max = autoscalerOf(d, autoscalers)?.max ?? (d.props.spec?.replicas as number | undefined) ?? 1;
        return { name: kubeName(d), pods: max, perPod: perPool * POOLS_PER_PROCESS };
      });
    const total = clients.reduce((s, c) => s + c.pods * c.perPod, 0);
    const capacity = maxClient * bouncers;
    if (total > capacity)
      report(
        `pgbouncer clients: ${clients.map((c) => `${c.name} ${c.pods} pods × ${c.perPod}`).join(" + ")} = ${total} > PgBouncer ${bouncers} × max_client_conn ${maxClient} = ${capacity}`,
        configMap,
      );
  },
});

export const platformRules: readonly Rule[] = [
  rdsForceSsl,
  eksStandardSupport,
  eksSupportedVersion,
  capacityKnownClasses,
  capacityConnectionBudget,
];

/**
 * Capacity that adds up (issue 3 §6): the four inequalities over a tier and the node groups a cluster declares.
 * The program exports the figures as the `capacity` output and fails when a problem is found, so `npm run plan` and
 * `pulumi up` both refuse a tier that does not add up.
 */
import { NODE_ROLES, type NodeRole, type TierSpec } from "../../../stacks/tiers";
import { allocatable, nodesFor } from "./nodes";
import { podsOf } from "./node-groups";
import {
  PGBOUNCER_SETTINGS,
  POOLS_PER_PROCESS,
  RDS_CONNECTION_RESERVE,
  rdsMaxConnections,
  workerPoolSize,
} from "./connections";

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

/** Checks issue 3 §6's inequalities for `tier` against the node groups the cluster declares. */
export function checkCapacity(tier: TierSpec, inputs: CapacityInputs): CapacityReport {
  const problems: string[] = [];
  const w = tier.workloads;

  // (a) every pod at the HPA maxima fits the node groups' maximum allocatable, whole pods per node.
  const nodeGroups = {} as Record<NodeRole, NodeGroupFigures>;
  for (const role of NODE_ROLES) {
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

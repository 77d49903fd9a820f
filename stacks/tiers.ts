/**
 * The capacity tiers of seed 000 §8, written once as data. Components, tests, the README table, the cost
 * estimator and the policy pack read this table; nothing restates it.
 *
 * Mapping from the seed's "vCPU / memory" rows to AWS classes: current-generation Graviton (7th gen, arm64),
 * the best price/performance for each engine in us-east-1 as of 2026, choosing the class whose vCPU equals the
 * row and whose memory is the nearest at or above it:
 *   - general purpose "m" (1:4 vCPU:GiB) where the row is 1:4, compute "c" (1:2) where it is 1:2,
 *     memory "r" (1:8) where it is 1:8;
 *   - ElastiCache reports usable memory below the instance's (cache.m7g.large: 6.38 GiB of 8), so a row of
 *     "2 vCPU, 8 GB" maps to cache.m7g.large and "4 vCPU, 32 GB" to cache.r7g.xlarge (26.32 GiB usable).
 */

/** The tiers a stack can be. `preview` stacks reuse a base tier's cluster (see stacks/preview). */
export const TIER_NAMES = ["mvp", "v1", "v2"] as const;
export type TierName = (typeof TIER_NAMES)[number];

/**
 * The node groups of every cluster: `system` (add-ons and PgBouncer, untainted), `api` and `worker` (tainted, each
 * holding only its workload). Preview stacks place their pods on the same three roles.
 */
export const NODE_ROLES = ["system", "api", "worker"] as const;
export type NodeRole = (typeof NODE_ROLES)[number];

/** A row of the seed's table: how many machines of what size, and the AWS class chosen for it. */
export interface Sized {
  /** vCPUs per machine, from seed 000 §8.1. */
  vcpu: number;
  /** Memory per machine in GiB, from seed 000 §8.1. */
  memoryGiB: number;
  /** The AWS class chosen for that size (see the mapping note at the top of this file). */
  instanceClass: string;
}

export interface NetworkTier {
  /** Availability zones the VPC and every multi-zone service spread over. */
  azCount: number;
  /** NAT gateways: one for mvp (cost), one per zone above (a zone failure must not cut egress). */
  natGateways: number;
  /** The VPC's IPv4 block; subnets are carved from it by infra/lib/cidr.ts. */
  vpcCidr: string;
}

export interface ComputeTier {
  /** API servers: node count of seed 000 §8.1 (also the API HPA minimum, §5.1 uses 3 at its smallest). */
  api: Sized & { nodes: number };
  /** Generation workers: node count of seed 000 §8.1. */
  workers: Sized & { nodes: number };
}

/** CPU in millicores and memory in MiB, as Kubernetes requests and limits. */
export interface PodResources {
  cpuRequestMillicores: number;
  memoryRequestMiB: number;
  cpuLimitMillicores: number;
  memoryLimitMiB: number;
}

export interface ScaledWorkload {
  /** HPA minimum replicas. */
  minReplicas: number;
  /** HPA maximum replicas; node groups are sized so every one of them fits. */
  maxReplicas: number;
  pod: PodResources;
}

export interface WorkloadsTier {
  /**
   * API pods. Minimum = the table's API servers (3 / 5 / 10, seed 000 §8.1 and §5.1); maximum 30 at v2 (seed 000
   * §5.1) and three times the minimum below it, the headroom a 3× burst needs before nodes are added.
   */
  api: ScaledWorkload & {
    /** Connections each API pod opens to PgBouncer (pg pool `max`). */
    dbPoolSize: number;
  };
  /**
   * Generation workers: minimum 2 (seed 000 §4.1; 3 at v2, one per zone), maximum 20 at v1 (seed 000 §4.1) and
   * 10 / 40 around it, twice the table's worker machines at each tier.
   */
  worker: ScaledWorkload & {
    /** Concurrent jobs per worker pod. */
    concurrency: number;
    /** Queue depth per worker that the autoscaler aims at (seed 000 §4.1: "10 jobs per worker"). */
    jobsPerWorker: number;
  };
  /** PgBouncer pods (≥ 2 so one can be drained). */
  pgbouncer: { replicas: number; pod: PodResources };
  /** Requests per second one API pod serves at its CPU target (see docs/benchmarks.md for the measured figure). */
  apiPodRps: number;
  /** Peak requests per second the tier must serve at the edge (seed 000 §1: 10K+ at full scale). */
  targetRps: number;
  /** Share of edge requests CloudFront answers without reaching the API (seed 002: hit rate > 80 %). */
  cdnHitRatio: number;
}

export interface DatabaseTier {
  primary: Sized & {
    /** gp3 storage in GB: seed 000 §8.1 (500 GB, 1 TB, 2 TB). */
    storageGb: number;
  };
  replicas: Sized & {
    /** Read replicas of seed 000 §8.1 (1 / 2 / 3), each in its own zone where zones allow. */
    count: number;
  };
  /** A standby in a second zone for the primary. Off for mvp (cost), on above. */
  multiAz: boolean;
  /** Days of automated backups kept. */
  backupRetentionDays: number;
  /**
   * RDS deletion protection and Pulumi `protect` on the primary. On at every tier: mvp serves real users (10K),
   * and its data is as unrecoverable as v2's.
   */
  deletionProtection: boolean;
  /**
   * Take a final snapshot when the primary is deleted, keep its automated backups (`deleteAutomatedBackups:
   * false`) and keep the KMS key that encrypts both when the stack is destroyed (`retainOnDelete`).
   */
  finalSnapshot: boolean;
}

export interface CacheTier extends Sized {
  /** Total Redis nodes of seed 000 §8.1 (2 / 3 / 6) = shards × (1 + replicasPerShard). */
  nodes: number;
  /** Cluster-mode shards (node groups). */
  shards: number;
  /** Replicas in each shard; at least 1 so failover has somewhere to go. */
  replicasPerShard: number;
  /**
   * Take a final snapshot when the group is deleted, protect it from `pulumi destroy` and keep its KMS key. v1 and
   * v2: the queue holds jobs in flight; mvp: a rebuilt queue is acceptable and teardown stays one command.
   */
  finalSnapshot: boolean;
}

export interface SearchTier extends Sized {
  /**
   * OpenSearch data nodes: seed 000 §8.1 has v1 3 and v2 5; v2 runs 6. Zone awareness spreads shard copies evenly
   * over the zones, so with 5 nodes on 3 zones (2/2/1) the lone node holds a third of the copies, twice its peers'
   * share (seed 000 §6.2: 5 primaries and 1 replica, 10 copies), and losing its zone or another one costs 1 or 2
   * nodes. A multiple of the zone count keeps every node's share equal; the config check enforces it.
   */
  dataNodes: number;
  /**
   * Dedicated coordinator nodes (seed 000 §6.1 "coordinators"). In a VPC domain the coordinators hold the
   * domain's network interfaces, so the count is a multiple of the zones: seed 000 §6.1's 2 would leave one zone
   * without an endpoint and put half the request capacity in one zone; v2 runs 3. 0: none (v1).
   */
  coordinatorNodes: number;
  /** Class of the coordinators: seed 000 §6.1 asks 1 vCPU / 2 GiB requests; m7g.large.search is the smallest current class. */
  coordinatorInstanceClass: string;
  /** Dedicated cluster-manager nodes: always three (seed 000 §6.1), so a quorum survives one loss. */
  masterNodes: number;
  /** Class of the dedicated masters: seed 000 §6.1 asks 1 vCPU / 2 GiB requests; m7g.large.search is the smallest current class. */
  masterInstanceClass: string;
  /** gp3 volume per data node in GB (seed 000 §6.1 diskSize 500Gi for v2). */
  volumeGb: number;
}

export interface BudgetTier {
  /** Monthly ceiling in USD: the upper bound of seed 000 §8.2's projection. */
  monthlyCeilingUsd: number;
  /** The seed's projected monthly range, shown beside the estimate. */
  projectionUsd: { low: number; high: number };
}

/** Monthly usage that drives usage-priced items; assumptions printed with every estimate. */
export interface UsageAssumptions {
  /** CloudFront data transfer out to viewers, GB per month (video segments dominate). */
  cdnEgressGb: number;
  /** CloudFront HTTPS requests, millions per month. */
  cdnRequestsMillions: number;
  /** Bytes through the NAT gateways (image pulls, external APIs), GB per month. */
  natProcessedGb: number;
  /** Bytes processed by the API's load balancer, GB per month (drives LCUs). */
  albProcessedGb: number;
  /**
   * Logs each source ingests, GB per month, priced where it comes from (infra/lib/cost/rules/logs.ts). Assumed, not
   * measured: the split of the earlier single log total (flow logs the largest share, at 60 s aggregation of all
   * traffic), to be replaced by CloudWatch's IncomingBytes per log group once a stack runs.
   */
  flowLogGb: number;
  /** EKS control-plane logs (api, audit, authenticator, controllerManager, scheduler), GB per month. */
  controlPlaneLogGb: number;
  /** RDS exported PostgreSQL and upgrade logs of every instance, GB per month. */
  databaseLogGb: number;
  /** OpenSearch slow and application logs, GB per month (0 where the tier has no domain). */
  searchLogGb: number;
  /** Every other log group (the deploy-time functions, application logs if shipped), GB per month. */
  logIngestGb: number;
  /** S3 objects stored (segments, thumbnails, assets, CDN logs), GB. */
  s3StoredGb: number;
  /** Container images kept in ECR, GB. */
  ecrStoredGb: number;
  /** RDS backup storage in GB (automated backups and snapshots, before the free allowance). */
  dbBackupGb: number;
  /** Prometheus samples ingested by the metrics workspace, millions per month (stacks/monitoring.ts metricsVolume). */
  metricsSamplesMillions: number;
  /** Prometheus samples kept by the workspace (its 150-day retention), GB. */
  metricsStoredGb: number;
  /** Samples the workspace's queries process (alert rules, the API autoscaler), billions per month. */
  metricsQuerySamplesBillions: number;
}

export interface TierSpec {
  name: TierName;
  /** Who the tier is for, from seed 000 §8.2. */
  users: string;
  network: NetworkTier;
  compute: ComputeTier;
  workloads: WorkloadsTier;
  database: DatabaseTier;
  cache: CacheTier;
  /** OpenSearch; `null` where the tier has none (mvp searches with PostgreSQL full-text search). */
  search: SearchTier | null;
  budget: BudgetTier;
  usage: UsageAssumptions;
}

export const TIERS: Readonly<Record<TierName, TierSpec>> = {
  mvp: {
    name: "mvp",
    users: "10K users",
    network: { azCount: 3, natGateways: 1, vpcCidr: "10.0.0.0/16" },
    compute: {
      // 2 vCPU / 4 GiB is 1:2 → compute optimised.
      api: { nodes: 3, vcpu: 2, memoryGiB: 4, instanceClass: "c7g.large" },
      workers: { nodes: 5, vcpu: 4, memoryGiB: 8, instanceClass: "c7g.xlarge" },
    },
    workloads: {
      api: {
        minReplicas: 3,
        maxReplicas: 9,
        pod: { cpuRequestMillicores: 500, memoryRequestMiB: 512, cpuLimitMillicores: 1000, memoryLimitMiB: 768 },
        dbPoolSize: 10,
      },
      worker: {
        minReplicas: 2,
        maxReplicas: 10,
        pod: { cpuRequestMillicores: 1000, memoryRequestMiB: 1536, cpuLimitMillicores: 2000, memoryLimitMiB: 2048 },
        concurrency: 4,
        jobsPerWorker: 10,
      },
      pgbouncer: {
        replicas: 2,
        pod: { cpuRequestMillicores: 250, memoryRequestMiB: 128, cpuLimitMillicores: 500, memoryLimitMiB: 256 },
      },
      apiPodRps: 250,
      targetRps: 500,
      cdnHitRatio: 0.8,
    },
    database: {
      primary: { vcpu: 4, memoryGiB: 16, instanceClass: "db.m7g.xlarge", storageGb: 500 },
      replicas: { count: 1, vcpu: 4, memoryGiB: 16, instanceClass: "db.m7g.xlarge" },
      multiAz: false,
      backupRetentionDays: 7,
      deletionProtection: true,
      finalSnapshot: true,
    },
    // 2 nodes: one shard, one replica.
    cache: {
      nodes: 2,
      shards: 1,
      replicasPerShard: 1,
      vcpu: 2,
      memoryGiB: 8,
      instanceClass: "cache.m7g.large",
      finalSnapshot: false,
    },
    search: null,
    budget: { monthlyCeilingUsd: 3_000, projectionUsd: { low: 2_000, high: 3_000 } },
    usage: {
      cdnEgressGb: 2_000,
      cdnRequestsMillions: 30,
      natProcessedGb: 300,
      albProcessedGb: 300,
      flowLogGb: 15,
      controlPlaneLogGb: 8,
      databaseLogGb: 5,
      searchLogGb: 0,
      logIngestGb: 2,
      s3StoredGb: 1_000,
      ecrStoredGb: 10,
      dbBackupGb: 600,
      metricsSamplesMillions: 279,
      metricsStoredGb: 3,
      metricsQuerySamplesBillions: 9,
    },
  },
  v1: {
    name: "v1",
    users: "100K users",
    network: { azCount: 3, natGateways: 3, vpcCidr: "10.0.0.0/16" },
    compute: {
      api: { nodes: 5, vcpu: 4, memoryGiB: 8, instanceClass: "c7g.xlarge" },
      workers: { nodes: 10, vcpu: 4, memoryGiB: 16, instanceClass: "m7g.xlarge" },
    },
    workloads: {
      api: {
        minReplicas: 5,
        maxReplicas: 15,
        pod: { cpuRequestMillicores: 500, memoryRequestMiB: 512, cpuLimitMillicores: 1000, memoryLimitMiB: 768 },
        dbPoolSize: 10,
      },
      worker: {
        minReplicas: 2,
        maxReplicas: 20,
        pod: { cpuRequestMillicores: 1000, memoryRequestMiB: 1536, cpuLimitMillicores: 2000, memoryLimitMiB: 2048 },
        concurrency: 4,
        jobsPerWorker: 10,
      },
      pgbouncer: {
        replicas: 2,
        pod: { cpuRequestMillicores: 250, memoryRequestMiB: 128, cpuLimitMillicores: 500, memoryLimitMiB: 256 },
      },
      apiPodRps: 250,
      targetRps: 2000,
      cdnHitRatio: 0.8,
    },
    database: {
      primary: { vcpu: 8, memoryGiB: 32, instanceClass: "db.m7g.2xlarge", storageGb: 1_000 },
      replicas: { count: 2, vcpu: 4, memoryGiB: 16, instanceClass: "db.m7g.xlarge" },
      multiAz: true,
      backupRetentionDays: 14,
      deletionProtection: true,
      finalSnapshot: true,
    },
    // 3 nodes: one shard, two replicas (each zone holds a copy).
    cache: {
      nodes: 3,
      shards: 1,
      replicasPerShard: 2,
      vcpu: 4,
      memoryGiB: 16,
      instanceClass: "cache.m7g.xlarge",
      finalSnapshot: true,
    },
    search: {
      dataNodes: 3,
      vcpu: 4,
      memoryGiB: 16,
      instanceClass: "m7g.xlarge.search",
      masterNodes: 3,
      masterInstanceClass: "m7g.large.search",
      // Three data nodes coordinate themselves; dedicated coordinators pay off on v2's larger cluster.
      coordinatorNodes: 0,
      coordinatorInstanceClass: "m7g.large.search",
      // Half of v2's 500 GB: a tenth of the users; gp3 volumes grow online.
      volumeGb: 250,
    },
    budget: { monthlyCeilingUsd: 15_000, projectionUsd: { low: 10_000, high: 15_000 } },
    usage: {
      cdnEgressGb: 20_000,
      cdnRequestsMillions: 300,
      natProcessedGb: 2_000,
      albProcessedGb: 3_000,
      flowLogGb: 100,
      controlPlaneLogGb: 40,
      databaseLogGb: 30,
      searchLogGb: 25,
      logIngestGb: 5,
      s3StoredGb: 10_000,
      ecrStoredGb: 20,
      dbBackupGb: 3_000,
      metricsSamplesMillions: 445,
      metricsStoredGb: 4,
      metricsQuerySamplesBillions: 16,
    },
  },
  v2: {
    name: "v2",
    users: "1M users",
    network: { azCount: 3, natGateways: 3, vpcCidr: "10.0.0.0/16" },
    compute: {
      api: { nodes: 10, vcpu: 4, memoryGiB: 8, instanceClass: "c7g.xlarge" },
      workers: { nodes: 20, vcpu: 8, memoryGiB: 32, instanceClass: "m7g.2xlarge" },
    },
    workloads: {
      api: {
        minReplicas: 10,
        maxReplicas: 30,
        pod: { cpuRequestMillicores: 500, memoryRequestMiB: 512, cpuLimitMillicores: 1000, memoryLimitMiB: 768 },
        dbPoolSize: 10,
      },
      // Three at v2: one worker per zone, and the policy pack's v2 floor of three replicas for every workload.
      worker: {
        minReplicas: 3,
        maxReplicas: 40,
        pod: { cpuRequestMillicores: 1000, memoryRequestMiB: 1536, cpuLimitMillicores: 2000, memoryLimitMiB: 2048 },
        concurrency: 4,
        jobsPerWorker: 10,
      },
      pgbouncer: {
        replicas: 3,
        pod: { cpuRequestMillicores: 250, memoryRequestMiB: 128, cpuLimitMillicores: 500, memoryLimitMiB: 256 },
      },
      apiPodRps: 250,
      targetRps: 10000,
      cdnHitRatio: 0.8,
    },
    database: {
      primary: { vcpu: 16, memoryGiB: 64, instanceClass: "db.m7g.4xlarge", storageGb: 2_000 },
      replicas: { count: 3, vcpu: 8, memoryGiB: 32, instanceClass: "db.m7g.2xlarge" },
      multiAz: true,
      backupRetentionDays: 30,
      deletionProtection: true,
      finalSnapshot: true,
    },
    // 6 nodes: three shards, one replica each, so writes spread over three primaries.
    cache: {
      nodes: 6,
      shards: 3,
      replicasPerShard: 1,
      vcpu: 4,
      memoryGiB: 32,
      instanceClass: "cache.r7g.xlarge",
      finalSnapshot: true,
    },
    search: {
      // Two per zone, not seed 000 §8.1's 5 (see SearchTier.dataNodes).
      dataNodes: 6,
      vcpu: 8,
      memoryGiB: 32,
      instanceClass: "m7g.2xlarge.search",
      masterNodes: 3,
      masterInstanceClass: "m7g.large.search",
      // One per zone, not seed 000 §6.1's 2 (see SearchTier.coordinatorNodes).
      coordinatorNodes: 3,
      coordinatorInstanceClass: "m7g.large.search",
      volumeGb: 500,
    },
    budget: { monthlyCeilingUsd: 100_000, projectionUsd: { low: 50_000, high: 100_000 } },
    usage: {
      cdnEgressGb: 200_000,
      cdnRequestsMillions: 3_000,
      natProcessedGb: 15_000,
      albProcessedGb: 30_000,
      flowLogGb: 800,
      controlPlaneLogGb: 250,
      databaseLogGb: 250,
      searchLogGb: 180,
      logIngestGb: 20,
      s3StoredGb: 100_000,
      ecrStoredGb: 50,
      dbBackupGb: 20_000,
      metricsSamplesMillions: 873,
      metricsStoredGb: 9,
      metricsQuerySamplesBillions: 32,
    },
  },
};

export function isTierName(value: unknown): value is TierName {
  return typeof value === "string" && (TIER_NAMES as readonly string[]).includes(value);
}

/**
 * Data services: RDS (primary, Multi-AZ standby, replicas, gp3 storage and performance above the baseline,
 * backups beyond the free allowance), ElastiCache, OpenSearch, and the keys and secrets around them.
 */
import type { CostResource } from "../types";
import { cacheTransferDrafts, databaseTransferDrafts, searchTransferDrafts } from "./transfer";
import { HOURS_PER_MONTH, type Draft, type PricingContext, type Rule, arr, bool, gb, num, obj, str } from "./common";

export const RDS_INSTANCE = "aws:rds/instance:Instance";

/** RDS gp3 for PostgreSQL/MySQL/MariaDB: the baseline jumps at 400 GiB (AWS RDS User Guide, "gp3 storage"). */
export function rdsGp3Baseline(allocatedGb: number): { iops: number; throughputMiBps: number } {
  return allocatedGb >= 400 ? { iops: 12_000, throughputMiBps: 500 } : { iops: 3_000, throughputMiBps: 125 };
}

function isReplica(resource: CostResource): boolean {
  return str(resource.inputs.replicateSourceDb) !== undefined;
}

/** The primary a replica copies: by identifier, ARN suffix or logical name; else the only primary declared. */
export function findReplicaSource(replica: CostResource, resources: readonly CostResource[]): CostResource | undefined {
  const source = str(replica.inputs.replicateSourceDb);
  const primaries = resources.filter((r) => r.type === RDS_INSTANCE && !isReplica(r));
  const match = primaries.find((p) => {
    const identifier = str(p.inputs.identifier);
    return (
      source === p.name ||
      (identifier !== undefined && (source === identifier || source?.endsWith(`:${identifier}`) === true))
    );
  });
  return match ?? (primaries.length === 1 ? primaries[0] : undefined);
}

/** Provisioned storage of an instance; a replica without its own `allocatedStorage` has its source's. */
function allocatedStorage(resource: CostResource, resources: readonly CostResource[]): number | undefined {
  const own = num(resource.inputs.allocatedStorage);
  if (own !== undefined || !isReplica(resource)) return own;
  const source = findReplicaSource(resource, resources);
  return source !== undefined ? num(source.inputs.allocatedStorage) : undefined;
}

const rdsInstance: Rule = (db, ctx) => {
  const source = isReplica(db) ? findReplicaSource(db, ctx.resources) : undefined;
  const pick = (key: string) => db.inputs[key] ?? source?.inputs[key];
  const engine = str(pick("engine")) ?? "postgres";
  const engineSku = engine === "postgres" ? "rds-postgres" : `rds-${engine}`;
  const instanceClass = str(db.inputs.instanceClass);
  const multiAz = bool(db.inputs.multiAz) ?? false;
  const copies = multiAz ? 2 : 1;
  const role = isReplica(db) ? "Read replica" : "Primary";
  const az = multiAz ? " (Multi-AZ: primary + standby)" : "";
  const drafts: Draft[] = [];

  if (instanceClass === undefined) {
    drafts.push({
      sku: `${engineSku}/unknown`,
      item: "instance-hours",
      description: `${role} instance hours`,
      unpriced: "instanceClass missing",
    });
  } else {
    drafts.push({
      sku: `${engineSku}/${instanceClass}`,
      item: "instance-hours",
      attributes: { engine, instanceClass, multiAz },
      description: `${role} instance hours${az}`,
      quantity: HOURS_PER_MONTH * copies,
    });
  }

  const storage = allocatedStorage(db, ctx.resources);
  const storageType = str(pick("storageType")) ?? (num(pick("iops")) !== undefined ? "io1" : "gp2");
  if (storage === undefined) {
    drafts.push({
      sku: `rds/${storageType}-storage`,
      item: "storage",
      description: "Storage",
      unpriced: "allocatedStorage missing (and no replica source to inherit it from)",
    });
  } else {
    drafts.push({
      sku: `rds/${storageType}-storage`,
      item: "storage",
      attributes: { storageType, allocatedGb: storage, multiAz },
      description: `Storage (${gb(storage)} ${storageType})${az}`,
      quantity: storage * copies,
    });
    if (storageType === "gp3") {
      const baseline = rdsGp3Baseline(storage);
      const iops = num(pick("iops")) ?? baseline.iops;
      const throughput = num(pick("storageThroughput")) ?? baseline.throughputMiBps;
      if (iops > baseline.iops) {
        drafts.push({
          sku: "rds/gp3-iops",
          attributes: { iops, baselineIops: baseline.iops, multiAz },
          description: `IOPS above the ${baseline.iops.toLocaleString("en-US")} baseline${az}`,
          quantity: (iops - baseline.iops) * copies,
        });
      }
      if (throughput > baseline.throughputMiBps) {
        drafts.push({
          sku: "rds/gp3-throughput",
          attributes: { throughputMiBps: throughput, baselineMiBps: baseline.throughputMiBps, multiAz },
          description: `Throughput above the ${baseline.throughputMiBps} MiB/s baseline${az}`,
          quantity: (throughput - baseline.throughputMiBps) * copies,
        });
      }
    } else if (storageType === "io1" || storageType === "io2") {
      drafts.push({
        sku: `rds/${storageType}-iops`,
        description: "Provisioned IOPS",
        unpriced: `${storageType} IOPS are not in the catalog`,
      });
    }
  }

  if (bool(db.inputs.manageMasterUserPassword) === true) {
    drafts.push({ sku: "secretsmanager/secret", description: "Master password secret (managed by RDS)", quantity: 1 });
  }
  drafts.push(...performanceInsightsDrafts(db), ...backupDrafts(db, ctx), ...databaseTransferDrafts(db, ctx));
  return drafts;
};

/**
 * Performance Insights became CloudWatch Database Insights: AWS ended the Performance Insights console on
 * 2026-07-31 and bills its data as Database Insights (Amazon RDS User Guide, USER_PerfInsights.Enabling). Standard
 * mode keeps 7 days free, and keeps the paid 1-24-month retention at Performance Insights' per-vCPU-month rates;
 * Advanced mode needs 465 days' retention and is billed per vCPU-hour (Amazon CloudWatch pricing). The free
 * standard 7 days is a priced $0 line (its source in the catalog); paid retention and Advanced mode stay explicit
 * unpriced lines: no us-east-1 rate for either could be confirmed (only Tokyo's $1.7561 / $0.0739 per vCPU-month
 * was found), and none is invented.
 */
function performanceInsightsDrafts(db: CostResource): Draft[] {
  if (bool(db.inputs.performanceInsightsEnabled) !== true) return [];
  const retention = num(db.inputs.performanceInsightsRetentionPeriod) ?? 7;
  const mode = str(db.inputs.databaseInsightsMode) ?? "standard";
  const base = {
    item: "database-insights",
    attributes: { retentionDays: retention, databaseInsightsMode: mode },
  };
  if (mode === "advanced")
    return [
      {
        ...base,
        sku: "rds/database-insights-advanced",
        description: `Database Insights, Advanced mode (${retention} days kept)`,
        unpriced:
          "Database Insights Advanced mode is billed per vCPU-hour (Amazon CloudWatch pricing): no confirmed us-east-1 rate in the catalog",
      },
    ];
  if (retention > 7)
    return [
      {
        ...base,
        sku: "rds/database-insights-retention",
        description: `Database Insights, Standard mode, retention beyond the free 7 days (${retention} days)`,
        unpriced:
          "paid retention (Performance Insights' per-vCPU-month rates, kept by Database Insights Standard mode) has no confirmed us-east-1 rate in the catalog",
      },
    ];
  return [
    {
      ...base,
      sku: "rds/database-insights-standard",
      description: "Database Insights, Standard mode (7 days kept, free)",
      quantity: 1,
    },
  ];
}

/** Backup storage beyond the free allowance (100% of the region's provisioned RDS storage), on the first primary. */
function backupDrafts(db: CostResource, ctx: PricingContext): Draft[] {
  if (!ctx.carriesPool(db, (r) => r.type === RDS_INSTANCE && !isReplica(r))) return [];
  const allowance = ctx.resources
    .filter((r) => r.type === RDS_INSTANCE)
    .reduce((sum, r) => sum + (allocatedStorage(r, ctx.resources) ?? 0), 0);
  const billable = Math.max(0, ctx.usage.dbBackupGb - allowance);
  return [
    {
      sku: "rds/backup-storage",
      attributes: { freeAllowanceGb: allowance },
      usage: ["dbBackupGb"],
      description: `Backup storage beyond the free ${gb(allowance)} (usage dbBackupGb ${gb(ctx.usage.dbBackupGb)})`,
      quantity: billable,
    },
  ];
}

function cacheSku(engine: string | undefined, nodeType: string): string {
  const e = engine ?? "redis";
  return `elasticache-${e}/${nodeType}`;
}

const replicationGroup: Rule = (resource, ctx) => {
  const nodeType = str(resource.inputs.nodeType);
  const engine = str(resource.inputs.engine);
  const shards = num(resource.inputs.numNodeGroups);
  const replicas = num(resource.inputs.replicasPerNodeGroup);
  const configs = arr(resource.inputs.nodeGroupConfigurations);
  let nodes: number;
  let shape: string;
  if (shards !== undefined || replicas !== undefined) {
    nodes = (shards ?? 1) * (1 + (replicas ?? 0));
    shape = `${shards ?? 1} shards x ${1 + (replicas ?? 0)} nodes`;
  } else if (configs.length > 0) {
    nodes = configs.reduce<number>((sum, c) => sum + 1 + (num(obj(c).replicaCount) ?? 0), 0);
    shape = `${configs.length} shards`;
  } else {
    nodes = num(resource.inputs.numCacheClusters) ?? 1;
    shape = `${nodes} cache clusters`;
  }
  if (nodeType === undefined)
    return [
      {
        sku: cacheSku(engine, "unknown"),
        item: "node-hours",
        description: "Cache node hours",
        unpriced: "nodeType missing",
      },
    ];
  return [
    {
      sku: cacheSku(engine, nodeType),
      item: "node-hours",
      attributes: { engine: engine ?? "redis", nodeType, shape, nodes },
      description: `Cache node hours (${shape} = ${nodes} nodes)`,
      quantity: HOURS_PER_MONTH * nodes,
    },
    ...cacheTransferDrafts(resource, ctx),
  ];
};

const cacheCluster: Rule = (resource) => {
  const nodeType = str(resource.inputs.nodeType);
  const nodes = num(resource.inputs.numCacheNodes) ?? 1;
  const engine = str(resource.inputs.engine);
  if (nodeType === undefined)
    return [
      {
        sku: cacheSku(engine, "unknown"),
        item: "node-hours",
        description: "Cache node hours",
        unpriced: "nodeType missing",
      },
    ];
  return [
    {
      sku: cacheSku(engine, nodeType),
      item: "node-hours",
      attributes: { engine: engine ?? "redis", nodeType, nodes },
      description: `Cache node hours (${nodes} nodes)`,
      quantity: HOURS_PER_MONTH * nodes,
    },
  ];
};

const domain: Rule = (resource, ctx) => {
  const cluster = obj(resource.inputs.clusterConfig);
  const ebs = obj(resource.inputs.ebsOptions);
  const dataType = str(cluster.instanceType);
  const dataCount = num(cluster.instanceCount) ?? 1;
  const drafts: Draft[] = [];
  if (dataType === undefined) {
    drafts.push({
      sku: "opensearch/unknown",
      item: "data-node-hours",
      description: "Data node hours",
      unpriced: "clusterConfig.instanceType missing",
    });
  } else {
    drafts.push({
      sku: `opensearch/${dataType}`,
      item: "data-node-hours",
      attributes: { instanceType: dataType, instanceCount: dataCount },
      description: `Data node hours (${dataCount} nodes)`,
      quantity: HOURS_PER_MONTH * dataCount,
    });
  }
  if (bool(cluster.dedicatedMasterEnabled) === true) {
    const masterType = str(cluster.dedicatedMasterType);
    const masterCount = num(cluster.dedicatedMasterCount) ?? 3;
    drafts.push(
      masterType === undefined
        ? {
            sku: "opensearch/unknown",
            item: "master-hours",
            description: "Dedicated master hours",
            unpriced: "clusterConfig.dedicatedMasterType missing",
          }
        : {
            sku: `opensearch/${masterType}`,
            item: "master-hours",
            attributes: { dedicatedMasterType: masterType, dedicatedMasterCount: masterCount },
            description: `Dedicated master hours (${masterCount} nodes)`,
            quantity: HOURS_PER_MONTH * masterCount,
          },
    );
  }
  // Dedicated coordinators (clusterConfig.nodeOptions, nodeType "coordinator").
  for (const option of Array.isArray(cluster.nodeOptions) ? cluster.nodeOptions : []) {
    const o = obj(option);
    const config = obj(o.nodeConfig);
    if (str(o.nodeType) !== "coordinator" || bool(config.enabled) !== true) continue;
    const type = str(config.type);
    const count = num(config.count) ?? 1;
    drafts.push(
      type === undefined
        ? { sku: "opensearch/unknown", description: "Coordinator hours", unpriced: "nodeConfig.type missing" }
        : {
            sku: `opensearch/${type}`,
            description: `Coordinator hours (${count} nodes)`,
            quantity: HOURS_PER_MONTH * count,
          },
    );
  }
  if (bool(cluster.warmEnabled) === true) {
    const warmType = str(cluster.warmType) ?? "unknown";
    const warmCount = num(cluster.warmCount) ?? 1;
    drafts.push({
      sku: `opensearch/${warmType}`,
      item: "warm-hours",
      attributes: { warmType, warmCount },
      description: `UltraWarm node hours (${warmCount} nodes)`,
      quantity: HOURS_PER_MONTH * warmCount,
    });
  }
  if (bool(ebs.ebsEnabled) === true) {
    const size = num(ebs.volumeSize);
    const volumeType = str(ebs.volumeType) ?? "gp2";
    if (size === undefined) {
      drafts.push({
        sku: `opensearch/${volumeType}-storage`,
        item: "ebs-storage",
        description: "EBS storage",
        unpriced: "ebsOptions.volumeSize missing",
      });
    } else {
      drafts.push({
        sku: `opensearch/${volumeType}-storage`,
        item: "ebs-storage",
        attributes: { volumeType, volumeGb: size, dataNodes: dataCount },
        description: `EBS storage (${gb(size)} ${volumeType} x ${dataCount} data nodes)`,
        quantity: size * dataCount,
      });
      const iops = num(ebs.iops) ?? 3_000;
      const throughput = num(ebs.throughput) ?? 125;
      if (volumeType === "gp3" && iops > 3_000) {
        drafts.push({
          sku: "opensearch/gp3-iops",
          description: "IOPS above 3,000 per volume",
          quantity: (iops - 3_000) * dataCount,
        });
      }
      if (volumeType === "gp3" && throughput > 125) {
        drafts.push({
          sku: "opensearch/gp3-throughput",
          description: "Throughput above 125 MiB/s per volume",
          quantity: (throughput - 125) * dataCount,
        });
      }
    }
  }
  drafts.push(...searchTransferDrafts(resource, ctx));
  return drafts;
};

export const DATA_RULES: Record<string, Rule> = {
  [RDS_INSTANCE]: rdsInstance,
  "aws:elasticache/replicationGroup:ReplicationGroup": replicationGroup,
  "aws:elasticache/cluster:Cluster": cacheCluster,
  "aws:opensearch/domain:Domain": domain,
  "aws:kms/key:Key": () => [{ sku: "kms/key", description: "Customer-managed key", quantity: 1 }],
  "aws:secretsmanager/secret:Secret": () => [{ sku: "secretsmanager/secret", description: "Secret", quantity: 1 }],
};

/**
 * Data tier: RDS PostgreSQL (primary and read replicas), ElastiCache Redis (cache and BullMQ queue) and
 * OpenSearch. Sources: Checkov CKV_AWS_* ids, AWSGuard rule names.
 */
import type { PolicyResource } from "@pulumi/policy";
import { asArray, ofType, refersTo, resourceRule, stackRule, type Props, type Rule } from "./kit";

export const RDS_INSTANCE = ["aws:rds/instance:Instance"] as const;
export const REPLICATION_GROUP = ["aws:elasticache/replicationGroup:ReplicationGroup"] as const;
export const CACHE_PARAMETER_GROUP = ["aws:elasticache/parameterGroup:ParameterGroup"] as const;
export const SEARCH_DOMAIN = ["aws:opensearch/domain:Domain", "aws:elasticsearch/domain:Domain"] as const;

/** A read replica names its source; the primary does not. */
export function isReplica(props: Props): boolean {
  return typeof props.replicateSourceDb === "string" && props.replicateSourceDb !== "";
}

// ---- RDS ------------------------------------------------------------------------------------------------------

export const rdsStorageEncrypted = resourceRule({
  name: "rds-storage-encrypted",
  description: "RDS instances, primary and replicas, encrypt their storage.",
  level: "M",
  sources: ["CKV_AWS_16", "AWSGuard rds-storage-encrypted"],
  types: RDS_INSTANCE,
  check: (props, _ctx, report) => {
    // A replica inherits its source's encryption in-region, but only says so through `storageEncrypted` or the
    // key it is encrypted with; one that states neither is one review away from an unencrypted copy.
    const replicaKeyed = isReplica(props) && typeof props.kmsKeyId === "string" && props.kmsKeyId !== "";
    if (props.storageEncrypted !== true && !replicaKeyed) {
      report("storage is not encrypted (set `storageEncrypted: true`)");
    }
  },
});

export const rdsNotPublic = resourceRule({
  name: "rds-not-publicly-accessible",
  description: "RDS instances are not publicly accessible.",
  level: "M",
  sources: ["CKV_AWS_17", "AWSGuard rds-instance-public-access"],
  types: RDS_INSTANCE,
  check: (props, _ctx, report) => {
    if (props.publiclyAccessible === true) report("`publiclyAccessible` is true");
  },
});

export const rdsMultiAz = resourceRule({
  name: "rds-primary-multi-az",
  description: "The RDS primary runs Multi-AZ with a standby in a second zone.",
  level: "T",
  sources: ["CKV_AWS_157", "AWSGuard rds-instance-multi-az-enabled"],
  types: RDS_INSTANCE,
  check: (props, _ctx, report) => {
    if (!isReplica(props) && props.multiAz !== true) report("the primary is not Multi-AZ (`multiAz` is not true)");
  },
});

export const rdsBackupRetention = resourceRule({
  name: "rds-backup-retention",
  description: "The RDS primary keeps automated backups for at least the tier's days (stacks/tiers.ts).",
  level: "T",
  tierOnly: true,
  sources: ["CKV_AWS_133", "AWSGuard rds-instance-backup-enabled"],
  types: RDS_INSTANCE,
  check: (props, ctx, report) => {
    if (isReplica(props)) return;
    const required = ctx.sizing.database.backupRetentionDays;
    const days = typeof props.backupRetentionPeriod === "number" ? props.backupRetentionPeriod : 0;
    if (days < required) {
      report(`\`backupRetentionPeriod\` is ${days} days; tier ${ctx.tier} requires at least ${required}`);
    }
  },
});

export const rdsDeletionProtection = resourceRule({
  name: "rds-deletion-protection",
  description: "The RDS primary has deletion protection (replicas are disposable copies and may be removed).",
  level: "T",
  sources: ["CKV_AWS_293"],
  types: RDS_INSTANCE,
  check: (props, _ctx, report) => {
    if (!isReplica(props) && props.deletionProtection !== true) report("`deletionProtection` is not true");
  },
});

export const rdsFinalSnapshot = resourceRule({
  name: "rds-final-snapshot",
  description: "Deleting the RDS primary keeps a final snapshot.",
  level: "T",
  sources: ["AWS RDS best practice (final DB snapshot on delete)"],
  types: RDS_INSTANCE,
  check: (props, _ctx, report) => {
    if (isReplica(props)) return;
    if (props.skipFinalSnapshot === true) report("`skipFinalSnapshot` is true");
    else if (typeof props.finalSnapshotIdentifier !== "string" || props.finalSnapshotIdentifier === "") {
      report("no `finalSnapshotIdentifier`, so the final snapshot cannot be taken");
    }
  },
});

export const rdsMonitoring = resourceRule({
  name: "rds-monitoring",
  description: "RDS instances enable Performance Insights and enhanced monitoring.",
  level: "A",
  sources: ["CKV_AWS_118 (enhanced monitoring)", "CKV_AWS_353 (Performance Insights)"],
  types: RDS_INSTANCE,
  check: (props, _ctx, report) => {
    if (props.performanceInsightsEnabled !== true) report("Performance Insights is off");
    if (typeof props.monitoringInterval !== "number" || props.monitoringInterval <= 0) {
      report("enhanced monitoring is off (`monitoringInterval` is not above 0)");
    }
  },
});

export const rdsReplicaInAnotherZone = stackRule({
  name: "rds-replica-in-another-zone",
  description: "Every RDS primary has at least one read replica, in another availability zone than the primary.",
  level: "T",
  sources: ["seed 000 §3.1 (read replicas)", "AWS RDS reliability pillar"],
  check: (resources, _ctx, report) => {
    const instances = ofType(resources, RDS_INSTANCE);
    for (const primary of instances.filter((r) => !isReplica(r.props))) {
      const replicas = instances.filter((r) => isReplica(r.props) && refersTo(r.props.replicateSourceDb, primary));
      if (replicas.length === 0) {
        report("has no read replica", primary);
        continue;
      }
      const primaryZone: unknown = primary.props.availabilityZone;
      const elsewhere = replicas.filter(
        (r) => typeof r.props.availabilityZone === "string" && r.props.availabilityZone !== primaryZone,
      );
      if (elsewhere.length === 0) {
        const zones = replicas.map((r) => `${r.name}: ${String(r.props.availabilityZone ?? "unset")}`).join(", ");
        report(
          `no read replica is pinned to a zone other than the primary's (${typeof primaryZone === "string" ? primaryZone : "unset"}); replicas: ${zones}`,
          primary,
        );
      }
    }
  },
});

// ---- ElastiCache ----------------------------------------------------------------------------------------------

export const cacheAtRestEncryption = resourceRule({
  name: "elasticache-at-rest-encryption",
  description: "ElastiCache replication groups encrypt data at rest.",
  level: "M",
  sources: ["CKV_AWS_29"],
  types: REPLICATION_GROUP,
  check: (props, _ctx, report) => {
    if (props.atRestEncryptionEnabled !== true) report("`atRestEncryptionEnabled` is not true");
  },
});

export const cacheTransitEncryptionAuth = resourceRule({
  name: "elasticache-transit-encryption-auth",
  description: "ElastiCache replication groups require TLS in transit and authenticate clients (AUTH token or RBAC).",
  level: "M",
  sources: ["CKV_AWS_30", "CKV_AWS_31"],
  types: REPLICATION_GROUP,
  check: (props, _ctx, report) => {
    if (props.transitEncryptionEnabled !== true) report("`transitEncryptionEnabled` is not true");
    else if (props.transitEncryptionMode !== undefined && props.transitEncryptionMode !== "required") {
      report(`\`transitEncryptionMode\` is "${String(props.transitEncryptionMode)}", not "required"`);
    }
    const hasAuth =
      (typeof props.authToken === "string" && props.authToken !== "") ||
      (typeof props.authTokenWo === "string" && props.authTokenWo !== "") ||
      asArray(props.userGroupIds).length > 0;
    if (!hasAuth) report("clients are not authenticated: no `authToken` and no `userGroupIds`");
  },
});

export const cacheFailover = resourceRule({
  name: "elasticache-failover",
  description: "ElastiCache replication groups fail over automatically, Multi-AZ, with at least one replica per shard.",
  level: "T",
  sources: ["CKV2_AWS_50", "AWS ElastiCache reliability best practice (Multi-AZ with automatic failover)"],
  types: REPLICATION_GROUP,
  check: (props, _ctx, report) => {
    if (props.automaticFailoverEnabled !== true) report("`automaticFailoverEnabled` is not true");
    if (props.multiAzEnabled !== true) report("`multiAzEnabled` is not true");
    const replicas =
      typeof props.replicasPerNodeGroup === "number"
        ? props.replicasPerNodeGroup
        : typeof props.numCacheClusters === "number"
          ? props.numCacheClusters - 1
          : 0;
    if (replicas < 1) report(`shards have ${replicas} replicas; at least 1 is required`);
  },
});

export const cacheSnapshotRetention = resourceRule({
  name: "elasticache-snapshot-retention",
  description: "ElastiCache replication groups keep automatic snapshots for at least one day.",
  level: "T",
  // Checkov applies CKV_AWS_134 to aws_elasticache_cluster only; no check reads a replication group's limit.
  sources: ["CKV_AWS_134 (analog: replication groups)"],
  types: REPLICATION_GROUP,
  check: (props, _ctx, report) => {
    const days = typeof props.snapshotRetentionLimit === "number" ? props.snapshotRetentionLimit : 0;
    if (days < 1) report(`\`snapshotRetentionLimit\` is ${days}; at least 1 day is required`);
  },
});

/** Tag a replication group `role: cache` to say the job queue does not live there. */
function holdsQueue(group: PolicyResource): boolean {
  const role: unknown = group.props.tags?.role;
  return role !== "cache";
}

export const cacheQueueNoEviction = stackRule({
  name: "elasticache-queue-noeviction",
  description:
    "Redis that holds the BullMQ job queue uses `maxmemory-policy noeviction`, so jobs are never evicted under memory pressure.",
  level: "M",
  sources: ["BullMQ production guide (maxmemory-policy noeviction)", "seed 004 (Redis eviction)"],
  check: (resources, _ctx, report) => {
    const parameterGroups = ofType(resources, CACHE_PARAMETER_GROUP);
    for (const group of ofType(resources, REPLICATION_GROUP).filter(holdsQueue)) {
      const groupName: unknown = group.props.parameterGroupName;
      const parameters = parameterGroups.find((pg) => refersTo(groupName, pg));
      if (parameters === undefined) {
        report(
          `uses parameter group ${JSON.stringify(groupName ?? "(default)")}, not one of this stack's; the default evicts keys ` +
            "(tag the group `role: cache` if the job queue does not live here)",
          group,
        );
        continue;
      }
      const policy = asArray(parameters.props.parameters).find((p) => p?.name === "maxmemory-policy");
      if (policy?.value !== "noeviction") {
        report(
          `parameter group "${parameters.name}" sets maxmemory-policy ${JSON.stringify(policy?.value ?? "(unset)")}, not "noeviction"`,
          group,
        );
      }
    }
  },
});

// ---- OpenSearch -----------------------------------------------------------------------------------------------

const TLS12_POLICIES = ["Policy-Min-TLS-1-2-2019-07", "Policy-Min-TLS-1-2-PFS-2023-10"];

export const searchEncryption = resourceRule({
  name: "opensearch-encryption",
  description: "OpenSearch domains encrypt data at rest and between nodes.",
  level: "M",
  sources: ["CKV_AWS_5", "CKV_AWS_6", "AWSGuard elasticsearch-encrypted-at-rest"],
  types: SEARCH_DOMAIN,
  check: (props, _ctx, report) => {
    if (props.encryptAtRest?.enabled !== true) report("encryption at rest is off (`encryptAtRest.enabled`)");
    if (props.nodeToNodeEncryption?.enabled !== true) {
      report("node-to-node encryption is off (`nodeToNodeEncryption.enabled`)");
    }
  },
});

export const searchHttpsTls12 = resourceRule({
  name: "opensearch-https-tls12",
  description: "OpenSearch domains enforce HTTPS with a TLS 1.2+ security policy.",
  level: "M",
  sources: ["CKV_AWS_83", "CKV_AWS_228"],
  types: SEARCH_DOMAIN,
  check: (props, _ctx, report) => {
    const endpoint = props.domainEndpointOptions ?? {};
    if (endpoint.enforceHttps !== true) report("HTTPS is not enforced (`domainEndpointOptions.enforceHttps`)");
    if (!TLS12_POLICIES.includes(endpoint.tlsSecurityPolicy)) {
      report(
        `TLS policy is ${JSON.stringify(endpoint.tlsSecurityPolicy ?? "(default, TLS 1.0)")}; use one of ${TLS12_POLICIES.join(", ")}`,
      );
    }
  },
});

export const searchVpcOnly = resourceRule({
  name: "opensearch-vpc-only",
  description: "OpenSearch domains live in the VPC, with no public endpoint.",
  level: "M",
  sources: ["CKV_AWS_137", "AWSGuard elasticsearch-in-vpc-only"],
  types: SEARCH_DOMAIN,
  check: (props, _ctx, report) => {
    if (asArray(props.vpcOptions?.subnetIds).length === 0) report("has a public endpoint (no `vpcOptions.subnetIds`)");
  },
});

export const searchFineGrainedAccess = resourceRule({
  name: "opensearch-fine-grained-access",
  description: "OpenSearch domains use fine-grained access control without anonymous access.",
  level: "T",
  sources: ["CKV2_AWS_52", "AWS OpenSearch security best practice (fine-grained access control)"],
  types: SEARCH_DOMAIN,
  check: (props, _ctx, report) => {
    const security = props.advancedSecurityOptions ?? {};
    if (security.enabled !== true) report("fine-grained access control is off (`advancedSecurityOptions.enabled`)");
    if (security.anonymousAuthEnabled === true)
      report("anonymous access is on (`advancedSecurityOptions.anonymousAuthEnabled`)");
  },
});

export const searchClusterResilience = resourceRule({
  name: "opensearch-cluster-resilience",
  description: "OpenSearch domains run three dedicated masters, zone awareness and at least three data nodes.",
  level: "T",
  sources: [
    "CKV_AWS_318",
    "CKV2_AWS_59",
    "seed 000 §6.1 (3 cluster managers)",
    "AWS OpenSearch best practices (dedicated masters, Multi-AZ)",
  ],
  types: SEARCH_DOMAIN,
  check: (props, _ctx, report) => {
    const cluster = props.clusterConfig ?? {};
    if (cluster.dedicatedMasterEnabled !== true)
      report("dedicated masters are off (`clusterConfig.dedicatedMasterEnabled`)");
    else if (cluster.dedicatedMasterCount !== 3) {
      report(
        `\`clusterConfig.dedicatedMasterCount\` is ${String(cluster.dedicatedMasterCount ?? "unset")}; three keep a quorum through one loss`,
      );
    }
    if (cluster.zoneAwarenessEnabled !== true) report("zone awareness is off (`clusterConfig.zoneAwarenessEnabled`)");
    const dataNodes = typeof cluster.instanceCount === "number" ? cluster.instanceCount : 1;
    if (dataNodes < 3) report(`\`clusterConfig.instanceCount\` is ${dataNodes}; at least 3 data nodes are required`);
  },
});

const REQUIRED_SEARCH_LOGS = ["ES_APPLICATION_LOGS", "SEARCH_SLOW_LOGS"];

export const searchLogPublishing = resourceRule({
  name: "opensearch-log-publishing",
  description: "OpenSearch domains publish application and slow-search logs to CloudWatch.",
  level: "A",
  // Not CKV_AWS_317: that check requires AUDIT_LOGS, which is opensearch-audit-logs (research note §1).
  sources: ["CKV_AWS_84"],
  types: SEARCH_DOMAIN,
  check: (props, _ctx, report) => {
    const enabled = asArray(props.logPublishingOptions)
      .filter((o) => o?.enabled !== false)
      .map((o) => o?.logType);
    for (const logType of REQUIRED_SEARCH_LOGS) {
      if (!enabled.includes(logType)) report(`does not publish ${logType}`);
    }
  },
});

export const dataRules: readonly Rule[] = [
  rdsStorageEncrypted,
  rdsNotPublic,
  rdsMultiAz,
  rdsBackupRetention,
  rdsDeletionProtection,
  rdsFinalSnapshot,
  rdsMonitoring,
  rdsReplicaInAnotherZone,
  cacheAtRestEncryption,
  cacheTransitEncryptionAuth,
  cacheFailover,
  cacheSnapshotRetention,
  cacheQueueNoEviction,
  searchEncryption,
  searchHttpsTls12,
  searchVpcOnly,
  searchFineGrainedAccess,
  searchClusterResilience,
  searchLogPublishing,
];

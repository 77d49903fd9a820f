/**
 * Encryption at rest beyond the data tier's own rules: KMS key rotation, node volumes, the EBS StorageClass,
 * customer keys for secrets, caches, search, images and Performance Insights; CloudWatch log groups (KMS, retention).
 */
import { asArray, resourceRule, type Rule } from "./kit";

export const KMS_KEY = ["aws:kms/key:Key"] as const;
export const LOG_GROUP = ["aws:cloudwatch/logGroup:LogGroup"] as const;

const set = (value: unknown) => typeof value === "string" && value !== "";

export const kmsKeyRotation = resourceRule({
  name: "kms-key-rotation",
  description: "Symmetric customer-managed KMS keys rotate, at most yearly.",
  level: "M",
  sources: ["CKV_AWS_7", "AWSGuard cmk-backing-key-rotation-enabled"],
  types: KMS_KEY,
  check: (props, _ctx, report) => {
    const spec = props.customerMasterKeySpec ?? props.keySpec ?? "SYMMETRIC_DEFAULT";
    // AWS rotates only symmetric encryption keys; asymmetric and HMAC keys cannot rotate.
    if (spec !== "SYMMETRIC_DEFAULT") return;
    if (props.enableKeyRotation !== true) report("key rotation is off (`enableKeyRotation` is not true)");
    else if (typeof props.rotationPeriodInDays === "number" && props.rotationPeriodInDays > 365)
      report(`rotates every ${props.rotationPeriodInDays} days; at most 365`);
  },
});

export const launchTemplateEbsEncrypted = resourceRule({
  name: "launch-template-ebs-encrypted",
  description: "Node launch templates declare their volumes and encrypt every one.",
  level: "M",
  sources: ["CKV_AWS_8 (analog: launch templates)", "CKV_AWS_3", "AWSGuard encrypted-volumes (analog)"],
  types: ["aws:ec2/launchTemplate:LaunchTemplate"],
  check: (props, _ctx, report) => {
    const mappings = asArray(props.blockDeviceMappings);
    // Without a mapping the AMI's own root volume applies, whose encryption the template does not state.
    if (mappings.length === 0) report("declares no block device mapping, so root-volume encryption is unstated");
    for (const m of mappings) {
      const encrypted: unknown = m?.ebs?.encrypted;
      // `encrypted` is a string in @pulumi/aws (LaunchTemplateBlockDeviceMappingEbs.encrypted?: Input<string>).
      if (m?.ebs !== undefined && encrypted !== true && encrypted !== "true")
        report(`volume ${String(m?.deviceName ?? "?")} is not encrypted (ebs.encrypted ${JSON.stringify(encrypted)})`);
    }
  },
});

export const storageClassEncrypted = resourceRule({
  name: "storageclass-ebs-encrypted",
  description: "EBS CSI StorageClasses create encrypted volumes.",
  level: "M",
  sources: ["AWS EBS CSI driver StorageClass parameters (encrypted)", "CKV_AWS_3 (analog)"],
  types: ["kubernetes:storage.k8s.io/v1:StorageClass"],
  check: (props, _ctx, report) => {
    if (props.provisioner !== "ebs.csi.aws.com") return;
    if (props.parameters?.encrypted !== "true") report('`parameters.encrypted` is not "true"');
  },
});

export const secretsManagerCmk = resourceRule({
  name: "secretsmanager-cmk",
  description: "Secrets Manager secrets are encrypted with a customer-managed KMS key.",
  level: "T",
  sources: ["CKV_AWS_149"],
  types: ["aws:secretsmanager/secret:Secret"],
  check: (props, _ctx, report) => {
    if (!set(props.kmsKeyId)) report("uses the AWS-managed key (no `kmsKeyId`)");
  },
});

export const elasticacheCmk = resourceRule({
  name: "elasticache-cmk",
  description: "ElastiCache replication groups encrypt at rest with a customer-managed KMS key.",
  level: "T",
  sources: ["CKV_AWS_191"],
  types: ["aws:elasticache/replicationGroup:ReplicationGroup"],
  check: (props, _ctx, report) => {
    if (!set(props.kmsKeyId)) report("encrypts with the AWS-managed key (no `kmsKeyId`)");
  },
});

export const opensearchCmk = resourceRule({
  name: "opensearch-cmk",
  description: "OpenSearch domains encrypt at rest with a customer-managed KMS key.",
  level: "T",
  sources: ["CKV_AWS_247"],
  types: ["aws:opensearch/domain:Domain", "aws:elasticsearch/domain:Domain"],
  check: (props, _ctx, report) => {
    if (!set(props.encryptAtRest?.kmsKeyId)) report("encrypts with the AWS-managed key (no `encryptAtRest.kmsKeyId`)");
  },
});

export const ecrKms = resourceRule({
  name: "ecr-kms",
  description: "ECR repositories encrypt images with a customer-managed KMS key.",
  level: "T",
  sources: ["CKV_AWS_136"],
  types: ["aws:ecr/repository:Repository"],
  check: (props, _ctx, report) => {
    const kms = asArray(props.encryptionConfigurations).some((c) => c?.encryptionType === "KMS" && set(c?.kmsKey));
    if (!kms) report("images are encrypted with AES256 or the AWS-managed key (no KMS `encryptionConfigurations`)");
  },
});

export const rdsPerformanceInsightsCmk = resourceRule({
  name: "rds-performance-insights-cmk",
  description: "RDS Performance Insights data (which holds query text) is encrypted with a customer-managed key.",
  level: "M",
  sources: ["CKV_AWS_354"],
  types: ["aws:rds/instance:Instance"],
  check: (props, _ctx, report) => {
    if (props.performanceInsightsEnabled === true && !set(props.performanceInsightsKmsKeyId))
      report("Performance Insights is on without `performanceInsightsKmsKeyId`");
  },
});

/** Two weeks: enough to investigate an incident noticed late; never-expire (0 or unset) grows cost without limit. */
export const MIN_LOG_RETENTION_DAYS = 14;

export const logGroupRetention = resourceRule({
  name: "log-group-retention",
  description: `CloudWatch log groups set a retention of at least ${MIN_LOG_RETENTION_DAYS} days (never "never expire").`,
  level: "M",
  sources: ["CKV_AWS_66"],
  types: LOG_GROUP,
  check: (props, _ctx, report) => {
    const days: unknown = props.retentionInDays;
    if (typeof days !== "number" || days === 0) report("keeps logs forever (no `retentionInDays`)");
    else if (days < MIN_LOG_RETENTION_DAYS)
      report(`keeps logs ${days} days; at least ${MIN_LOG_RETENTION_DAYS} are needed to investigate an incident`);
  },
});

export const logGroupKms = resourceRule({
  name: "log-group-kms",
  description:
    "CloudWatch log groups are encrypted with a customer-managed KMS key. Advisory until the program creates a logs key whose policy admits logs.<region>.amazonaws.com (no log group has one yet).",
  level: "A",
  sources: ["CKV_AWS_158"],
  types: LOG_GROUP,
  check: (props, _ctx, report) => {
    if (!set(props.kmsKeyId)) report("is not encrypted with a customer-managed key (no `kmsKeyId`)");
  },
});

export const logGroupRetentionYear = resourceRule({
  name: "log-group-retention-1y",
  description:
    "CloudWatch log groups keep a year of logs. Advisory: the tiers keep 14–30 days by design (cost), which the 14-day floor of log-group-retention enforces.",
  level: "A",
  sources: ["CKV_AWS_338"],
  types: LOG_GROUP,
  check: (props, _ctx, report) => {
    const days: unknown = props.retentionInDays;
    if (typeof days === "number" && days > 0 && days < 365) report(`keeps logs ${days} days, less than a year`);
  },
});

export const opensearchAuditLogs = resourceRule({
  name: "opensearch-audit-logs",
  description:
    "OpenSearch domains publish audit logs (AUDIT_LOGS, which needs fine-grained access control). Advisory until the program adds the audit log group, its resource policy and the security plugin's audit config (no tier publishes them yet).",
  level: "A",
  sources: ["CKV_AWS_317"],
  types: ["aws:opensearch/domain:Domain", "aws:elasticsearch/domain:Domain"],
  check: (props, _ctx, report) => {
    const audit = asArray(props.logPublishingOptions).find((o) => o?.logType === "AUDIT_LOGS");
    if (audit === undefined || audit.enabled === false || !set(audit.cloudwatchLogGroupArn))
      report("publishes no audit logs (no enabled AUDIT_LOGS `logPublishingOptions` entry with a log group)");
    if (props.advancedSecurityOptions?.enabled !== true)
      report("audit logs need fine-grained access control (`advancedSecurityOptions.enabled`)");
  },
});

export const encryptionRules: readonly Rule[] = [
  kmsKeyRotation,
  launchTemplateEbsEncrypted,
  storageClassEncrypted,
  secretsManagerCmk,
  elasticacheCmk,
  opensearchCmk,
  ecrKms,
  rdsPerformanceInsightsCmk,
  logGroupRetention,
  logGroupKms,
  logGroupRetentionYear,
  opensearchAuditLogs,
];

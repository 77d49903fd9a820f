import * as enc from "../../policies/rules/encryption";
import { rdsPrimary, replicationGroup, T } from "./fixtures";
import { describeResourceRule } from "./support";

const KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/database-key";

describeResourceRule(enc.kmsKeyRotation, "aws:kms/key:Key", { enableKeyRotation: true, deletionWindowInDays: 30 }, [
  ["rotation is off", (p) => (p.enableKeyRotation = false), /key rotation is off/],
  ["rotation is left unset", (p) => delete p.enableKeyRotation, /key rotation is off/],
  ["rotation is slower than yearly", (p) => (p.rotationPeriodInDays = 730), /rotates every 730 days; at most 365/],
]);

describeResourceRule(
  enc.launchTemplateEbsEncrypted,
  T.launchTemplate,
  { blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { volumeSize: 50, volumeType: "gp3", encrypted: "true" } }] },
  [
    [
      "the root volume is unencrypted",
      (p) => (p.blockDeviceMappings[0].ebs.encrypted = "false"),
      /\/dev\/xvda is not encrypted/,
    ],
    [
      "encryption is left unset",
      (p) => delete p.blockDeviceMappings[0].ebs.encrypted,
      /is not encrypted \(ebs\.encrypted undefined\)/,
    ],
    ["no volume is declared", (p) => (p.blockDeviceMappings = []), /declares no block device mapping/],
  ],
);

describeResourceRule(
  enc.storageClassEncrypted,
  "kubernetes:storage.k8s.io/v1:StorageClass",
  { provisioner: "ebs.csi.aws.com", parameters: { type: "gp3", encrypted: "true" } },
  [["volumes are unencrypted", (p) => (p.parameters.encrypted = "false"), /parameters\.encrypted/]],
);

describeResourceRule(enc.secretsManagerCmk, "aws:secretsmanager/secret:Secret", { kmsKeyId: KEY_ARN }, [
  ["it uses the AWS-managed key", (p) => delete p.kmsKeyId, /AWS-managed key/],
]);
describeResourceRule(enc.elasticacheCmk, T.replicationGroup, { ...replicationGroup, kmsKeyId: KEY_ARN }, [
  ["it uses the AWS-managed key", (p) => delete p.kmsKeyId, /AWS-managed key/],
]);
describeResourceRule(enc.opensearchCmk, T.domain, { encryptAtRest: { enabled: true, kmsKeyId: KEY_ARN } }, [
  ["it uses the AWS-managed key", (p) => delete p.encryptAtRest.kmsKeyId, /AWS-managed key/],
]);
describeResourceRule(
  enc.ecrKms,
  "aws:ecr/repository:Repository",
  { encryptionConfigurations: [{ encryptionType: "KMS", kmsKey: KEY_ARN }] },
  [
    [
      "images use AES256",
      (p) => (p.encryptionConfigurations = [{ encryptionType: "AES256" }]),
      /AES256 or the AWS-managed key/,
    ],
  ],
);
describeResourceRule(enc.rdsPerformanceInsightsCmk, T.rds, { ...rdsPrimary, performanceInsightsKmsKeyId: KEY_ARN }, [
  [
    "Performance Insights has no customer key",
    (p) => delete p.performanceInsightsKmsKeyId,
    /without `performanceInsightsKmsKeyId`/,
  ],
]);

const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";
describeResourceRule(
  enc.logGroupRetention,
  LOG_GROUP,
  { name: "/aws/eks/storyforge-v1-cluster/cluster", retentionInDays: 30 },
  [
    ["retention is removed", (p) => delete p.retentionInDays, /keeps logs forever/],
    ["retention is never-expire (0)", (p) => (p.retentionInDays = 0), /keeps logs forever/],
    ["retention is a week", (p) => (p.retentionInDays = 7), /keeps logs 7 days; at least 14/],
  ],
);
describeResourceRule(enc.logGroupKms, LOG_GROUP, { retentionInDays: 30, kmsKeyId: KEY_ARN }, [
  ["no key is set", (p) => delete p.kmsKeyId, /no `kmsKeyId`/],
]);
describeResourceRule(enc.logGroupRetentionYear, LOG_GROUP, { retentionInDays: 365 }, [
  ["retention is a month", (p) => (p.retentionInDays = 30), /keeps logs 30 days, less than a year/],
]);

describeResourceRule(
  enc.opensearchAuditLogs,
  T.domain,
  {
    advancedSecurityOptions: { enabled: true },
    logPublishingOptions: [
      {
        logType: "AUDIT_LOGS",
        enabled: true,
        cloudwatchLogGroupArn: "arn:aws:logs:us-east-1:1:log-group:/search/audit",
      },
    ],
  },
  [
    ["audit logs are not published", (p) => (p.logPublishingOptions = []), /publishes no audit logs/],
    ["audit logs are disabled", (p) => (p.logPublishingOptions[0].enabled = false), /publishes no audit logs/],
    [
      "fine-grained access control is off",
      (p) => (p.advancedSecurityOptions.enabled = false),
      /need fine-grained access control/,
    ],
  ],
);

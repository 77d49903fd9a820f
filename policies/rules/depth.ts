/**
 * Depth beyond issue 13's cases, from the same trusted packs: RDS hygiene (snapshot tags, CA, logs, upgrades, IAM
 * auth), EKS access, KMS key policies, security-group hygiene, S3 ACLs, CloudFront origin and headers, and the plan
 * testifying to the tier it is checked as.
 */
import { isTierName } from "../../stacks/tiers";
import { atLeast } from "../tier";
import { readStatements } from "./iam";
import { asArray, ofType, resourceRule, stackRule, type Rule } from "./kit";

const RDS = ["aws:rds/instance:Instance"] as const;
const DISTRIBUTION = ["aws:cloudfront/distribution:Distribution"] as const;

export const rdsCopyTagsToSnapshot = resourceRule({
  name: "rds-copy-tags-to-snapshot",
  description: "RDS instances copy their tags to snapshots, so a snapshot still says which stack and tier it is.",
  level: "T",
  sources: ["CKV2_AWS_60"],
  types: RDS,
  check: (props, _ctx, report) => {
    if (props.copyTagsToSnapshot !== true) report("`copyTagsToSnapshot` is not true");
  },
});

const MODERN_CAS = ["rds-ca-rsa2048-g1", "rds-ca-rsa4096-g1", "rds-ca-ecc384-g1"];

export const rdsCaCertModern = resourceRule({
  name: "rds-ca-cert-modern",
  description: `RDS instances use a current certificate authority (${MODERN_CAS.join(", ")}), not rds-ca-2019.`,
  level: "T",
  sources: ["CKV_AWS_211"],
  types: RDS,
  check: (props, _ctx, report) => {
    if (!MODERN_CAS.includes(props.caCertIdentifier))
      report(`caCertIdentifier is ${JSON.stringify(props.caCertIdentifier ?? "(unset: the region's default)")}`);
  },
});

export const rdsLogExports = resourceRule({
  name: "rds-log-exports",
  description: "PostgreSQL instances export their logs to CloudWatch (enabledCloudwatchLogsExports has postgresql).",
  level: "T",
  sources: ["CKV_AWS_129", "CKV2_AWS_30"],
  types: RDS,
  check: (props, _ctx, report) => {
    if (!asArray(props.enabledCloudwatchLogsExports).includes("postgresql"))
      report('`enabledCloudwatchLogsExports` lacks "postgresql"');
  },
});

export const rdsAutoMinorUpgrade = resourceRule({
  name: "rds-auto-minor-upgrade",
  description: "RDS instances take minor engine upgrades (security fixes) in their maintenance window.",
  level: "A",
  sources: ["CKV_AWS_226"],
  types: RDS,
  check: (props, _ctx, report) => {
    if (props.autoMinorVersionUpgrade === false) report("`autoMinorVersionUpgrade` is false");
  },
});

export const rdsIamAuth = resourceRule({
  name: "rds-iam-auth",
  description:
    "RDS instances accept IAM database authentication. Advisory: the app reaches PostgreSQL through PgBouncer with SCRAM passwords, which IAM tokens (15-minute, per connection) do not fit.",
  level: "A",
  sources: ["CKV_AWS_161"],
  types: RDS,
  check: (props, _ctx, report) => {
    if (props.iamDatabaseAuthenticationEnabled !== true) report("IAM database authentication is off");
  },
});

export const eksAuthModeApi = resourceRule({
  name: "eks-auth-mode-api",
  description:
    "EKS clusters grant access through access entries only (authenticationMode API), not the aws-auth ConfigMap.",
  level: "T",
  sources: ["CIS EKS 4.1.7 (v1.7.0: Cluster Access Manager API)"],
  types: ["aws:eks/cluster:Cluster"],
  check: (props, _ctx, report) => {
    const mode: unknown = props.accessConfig?.authenticationMode;
    if (mode !== "API") report(`accessConfig.authenticationMode is ${JSON.stringify(mode ?? "(unset: CONFIG_MAP)")}`);
  },
});

export const eksNoBootstrapAdmin = resourceRule({
  name: "eks-no-bootstrap-admin",
  description:
    "EKS clusters do not make their creator a permanent cluster admin. Advisory: the deploying role needs it on the first deploy (access entries exist only after the cluster does).",
  level: "A",
  sources: ["CIS EKS 4.1.1"],
  types: ["aws:eks/cluster:Cluster"],
  check: (props, _ctx, report) => {
    if (props.accessConfig?.bootstrapClusterCreatorAdminPermissions !== false)
      report("the creator keeps cluster-admin (`bootstrapClusterCreatorAdminPermissions` is not false)");
  },
});

export const kmsKeyPolicyNoWildcard = resourceRule({
  name: "kms-key-policy-no-wildcard-principal",
  description:
    'No KMS key policy allows any principal ("*") unless it is narrowed to this account (kms:CallerAccount) or a service (kms:ViaService).',
  level: "M",
  sources: ["CKV_AWS_33"],
  types: ["aws:kms/key:Key"],
  check: (props, _ctx, report) => {
    readStatements(props.policy, "key policy", report).forEach((s, i) => {
      const p = s.Principal;
      const open =
        p === "*" || (typeof p === "object" && p !== null && asArray((p as { AWS?: unknown }).AWS).includes("*"));
      const narrowed = Object.values(s.Condition ?? {}).some((v) =>
        Object.keys(v ?? {}).some((k) => ["kms:calleraccount", "kms:viaservice"].includes(k.toLowerCase())),
      );
      if (s.Effect === "Allow" && open && !narrowed) report(`statement ${s.Sid ?? `#${i}`} allows any principal`);
    });
  },
});

const SG_TYPES = [
  "aws:ec2/securityGroup:SecurityGroup",
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
  "aws:ec2/securityGroupRule:SecurityGroupRule",
];

export const sgDescriptions = resourceRule({
  name: "sg-descriptions",
  description: "Security groups and their rules say what they admit (a description).",
  level: "A",
  sources: ["CKV_AWS_23"],
  types: SG_TYPES,
  check: (props, _ctx, report) => {
    if (typeof props.description !== "string" || props.description.trim() === "") report("has no description");
  },
});

export const vpcDefaultSgRestricted = stackRule({
  name: "vpc-default-sg-restricts-all",
  description:
    "Each VPC's default security group is adopted and admits nothing. Advisory until the program declares aws.ec2.DefaultSecurityGroup (AWS creates it allowing traffic between its members).",
  level: "A",
  sources: ["CKV2_AWS_12"],
  check: (resources, _ctx, report) => {
    const defaults = ofType(resources, ["aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"]);
    for (const vpc of ofType(resources, ["aws:ec2/vpc:Vpc"])) {
      const own = defaults.filter((d) => d.props.vpcId === vpc.props.id || d.props.vpcId === `${vpc.name}-id`);
      if (own.length === 0) report("its default security group is not adopted and restricted", vpc);
      for (const d of own)
        if (asArray(d.props.ingress).length > 0 || asArray(d.props.egress).length > 0)
          report("its default security group still has rules", vpc);
    }
  },
});

export const s3AclsDisabled = resourceRule({
  name: "s3-acls-disabled",
  description:
    "Buckets disable ACLs (object ownership BucketOwnerEnforced). Advisory: CloudFront standard logging writes with ACLs, so the CDN log bucket keeps BucketOwnerPreferred.",
  level: "A",
  sources: ["CKV2_AWS_65"],
  types: ["aws:s3/bucketOwnershipControls:BucketOwnershipControls"],
  check: (props, _ctx, report) => {
    const ownership: unknown = props.rule?.objectOwnership;
    if (ownership !== "BucketOwnerEnforced") report(`object ownership is ${JSON.stringify(ownership)}, ACLs stay on`);
  },
});

export const cloudfrontOriginHttps = resourceRule({
  name: "cloudfront-origin-https",
  description:
    "CloudFront reaches custom origins over HTTPS only with TLS 1.2. Advisory until the API's load balancer serves HTTPS (storyforge:originCertificateArn).",
  level: "A",
  sources: ["CKV2_AWS_72", "CKV2_AWS_54", "CIS EKS 5.4.5"],
  types: DISTRIBUTION,
  check: (props, _ctx, report) => {
    for (const origin of asArray(props.origins)) {
      const custom = origin?.customOriginConfig;
      if (custom === undefined || custom === null) continue;
      if (custom.originProtocolPolicy !== "https-only")
        report(
          `origin "${String(origin.originId)}" uses ${JSON.stringify(custom.originProtocolPolicy)}, not https-only`,
        );
      else if (asArray(custom.originSslProtocols).some((p) => p !== "TLSv1.2"))
        report(`origin "${String(origin.originId)}" allows ${asArray(custom.originSslProtocols).join(", ")}`);
    }
  },
});

export const cloudfrontResponseHeaders = resourceRule({
  name: "cloudfront-response-headers-policy",
  description: "CloudFront's default behaviour attaches a response headers policy (HSTS and the security headers).",
  level: "A",
  sources: ["CKV2_AWS_32"],
  types: DISTRIBUTION,
  check: (props, _ctx, report) => {
    const id: unknown = props.defaultCacheBehavior?.responseHeadersPolicyId;
    if (typeof id !== "string" || id === "") report("the default behaviour has no `responseHeadersPolicyId`");
  },
});

export const tierConsistent = stackRule({
  name: "tier-consistent",
  description:
    "No AWS resource's `tier` tag names a stricter tier than the one the pack checks the stack as (STORYFORGE_POLICY_TIER may raise it, never lower it), so the plan itself testifies that it is not checked more leniently than it was built.",
  level: "M",
  tierOnly: true,
  sources: ["issue 13 research §4 (tier from stack config)", "infra/lib/context.ts (tags)"],
  check: (resources, ctx, report) => {
    for (const r of resources.filter((x) => x.type.startsWith("aws:"))) {
      const tier: unknown = r.props.tags?.tier;
      if (tier === undefined) continue;
      if (!isTierName(tier)) report(`is tagged tier ${JSON.stringify(tier)}, not a tier`, r);
      else if (!atLeast(ctx.tier, tier))
        report(`is tagged tier ${tier} but the stack is checked as the more lenient tier ${ctx.tier}`, r);
    }
  },
});

export const depthRules: readonly Rule[] = [
  rdsCopyTagsToSnapshot,
  rdsCaCertModern,
  rdsLogExports,
  rdsAutoMinorUpgrade,
  rdsIamAuth,
  eksAuthModeApi,
  eksNoBootstrapAdmin,
  kmsKeyPolicyNoWildcard,
  sgDescriptions,
  vpcDefaultSgRestricted,
  s3AclsDisabled,
  cloudfrontOriginHttps,
  cloudfrontResponseHeaders,
  tierConsistent,
];

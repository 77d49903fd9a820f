import * as depth from "../../policies/rules/depth";
import { distribution, rdsPrimary, T, tags } from "./fixtures";
import { describeResourceRule, stackViolations } from "./support";

const rds = {
  ...rdsPrimary,
  copyTagsToSnapshot: true,
  caCertIdentifier: "rds-ca-rsa2048-g1",
  enabledCloudwatchLogsExports: ["postgresql", "upgrade"],
  autoMinorVersionUpgrade: true,
  iamDatabaseAuthenticationEnabled: true,
};
describeResourceRule(depth.rdsCopyTagsToSnapshot, T.rds, rds, [
  ["tags are not copied", (p) => (p.copyTagsToSnapshot = false), /copyTagsToSnapshot/],
]);
describeResourceRule(depth.rdsCaCertModern, T.rds, rds, [
  ["the CA is rds-ca-2019", (p) => (p.caCertIdentifier = "rds-ca-2019"), /caCertIdentifier is "rds-ca-2019"/],
]);
describeResourceRule(depth.rdsLogExports, T.rds, rds, [
  ["PostgreSQL logs are not exported", (p) => (p.enabledCloudwatchLogsExports = ["upgrade"]), /lacks "postgresql"/],
]);
describeResourceRule(depth.rdsAutoMinorUpgrade, T.rds, rds, [
  ["minor upgrades are off", (p) => (p.autoMinorVersionUpgrade = false), /autoMinorVersionUpgrade/],
]);
describeResourceRule(depth.rdsIamAuth, T.rds, rds, [
  ["IAM auth is off", (p) => delete p.iamDatabaseAuthenticationEnabled, /IAM database authentication is off/],
]);

const cluster = { accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: false } };
describeResourceRule(depth.eksAuthModeApi, T.eksCluster, cluster, [
  [
    "the aws-auth ConfigMap is also used",
    (p) => (p.accessConfig.authenticationMode = "API_AND_CONFIG_MAP"),
    /"API_AND_CONFIG_MAP"/,
  ],
]);
describeResourceRule(depth.eksNoBootstrapAdmin, T.eksCluster, cluster, [
  [
    "the creator stays admin",
    (p) => (p.accessConfig.bootstrapClusterCreatorAdminPermissions = true),
    /keeps cluster-admin/,
  ],
]);

const keyPolicy = {
  Statement: [
    {
      Sid: "Root",
      Effect: "Allow",
      Principal: { AWS: "arn:aws:iam::123456789012:root" },
      Action: "kms:*",
      Resource: "*",
    },
    {
      Sid: "Logs",
      Effect: "Allow",
      Principal: { AWS: "*" },
      Action: "kms:Decrypt",
      Resource: "*",
      Condition: { StringEquals: { "kms:CallerAccount": "123456789012" } },
    },
  ],
};
describeResourceRule(depth.kmsKeyPolicyNoWildcard, "aws:kms/key:Key", { policy: JSON.stringify(keyPolicy) }, [
  [
    "a wildcard principal is not narrowed",
    (p) => (p.policy = JSON.stringify({ Statement: [{ ...keyPolicy.Statement[1], Condition: undefined }] })),
    /statement Logs allows any principal/,
  ],
]);

describeResourceRule(depth.sgDescriptions, T.ingressRule, { description: "database from workloads" }, [
  ["the description is empty", (p) => (p.description = " "), /has no description/],
]);

describe("vpc-default-sg-restricts-all (A)", () => {
  const vpc = { type: T.vpc, name: "network-vpc", inputs: { cidrBlock: "10.0.0.0/16", tags } };
  const adopted = {
    type: "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
    name: "network-default-sg",
    inputs: { vpcId: "network-vpc-id" },
  };
  it("passes a VPC whose default group is adopted with no rules", () =>
    expect(stackViolations(depth.vpcDefaultSgRestricted, [vpc, adopted])).toEqual([]));
  it("fails a VPC whose default group is left as AWS creates it", () =>
    expect(stackViolations(depth.vpcDefaultSgRestricted, [vpc])[0]?.message).toMatch(/not adopted and restricted/));
  it("fails an adopted default group that keeps a rule", () =>
    expect(
      stackViolations(depth.vpcDefaultSgRestricted, [
        vpc,
        { ...adopted, inputs: { ...adopted.inputs, ingress: [{ self: true }] } },
      ])[0]?.message,
    ).toMatch(/still has rules/));
});

describeResourceRule(
  depth.s3AclsDisabled,
  "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
  { rule: { objectOwnership: "BucketOwnerEnforced" } },
  [["ACLs stay on", (p) => (p.rule.objectOwnership = "BucketOwnerPreferred"), /"BucketOwnerPreferred", ACLs stay on/]],
);

const withOrigin = {
  ...distribution,
  origins: [
    {
      originId: "api",
      domainName: "internal-alb.example",
      customOriginConfig: { originProtocolPolicy: "https-only", originSslProtocols: ["TLSv1.2"] },
    },
  ],
  defaultCacheBehavior: {
    ...distribution.defaultCacheBehavior,
    responseHeadersPolicyId: "67f7725c-6f97-4210-82d7-5512b31e9d03",
  },
};
describeResourceRule(depth.cloudfrontOriginHttps, T.distribution, withOrigin, [
  [
    "the origin is reached over HTTP",
    (p) => (p.origins[0].customOriginConfig.originProtocolPolicy = "http-only"),
    /uses "http-only", not https-only/,
  ],
  [
    "the origin allows TLS 1.1",
    (p) => p.origins[0].customOriginConfig.originSslProtocols.push("TLSv1.1"),
    /allows TLSv1\.2, TLSv1\.1/,
  ],
]);
describeResourceRule(depth.cloudfrontResponseHeaders, T.distribution, withOrigin, [
  [
    "no response headers policy is attached",
    (p) => delete p.defaultCacheBehavior.responseHeadersPolicyId,
    /no `responseHeadersPolicyId`/,
  ],
]);

describe("tier-consistent (M)", () => {
  const tagged = (tier: string) => [{ type: T.vpc, name: "network-vpc", inputs: { tags: { ...tags, tier } } }];
  it("passes resources tagged with the tier the stack is checked as", () =>
    expect(stackViolations(depth.tierConsistent, tagged("v2"), { tier: "v2" })).toEqual([]));
  it("passes a stack checked as a stricter tier than its tags (STORYFORGE_POLICY_TIER raised it)", () =>
    expect(stackViolations(depth.tierConsistent, tagged("v1"), { tier: "v2" })).toEqual([]));
  it("fails a v2 stack checked as mvp", () =>
    expect(stackViolations(depth.tierConsistent, tagged("v2"), { tier: "mvp" })[0]?.message).toMatch(
      /is tagged tier v2 but the stack is checked as the more lenient tier mvp/,
    ));
  it("fails a tag that names no tier", () =>
    expect(stackViolations(depth.tierConsistent, tagged("prod"), { tier: "v1" })[0]?.message).toMatch(
      /"prod", not a tier/,
    ));
});

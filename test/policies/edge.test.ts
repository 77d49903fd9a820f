import * as edge from "../../policies/rules/edge";
import { T, tags } from "./fixtures";
import { describeResourceRule, mutate, stackViolations } from "./support";

describeResourceRule(
  edge.sgNoWorldIngress,
  T.ingressRule,
  { securityGroupId: "load-balancer-sg-id", prefixListId: "pl-3b927c52", ipProtocol: "tcp", fromPort: 80, toPort: 80 },
  [
    ["the source is 0.0.0.0/0", (p) => (p.cidrIpv4 = "0.0.0.0/0"), /admits 0\.0\.0\.0\/0 \(ports 80–80\)/],
    ["the source is ::/0", (p) => (p.cidrIpv6 = "::/0"), /admits ::\/0/],
  ],
);
describeResourceRule(
  edge.sgNoWorldIngress,
  T.securityGroup,
  { ingress: [{ protocol: "tcp", fromPort: 443, toPort: 443, securityGroups: ["sg-1"] }] },
  [["an inline block admits the world", (p) => (p.ingress[0].cidrBlocks = ["0.0.0.0/0"]), /admits 0\.0\.0\.0\/0/]],
);

describe("alb-ingress-no-cidr (M)", () => {
  const lb = {
    type: "aws:lb/loadBalancer:LoadBalancer",
    name: "alb",
    inputs: { internal: true, securityGroups: ["alb-sg-id"], tags },
  };
  const sg = { type: T.securityGroup, name: "alb-sg", inputs: { tags } };
  const fromCloudFront = {
    type: T.ingressRule,
    name: "alb-from-cloudfront",
    inputs: {
      securityGroupId: "alb-sg-id",
      referencedSecurityGroupId: "sg-cloudfront-vpc-origins",
      ipProtocol: "tcp",
      fromPort: 443,
      toPort: 443,
    },
  };
  const prefixList = {
    ...fromCloudFront,
    name: "alb-from-prefix-list",
    inputs: { securityGroupId: "alb-sg-id", prefixListId: "pl-3b927c52", ipProtocol: "tcp", fromPort: 80, toPort: 80 },
  };
  it("passes a load balancer admitted from CloudFront's VPC-origin group or origin-facing prefix list", () =>
    expect(stackViolations(edge.albIngressNoCidr, [lb, sg, fromCloudFront, prefixList])).toEqual([]));
  it("fails a CIDR range into the load balancer's group, even a private one", () =>
    expect(
      stackViolations(edge.albIngressNoCidr, [
        lb,
        sg,
        {
          ...fromCloudFront,
          inputs: mutate(fromCloudFront.inputs, (p: any) => {
            delete p.referencedSecurityGroupId;
            p.cidrIpv4 = "10.0.0.0/8";
          }),
        },
      ]),
    ).toEqual([
      {
        resource: "alb-from-cloudfront",
        message: expect.stringMatching(/admits 10\.0\.0\.0\/8 into load balancer "alb"'s group "alb-sg"/),
      },
    ]));
});

const alb = {
  loadBalancerType: "application",
  dropInvalidHeaderFields: true,
  enableDeletionProtection: true,
  accessLogs: { bucket: "logs", prefix: "alb", enabled: true },
};
const LB = "aws:lb/loadBalancer:LoadBalancer";
describeResourceRule(edge.albDropInvalidHeaders, LB, alb, [
  ["invalid headers are forwarded", (p) => (p.dropInvalidHeaderFields = false), /dropInvalidHeaderFields/],
]);
describeResourceRule(edge.albDesyncMitigation, LB, alb, [
  ["desync mitigation only monitors", (p) => (p.desyncMitigationMode = "monitor"), /"monitor"/],
]);
describeResourceRule(edge.albAccessLogs, LB, alb, [
  ["access logs are off", (p) => (p.accessLogs.enabled = false), /access logs are off/],
]);
describeResourceRule(edge.albDeletionProtection, LB, alb, [
  ["deletion protection is off", (p) => (p.enableDeletionProtection = false), /enableDeletionProtection/],
]);

const tlsOnly = {
  Sid: "DenyInsecureTransport",
  Effect: "Deny",
  Principal: "*",
  Action: "s3:*",
  Resource: ["arn:aws:s3:::assets", "arn:aws:s3:::assets/*"],
  Condition: { Bool: { "aws:SecureTransport": "false" } },
};
const oac = {
  Sid: "CloudFrontReadsThroughOac",
  Effect: "Allow",
  Principal: { Service: "cloudfront.amazonaws.com" },
  Action: "s3:GetObject",
  Resource: "arn:aws:s3:::assets/*",
};
const bucketPolicy = {
  bucket: "assets-id",
  policy: JSON.stringify({ Version: "2012-10-17", Statement: [oac, tlsOnly] }),
};
const withStatements = (p: any, statements: unknown[]) => (p.policy = JSON.stringify({ Statement: statements }));
describeResourceRule(edge.s3PolicyNoPublicPrincipal, "aws:s3/bucketPolicy:BucketPolicy", bucketPolicy, [
  [
    'an Allow names Principal "*"',
    (p) => withStatements(p, [{ ...oac, Sid: "Public", Principal: "*" }]),
    /statement Public allows "s3:GetObject" to any principal/,
  ],
  [
    'an Allow names AWS "*"',
    (p) => withStatements(p, [{ ...oac, Sid: "Public", Principal: { AWS: ["*"] } }]),
    /to any principal/,
  ],
  [
    "the public Allow is conditioned only on aws:SourceArn (not a narrowing key)",
    (p) =>
      withStatements(p, [
        { ...oac, Sid: "Public", Principal: "*", Condition: { StringEquals: { "aws:SourceArn": "x" } } },
      ]),
    /to any principal/,
  ],
]);

describe("s3-tls-only (M)", () => {
  const bucket = { type: T.bucket, name: "assets", inputs: { bucket: "storyforge-v1-assets", tags } };
  const policy = { type: "aws:s3/bucketPolicy:BucketPolicy", name: "assets-policy", inputs: bucketPolicy };
  it("passes a bucket whose policy denies plain HTTP", () =>
    expect(stackViolations(edge.s3TlsOnly, [bucket, policy])).toEqual([]));
  it("fails when the deny statement is removed", () =>
    expect(
      stackViolations(edge.s3TlsOnly, [
        bucket,
        { ...policy, inputs: mutate(bucketPolicy, (p) => withStatements(p, [oac])) },
      ]),
    ).toEqual([{ resource: "assets", message: expect.stringMatching(/no bucket policy denies plain-HTTP requests/) }]));
});

describeResourceRule(edge.s3NoPublicAcl, "aws:s3/bucketAcl:BucketAcl", { bucket: "logs-id", acl: "private" }, [
  ["the canned ACL is public-read", (p) => (p.acl = "public-read"), /canned ACL "public-read" is public/],
  [
    "a grant names AllUsers",
    (p) =>
      (p.accessControlPolicy = {
        grants: [
          { permission: "READ", grantee: { type: "Group", uri: "http://acs.amazonaws.com/groups/global/AllUsers" } },
        ],
      }),
    /grants READ to http:\/\/acs\.amazonaws\.com\/groups\/global\/AllUsers/,
  ],
]);

const repository = { imageTagMutability: "IMMUTABLE", imageScanningConfiguration: { scanOnPush: true } };
const ECR = "aws:ecr/repository:Repository";
describeResourceRule(edge.ecrImmutableTags, ECR, repository, [
  ["tags are mutable", (p) => (p.imageTagMutability = "MUTABLE"), /image tags are mutable/],
  ["mutability is left to the default", (p) => delete p.imageTagMutability, /imageTagMutability "MUTABLE"/],
]);
describeResourceRule(edge.ecrScanOnPush, ECR, repository, [
  ["scan on push is off", (p) => (p.imageScanningConfiguration.scanOnPush = false), /not scanned on push/],
]);
describeResourceRule(
  edge.ecrNoPublicPolicy,
  "aws:ecr/repositoryPolicy:RepositoryPolicy",
  {
    policy: JSON.stringify({
      Statement: [
        { Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:root" }, Action: "ecr:BatchGetImage" },
      ],
    }),
  },
  [
    [
      "any principal may pull",
      (p) =>
        (p.policy = JSON.stringify({
          Statement: [{ Sid: "Pull", Effect: "Allow", Principal: "*", Action: "ecr:BatchGetImage" }],
        })),
      /statement Pull allows any principal/,
    ],
  ],
);

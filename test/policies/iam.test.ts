import * as iam from "../../policies/rules/iam";
import { describeResourceRule, stackViolations } from "./support";

const ROLE = "aws:iam/role:Role";
const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";
const ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment";
const ISSUER = "oidc.eks.us-east-1.amazonaws.com/id/D99809C75A60D46FF34713F749D203B5";

// The shapes of the v1 plan: documents are JSON strings.
const policyDoc = {
  Version: "2012-10-17",
  Statement: [
    {
      Sid: "ScaleOnlyThisClustersGroups",
      Effect: "Allow",
      Action: ["autoscaling:SetDesiredCapacity"],
      Resource: "*",
      Condition: { StringEquals: { "aws:ResourceTag/k8s.io/cluster-autoscaler/enabled": "true" } },
    },
    { Sid: "Describe", Effect: "Allow", Action: ["ec2:DescribeImages"], Resource: "*" },
  ],
};
const rolePolicy = { role: "addons-cluster-autoscaler-role-id", policy: JSON.stringify(policyDoc) };
const withStatement = (p: any, change: (s: any) => void) => {
  const doc = JSON.parse(p.policy);
  change(doc.Statement[0]);
  p.policy = JSON.stringify(doc);
};

describeResourceRule(iam.iamNoWildcardActions, ROLE_POLICY, rolePolicy, [
  [
    'an action is "*"',
    (p) => withStatement(p, (s) => (s.Action = "*")),
    /statement "ScaleOnlyThisClustersGroups" allows "\*"/,
  ],
  ["an action is a whole service", (p) => withStatement(p, (s) => (s.Action = ["es:*"])), /allows "es:\*"/],
  [
    "a statement allows through NotAction",
    (p) => withStatement(p, (s) => (s.NotAction = ["iam:*"])),
    /allows everything but a list \(NotAction\)/,
  ],
  ["the document does not parse", (p) => (p.policy = "{not json"), /cannot be read as an IAM policy document/],
]);

describeResourceRule(iam.iamNoPrivilegeEscalation, ROLE_POLICY, rolePolicy, [
  [
    "iam:PassRole is allowed on every resource",
    (p) => withStatement(p, (s) => (s.Action = ["iam:PassRole"])),
    /allows iam:PassRole on every resource/,
  ],
  [
    "sts:AssumeRole is allowed on NotResource",
    (p) =>
      withStatement(p, (s) => {
        delete s.Resource;
        s.NotResource = "arn:aws:iam::123456789012:role/x";
        s.Action = "sts:AssumeRole";
      }),
    /allows sts:AssumeRole on every resource/,
  ],
]);

describeResourceRule(
  iam.iamNoAdminManagedPolicies,
  ATTACHMENT,
  { role: "storyforge-v1-eks-node", policyArn: "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy" },
  [
    [
      "AdministratorAccess is attached",
      (p) => (p.policyArn = "arn:aws:iam::aws:policy/AdministratorAccess"),
      /attaches arn:aws:iam::aws:policy\/AdministratorAccess/,
    ],
    [
      "IAMFullAccess is attached",
      (p) => (p.policyArn = "arn:aws:iam::aws:policy/IAMFullAccess"),
      /attaches arn:aws:iam::aws:policy\/IAMFullAccess/,
    ],
  ],
);

const trust = {
  name: "storyforge-v1-kube-system-cluster-autoscaler",
  assumeRolePolicy: JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Federated: `arn:aws:iam::123456789012:oidc-provider/${ISSUER}` },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: {
            [`${ISSUER}:sub`]: "system:serviceaccount:kube-system:cluster-autoscaler",
            [`${ISSUER}:aud`]: "sts.amazonaws.com",
          },
        },
      },
    ],
  }),
};
const withTrust = (p: any, change: (s: any) => void) => {
  const doc = JSON.parse(p.assumeRolePolicy);
  change(doc.Statement[0]);
  p.assumeRolePolicy = JSON.stringify(doc);
};

describeResourceRule(iam.irsaTrustScoped, ROLE, trust, [
  [
    "the subject is a wildcard",
    (p) => withTrust(p, (s) => (s.Condition.StringEquals[`${ISSUER}:sub`] = "system:serviceaccount:kube-system:*")),
    /trusts "system:serviceaccount:kube-system:\*", not one service account/,
  ],
  [
    "the subject moves to StringLike",
    (p) =>
      withTrust(p, (s) => {
        delete s.Condition.StringEquals[`${ISSUER}:sub`];
        s.Condition.StringLike = { [`${ISSUER}:sub`]: "system:serviceaccount:kube-system:cluster-autoscaler" };
      }),
    /does not pin the service account|matches :sub with StringLike/,
  ],
  [
    "the audience is not pinned",
    (p) => withTrust(p, (s) => delete s.Condition.StringEquals[`${ISSUER}:aud`]),
    /does not pin :aud to sts\.amazonaws\.com/,
  ],
  [
    "it also allows sts:AssumeRole",
    (p) => withTrust(p, (s) => (s.Action = ["sts:AssumeRoleWithWebIdentity", "sts:AssumeRole"])),
    /only sts:AssumeRoleWithWebIdentity/,
  ],
]);

describeResourceRule(
  iam.iamTrustNoPublicPrincipal,
  ROLE,
  {
    assumeRolePolicy: JSON.stringify({
      Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
    }),
  },
  [
    [
      "the principal is every AWS account",
      (p) =>
        (p.assumeRolePolicy = JSON.stringify({
          Statement: [{ Effect: "Allow", Principal: { AWS: "*" }, Action: "sts:AssumeRole" }],
        })),
      /trusts every AWS principal/,
    ],
  ],
);

describe("eks-node-role-least-privilege (M)", () => {
  const nodeRole = { type: ROLE, name: "cluster-node-role", inputs: { name: "storyforge-v1-eks-node" } };
  const group = {
    type: "aws:eks/nodeGroup:NodeGroup",
    name: "cluster-worker",
    inputs: { nodeRoleArn: "arn:aws:iam::123456789012:role/storyforge-v1-eks-node" },
  };
  const attach = (name: string, arn: string) => ({
    type: ATTACHMENT,
    name,
    inputs: { role: "storyforge-v1-eks-node", policyArn: arn },
  });
  const shipped = [
    nodeRole,
    group,
    attach("worker", "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy"),
    attach("ecr", "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly"),
  ];
  it("passes a node role with the worker and ECR read-only policies", () =>
    expect(stackViolations(iam.eksNodeRoleLeastPrivilege, shipped)).toEqual([]));
  it("fails the CNI policy on the node role (it belongs on aws-node's IRSA role)", () =>
    expect(
      stackViolations(iam.eksNodeRoleLeastPrivilege, [
        ...shipped,
        attach("cni", "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy"),
      ]),
    ).toEqual([
      expect.objectContaining({
        resource: "cluster-node-role",
        message: expect.stringMatching(/AmazonEKS_CNI_Policy attached/),
      }),
    ]));
  it("fails an inline policy on the node role", () =>
    expect(
      stackViolations(iam.eksNodeRoleLeastPrivilege, [
        ...shipped,
        { type: ROLE_POLICY, name: "node-extra", inputs: { role: "cluster-node-role-id", policy: "{}" } },
      ]),
    ).toEqual([expect.objectContaining({ message: expect.stringMatching(/inline policy "node-extra"/) })]));
});

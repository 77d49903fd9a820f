import * as cluster from "../../policies/rules/cluster";
import { eksCluster, launchTemplate, nodeGroup, T, tags } from "./fixtures";
import { describeResourceRule, stackViolations } from "./support";

describeResourceRule(cluster.eksSecretsEncryption, T.eksCluster, eksCluster, [
  ["encryption covers no secrets", (p) => (p.encryptionConfig.resources = []), /secrets are not encrypted/],
  ["no KMS key is named", (p) => (p.encryptionConfig.provider.keyArn = ""), /names no KMS key/],
]);

describeResourceRule(cluster.eksEndpointNotOpen, T.eksCluster, eksCluster, [
  [
    "the public endpoint is on with no CIDR list",
    (p) => (p.vpcConfig.endpointPublicAccess = true),
    /open to 0\.0\.0\.0\/0/,
  ],
  [
    "the public endpoint is left at the provider default",
    (p) => delete p.vpcConfig.endpointPublicAccess,
    /open to 0\.0\.0\.0\/0/,
  ],
]);
describeResourceRule(
  cluster.eksEndpointNotOpen,
  T.eksCluster,
  {
    ...eksCluster,
    vpcConfig: { ...eksCluster.vpcConfig, endpointPublicAccess: true, publicAccessCidrs: ["203.0.113.0/24"] },
  },
  [
    [
      "the allow-list includes 0.0.0.0/0",
      (p) => p.vpcConfig.publicAccessCidrs.push("0.0.0.0/0"),
      /admits 0\.0\.0\.0\/0/,
    ],
  ],
);

describeResourceRule(cluster.eksControlPlaneLogging, T.eksCluster, eksCluster, [
  [
    "audit logs are off",
    (p) => (p.enabledClusterLogTypes = p.enabledClusterLogTypes.filter((t: string) => t !== "audit")),
    /not enabled: audit/,
  ],
]);

describeResourceRule(cluster.eksNodesNoSsh, T.nodeGroup, nodeGroup, [
  ["the node group has remote access", (p) => (p.remoteAccess = { ec2SshKey: "ops" }), /remoteAccess/],
]);
describeResourceRule(cluster.eksNodesNoSsh, T.launchTemplate, launchTemplate, [
  ["the launch template sets a key pair", (p) => (p.keyName = "ops"), /key pair "ops"/],
]);

describeResourceRule(cluster.eksImdsv2, T.launchTemplate, launchTemplate, [
  ["IMDSv1 is allowed", (p) => (p.metadataOptions.httpTokens = "optional"), /httpTokens` is "optional"/],
  ["the hop limit is 2", (p) => (p.metadataOptions.httpPutResponseHopLimit = 2), /HopLimit` is 2, not 1/],
]);
describeResourceRule(cluster.eksImdsv2, T.nodeGroup, nodeGroup, [
  ["the node group has no launch template", (p) => delete p.launchTemplate, /no launch template/],
]);

describeResourceRule(cluster.eksNodeGroupSpread, T.nodeGroup, nodeGroup, [
  ["the minimum is one node", (p) => (p.scalingConfig.minSize = 1), /minSize` is 1/],
  ["all nodes sit in one subnet", (p) => (p.subnetIds = ["private-0-id"]), /runs in 1 subnet/],
]);

describe("eks-nodes-in-private-subnets (M)", () => {
  const subnet = (name: string, extra: Record<string, unknown> = {}) => ({
    type: T.subnet,
    name,
    inputs: {
      vpcId: "vpc-id",
      cidrBlock: "10.0.0.0/20",
      tags: { ...tags, "kubernetes.io/role/internal-elb": "1" },
      ...extra,
    },
  });
  const plan = [
    subnet("private-0"),
    subnet("private-1"),
    subnet("private-2"),
    { type: T.nodeGroup, name: "nodes", inputs: nodeGroup },
  ];
  it("passes node groups in private subnets", () => {
    expect(stackViolations(cluster.eksNodesInPrivateSubnets, plan)).toEqual([]);
  });
  it("fails a node group in a subnet that maps public IPs", () => {
    const open = plan.map((r) => (r.name === "private-1" ? subnet("private-1", { mapPublicIpOnLaunch: true }) : r));
    expect(stackViolations(cluster.eksNodesInPrivateSubnets, open)).toEqual([
      { resource: "nodes", message: 'eks.NodeGroup "nodes": runs in public subnet "private-1"' },
    ]);
  });
  it("fails a node group in a subnet tagged for internet-facing load balancers", () => {
    const elb = plan.map((r) =>
      r.name === "private-2" ? subnet("private-2", { tags: { ...tags, "kubernetes.io/role/elb": "1" } }) : r,
    );
    expect(stackViolations(cluster.eksNodesInPrivateSubnets, elb)[0]?.message).toMatch(/public subnet "private-2"/);
  });
  it("fails a node group in a subnet the stack does not declare", () => {
    expect(stackViolations(cluster.eksNodesInPrivateSubnets, plan.slice(1))[0]?.message).toMatch(
      /"private-0-id" is not one of this stack's subnets/,
    );
  });
});

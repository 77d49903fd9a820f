/**
 * EKS: the control plane (secrets encryption, endpoint exposure, logging) and the managed node groups
 * (private subnets, no SSH, IMDSv2, spread). Sources: Checkov, CIS Amazon EKS Benchmark.
 */
import type { PolicyResource } from "@pulumi/policy";
import { asArray, ofType, refersTo, resourceRule, stackRule, type Props, type Rule } from "./kit";

export const EKS_CLUSTER = ["aws:eks/cluster:Cluster"] as const;
export const NODE_GROUP = ["aws:eks/nodeGroup:NodeGroup"] as const;
export const LAUNCH_TEMPLATE = ["aws:ec2/launchTemplate:LaunchTemplate"] as const;
export const SUBNET = ["aws:ec2/subnet:Subnet"] as const;

const ANYWHERE = ["0.0.0.0/0", "::/0"];
const CONTROL_PLANE_LOGS = ["api", "audit", "authenticator", "controllerManager", "scheduler"];

export const eksSecretsEncryption = resourceRule({
  name: "eks-secrets-encryption",
  description: "EKS clusters envelope-encrypt Kubernetes secrets with a KMS key.",
  level: "M",
  sources: ["CKV_AWS_58", "CIS EKS 5.3.1"],
  types: EKS_CLUSTER,
  check: (props, _ctx, report) => {
    const configs = asArray(props.encryptionConfig);
    const secrets = configs.find((c) => asArray(c?.resources).includes("secrets"));
    if (secrets === undefined)
      report('Kubernetes secrets are not encrypted (`encryptionConfig.resources` lacks "secrets")');
    else if (typeof secrets.provider?.keyArn !== "string" || secrets.provider.keyArn === "") {
      report("secrets encryption names no KMS key (`encryptionConfig.provider.keyArn`)");
    }
  },
});

export const eksEndpointNotOpen = resourceRule({
  name: "eks-endpoint-not-open",
  description: "The EKS API endpoint is private, or public only to listed CIDRs other than 0.0.0.0/0.",
  level: "T",
  // CKV_AWS_39 and CIS 5.4.2 require no public endpoint at all, stricter than this rule (research note §1).
  sources: ["CKV_AWS_38", "CIS EKS 5.4.1"],
  types: EKS_CLUSTER,
  check: (props, _ctx, report) => {
    const vpc = props.vpcConfig ?? {};
    // The provider's default is a public endpoint open to 0.0.0.0/0.
    if (vpc.endpointPublicAccess === false) return;
    const cidrs = asArray(vpc.publicAccessCidrs);
    if (cidrs.length === 0) report("the public API endpoint is open to 0.0.0.0/0 (no `vpcConfig.publicAccessCidrs`)");
    else if (cidrs.some((c) => ANYWHERE.includes(c)))
      report(`the public API endpoint admits ${cidrs.filter((c) => ANYWHERE.includes(c)).join(", ")}`);
  },
});

export const eksControlPlaneLogging = resourceRule({
  name: "eks-control-plane-logging",
  description: "EKS clusters send all five control-plane log types to CloudWatch.",
  level: "T",
  sources: ["CKV_AWS_37", "CIS EKS 2.1.1"],
  types: EKS_CLUSTER,
  check: (props, _ctx, report) => {
    const enabled = asArray(props.enabledClusterLogTypes);
    const missing = CONTROL_PLANE_LOGS.filter((t) => !enabled.includes(t));
    if (missing.length > 0) report(`control-plane logs not enabled: ${missing.join(", ")}`);
  },
});

export const eksNodesNoSsh = resourceRule({
  name: "eks-nodes-no-ssh",
  description:
    "Worker nodes accept no SSH from anywhere: no remote access on node groups, no key pair on launch templates.",
  level: "M",
  sources: ["CKV_AWS_100"],
  types: [...NODE_GROUP, ...LAUNCH_TEMPLATE],
  check: (props, ctx, report) => {
    if (NODE_GROUP.includes(ctx.type as (typeof NODE_GROUP)[number])) {
      if (props.remoteAccess !== undefined && props.remoteAccess !== null)
        report("`remoteAccess` opens SSH to the nodes");
    } else if (typeof props.keyName === "string" && props.keyName !== "") {
      report(`key pair "${props.keyName}" allows SSH to the nodes`);
    }
  },
});

function isPublicSubnet(subnet: PolicyResource): boolean {
  const tags: Props = subnet.props.tags ?? {};
  return subnet.props.mapPublicIpOnLaunch === true || tags["kubernetes.io/role/elb"] !== undefined;
}

export const eksNodesInPrivateSubnets = stackRule({
  name: "eks-nodes-in-private-subnets",
  description:
    "Node groups run only in this stack's private subnets (no public IP on launch, not tagged kubernetes.io/role/elb).",
  level: "M",
  sources: ["CIS EKS 5.4.3 (private nodes)", "CKV_AWS_130 (no public IP on launch)"],
  check: (resources, _ctx, report) => {
    const subnets = ofType(resources, SUBNET);
    for (const group of ofType(resources, NODE_GROUP)) {
      for (const id of asArray(group.props.subnetIds)) {
        const subnet = subnets.find((s) => refersTo(id, s));
        if (subnet === undefined)
          report(
            `subnet ${JSON.stringify(id)} is not one of this stack's subnets, so it cannot be shown private`,
            group,
          );
        else if (isPublicSubnet(subnet)) report(`runs in public subnet "${subnet.name}"`, group);
      }
    }
  },
});

export const eksImdsv2 = resourceRule({
  name: "eks-imdsv2-hop-limit",
  description:
    "Nodes require IMDSv2 with a hop limit of 1, so pods cannot reach the node's instance credentials; node groups use a launch template that says so.",
  level: "T",
  sources: ["CKV_AWS_79", "CKV_AWS_341"],
  types: [...NODE_GROUP, ...LAUNCH_TEMPLATE],
  check: (props, ctx, report) => {
    if (NODE_GROUP.includes(ctx.type as (typeof NODE_GROUP)[number])) {
      if (props.launchTemplate === undefined || props.launchTemplate === null) {
        report("has no launch template, so the instance-metadata defaults (hop limit 2) apply");
      }
      return;
    }
    const metadata = props.metadataOptions ?? {};
    if (metadata.httpTokens !== "required")
      report(`\`metadataOptions.httpTokens\` is ${JSON.stringify(metadata.httpTokens ?? "optional")}, not "required"`);
    if (metadata.httpPutResponseHopLimit !== 1) {
      report(
        `\`metadataOptions.httpPutResponseHopLimit\` is ${String(metadata.httpPutResponseHopLimit ?? "unset")}, not 1`,
      );
    }
  },
});

export const eksNodeGroupSpread = resourceRule({
  name: "eks-node-group-spread",
  description: "Node groups keep at least two nodes, across at least two subnets (zones).",
  level: "T",
  sources: ["AWS EKS best practices (reliability: spread nodes across AZs)"],
  types: NODE_GROUP,
  check: (props, _ctx, report) => {
    const min = props.scalingConfig?.minSize;
    if (typeof min !== "number" || min < 2)
      report(`\`scalingConfig.minSize\` is ${String(min ?? "unset")}; at least 2 are required`);
    const subnets = new Set(asArray(props.subnetIds));
    if (subnets.size < 2) report(`runs in ${subnets.size} subnet(s); at least 2 zones are required`);
  },
});

export const clusterRules: readonly Rule[] = [
  eksSecretsEncryption,
  eksEndpointNotOpen,
  eksControlPlaneLogging,
  eksNodesNoSsh,
  eksNodesInPrivateSubnets,
  eksImdsv2,
  eksNodeGroupSpread,
];

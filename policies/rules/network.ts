/**
 * Network: security-group ingress and VPC flow logs. Ingress is checked in all three AWS spellings: the
 * `aws.vpc.SecurityGroupIngressRule` the program uses, the older `aws.ec2.SecurityGroupRule`, and inline
 * `ingress` blocks on `aws.ec2.SecurityGroup`.
 */
import type { PolicyResource } from "@pulumi/policy";
import { RDS_INSTANCE, REPLICATION_GROUP, SEARCH_DOMAIN } from "./data";
import { asArray, ofType, refersTo, resourceRule, stackRule, type Props, type Rule } from "./kit";

export const SECURITY_GROUP = ["aws:ec2/securityGroup:SecurityGroup"] as const;
export const INGRESS_RULE = ["aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"] as const;
export const SECURITY_GROUP_RULE = ["aws:ec2/securityGroupRule:SecurityGroupRule"] as const;
export const VPC = ["aws:ec2/vpc:Vpc"] as const;
export const FLOW_LOG = ["aws:ec2/flowLog:FlowLog"] as const;

const ANYWHERE = ["0.0.0.0/0", "::/0"];
const ADMIN_PORTS: ReadonlyArray<[number, string]> = [
  [22, "SSH"],
  [3389, "RDP"],
];

/** One ingress permission, whatever spelling it came in. */
interface Ingress {
  protocol: string;
  fromPort: number | undefined;
  toPort: number | undefined;
  cidrs: string[];
  /** Sources that are security groups (or the group itself). */
  groupSources: string[];
}

function allProtocols(protocol: string): boolean {
  return protocol === "-1" || protocol === "all";
}

function ingressOfRule(props: Props): Ingress {
  return {
    protocol: String(props.ipProtocol ?? ""),
    fromPort: props.fromPort,
    toPort: props.toPort,
    cidrs: [props.cidrIpv4, props.cidrIpv6, props.prefixListId].filter((c): c is string => typeof c === "string"),
    groupSources: typeof props.referencedSecurityGroupId === "string" ? [props.referencedSecurityGroupId] : [],
  };
}

function ingressOfLegacyRule(props: Props): Ingress {
  return {
    protocol: String(props.protocol ?? ""),
    fromPort: props.fromPort,
    toPort: props.toPort,
    cidrs: [...asArray(props.cidrBlocks), ...asArray(props.ipv6CidrBlocks), ...asArray(props.prefixListIds)],
    groupSources: [
      ...(typeof props.sourceSecurityGroupId === "string" ? [props.sourceSecurityGroupId] : []),
      ...(props.self === true ? ["self"] : []),
    ],
  };
}

function ingressOfInline(block: Props): Ingress {
  return {
    protocol: String(block.protocol ?? ""),
    fromPort: block.fromPort,
    toPort: block.toPort,
    cidrs: [...asArray(block.cidrBlocks), ...asArray(block.ipv6CidrBlocks), ...asArray(block.prefixListIds)],
    groupSources: [...asArray(block.securityGroups), ...(block.self === true ? ["self"] : [])],
  };
}

/** Every ingress permission a resource declares (none for resources of other types or egress rules). */
export function ingressOf(type: string, props: Props): Ingress[] {
  if (INGRESS_RULE.includes(type as (typeof INGRESS_RULE)[number])) return [ingressOfRule(props)];
  if (SECURITY_GROUP_RULE.includes(type as (typeof SECURITY_GROUP_RULE)[number])) {
    return props.type === "ingress" ? [ingressOfLegacyRule(props)] : [];
  }
  if (SECURITY_GROUP.includes(type as (typeof SECURITY_GROUP)[number]))
    return asArray(props.ingress).map(ingressOfInline);
  return [];
}

function covers(ingress: Ingress, port: number): boolean {
  if (allProtocols(ingress.protocol)) return true;
  const from = ingress.fromPort ?? 0;
  const to = ingress.toPort ?? 65535;
  return from <= port && port <= to;
}

function allPorts(ingress: Ingress): boolean {
  return allProtocols(ingress.protocol) || ((ingress.fromPort ?? 0) <= 0 && (ingress.toPort ?? 65535) >= 65535);
}

export const noOpenAdminIngress = resourceRule({
  name: "no-open-admin-ingress",
  description: "No security group admits 0.0.0.0/0 (or ::/0) on port 22, port 3389 or all ports.",
  level: "M",
  sources: ["CKV_AWS_24", "CKV_AWS_25", "CKV_AWS_277"],
  types: [...SECURITY_GROUP, ...INGRESS_RULE, ...SECURITY_GROUP_RULE],
  check: (props, ctx, report) => {
    for (const ingress of ingressOf(ctx.type, props)) {
      const open = ingress.cidrs.filter((c) => ANYWHERE.includes(c));
      if (open.length === 0) continue;
      if (allPorts(ingress)) {
        report(`admits ${open.join(", ")} on all ports`);
        continue;
      }
      for (const [port, what] of ADMIN_PORTS) {
        if (covers(ingress, port)) report(`admits ${open.join(", ")} on port ${port} (${what})`);
      }
    }
  },
});

/** Security groups attached to RDS, ElastiCache or OpenSearch. */
export function dataTierGroups(resources: readonly PolicyResource[]): PolicyResource[] {
  const attached: unknown[] = [
    ...ofType(resources, RDS_INSTANCE).flatMap((r) => asArray(r.props.vpcSecurityGroupIds)),
    ...ofType(resources, REPLICATION_GROUP).flatMap((r) => asArray(r.props.securityGroupIds)),
    ...ofType(resources, SEARCH_DOMAIN).flatMap((r) => asArray(r.props.vpcOptions?.securityGroupIds)),
  ];
  return ofType(resources, SECURITY_GROUP).filter((sg) => attached.some((id) => refersTo(id, sg)));
}

export const dataTierIngressFromGroups = stackRule({
  name: "data-tier-ingress-from-security-groups",
  description:
    "Security groups of the data tier (RDS, ElastiCache, OpenSearch) admit traffic only from other security groups, never from CIDR ranges.",
  level: "M",
  sources: ["AWS Well-Architected SEC05-BP02 (control traffic at all layers)"],
  check: (resources, _ctx, report) => {
    for (const sg of dataTierGroups(resources)) {
      const rules = [
        ...ofType(resources, INGRESS_RULE).filter((r) => refersTo(r.props.securityGroupId, sg)),
        ...ofType(resources, SECURITY_GROUP_RULE).filter((r) => refersTo(r.props.securityGroupId, sg)),
      ];
      for (const rule of rules) {
        for (const ingress of ingressOf(rule.type, rule.props)) {
          if (ingress.cidrs.length > 0) {
            report(
              `admits ${ingress.cidrs.join(", ")} into data-tier group "${sg.name}"; use a security-group reference`,
              rule,
            );
          } else if (ingress.groupSources.length === 0) {
            report(`admits traffic into data-tier group "${sg.name}" without a security-group source`, rule);
          }
        }
      }
      for (const ingress of ingressOf(sg.type, sg.props)) {
        if (ingress.cidrs.length > 0) {
          report(
            `inline ingress admits ${ingress.cidrs.join(", ")}; the data tier admits only security-group references`,
            sg,
          );
        }
      }
    }
  },
});

export const vpcFlowLogs = stackRule({
  name: "vpc-flow-logs",
  description: "Every VPC records flow logs of all traffic (mandatory from v1).",
  level: "T",
  sources: ["CKV2_AWS_11"],
  check: (resources, _ctx, report) => {
    const flowLogs = ofType(resources, FLOW_LOG);
    for (const vpc of ofType(resources, VPC)) {
      const own = flowLogs.filter((f) => refersTo(f.props.vpcId, vpc));
      if (own.length === 0) report("has no flow log", vpc);
      // Rejected-only logs miss the accepted connection an investigation needs.
      else if (!own.some((f) => (f.props.trafficType ?? "ALL") === "ALL"))
        report(`flow logs record only ${own.map((f) => String(f.props.trafficType)).join(", ")} traffic, not ALL`, vpc);
    }
  },
});

export const networkRules: readonly Rule[] = [noOpenAdminIngress, dataTierIngressFromGroups, vpcFlowLogs];

/**
 * Pieces every data service repeats: a KMS key of its own, and a security group that admits its one port from
 * named security groups only, never from a CIDR (policy: data-tier groups admit only group references).
 */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { type StackContext } from "../lib/context";

/** A security group another component's traffic comes from. */
export interface TrafficSource {
  /** Short label for the rule's name and description, e.g. "workloads". */
  label: string;
  securityGroupId: pulumi.Input<string>;
}

export interface ServiceSecurityGroupArgs {
  context: StackContext;
  vpcId: pulumi.Input<string>;
  /** Name part, e.g. "database". */
  part: string;
  /** The one TCP port the service listens on. */
  port: number;
  /** Who may connect. At least one. */
  sources: TrafficSource[];
  parent: pulumi.Resource;
}

/** A data service's security group and its ingress rules, by source label (what a first connection waits for). */
export interface ServiceSecurityGroup {
  group: aws.ec2.SecurityGroup;
  ingress: Record<string, aws.vpc.SecurityGroupIngressRule>;
}

export function serviceSecurityGroup(name: string, args: ServiceSecurityGroupArgs): ServiceSecurityGroup {
  const { context, part, port, sources, parent } = args;
  if (sources.length === 0) throw new Error(`${part}: sources must name at least one security group`);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new Error(`${part}: port must be 1-65535, got ${port}`);
  // No egress rules: the provider removes AWS's default allow-all egress, and a data service initiates nothing.
  const group = new aws.ec2.SecurityGroup(
    `${name}-sg`,
    {
      vpcId: args.vpcId,
      name: context.name(part),
      // Fixed text: `description` forces replacement (terraform-provider-aws aws_security_group), and the
      // replacement would be created first under the same `name` (InvalidGroup.Duplicate) with RDS, ElastiCache or
      // OpenSearch still attached. Sources and the port live in the rules' descriptions, which update in place.
      description: `StoryForge ${part}: admits named security groups only`,
      tags: context.tags({ Name: context.name(part) }),
    },
    { parent },
  );
  const ingress: Record<string, aws.vpc.SecurityGroupIngressRule> = {};
  for (const source of sources) {
    ingress[source.label] = new aws.vpc.SecurityGroupIngressRule(
      `${name}-from-${source.label}`,
      {
        securityGroupId: group.id,
        referencedSecurityGroupId: source.securityGroupId,
        ipProtocol: "tcp",
        fromPort: port,
        toPort: port,
        description: `${part} from ${source.label}`,
        tags: context.tags(),
      },
      { parent },
    );
  }
  return { group, ingress };
}

export interface EncryptionKeyOptions {
  /**
   * Keep the key when the stack is destroyed (Pulumi `retainOnDelete`): a final snapshot or retained backup
   * outlives its database, and one whose key is scheduled for deletion can never be restored.
   * @default false
   */
  outlivesStack?: boolean;
}

/** A customer-managed KMS key with yearly rotation, and an alias naming its stack and use. */
export function encryptionKey(
  name: string,
  context: StackContext,
  part: string,
  parent: pulumi.Resource,
  opts: EncryptionKeyOptions = {},
): aws.kms.Key {
  const key = new aws.kms.Key(
    `${name}-key`,
    {
      description: `StoryForge ${context.config.stack} ${part} encryption`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      tags: context.tags(),
    },
    { parent, retainOnDelete: opts.outlivesStack ?? false },
  );
  new aws.kms.Alias(`${name}-key-alias`, { name: `alias/${context.name(part)}`, targetKeyId: key.keyId }, { parent });
  return key;
}

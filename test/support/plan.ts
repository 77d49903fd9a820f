/** Small readers over a plan, shared by the plan-based tests. */
import { type Plan, type PlannedResource } from "../../tools/plan/harness";

export type Inputs = Record<string, any>;

export function ofType(plan: Plan, type: string): PlannedResource[] {
  return plan.resources.filter((r) => r.type === type);
}

export function one(plan: Plan, type: string, name?: string): PlannedResource {
  const found = ofType(plan, type).filter((r) => name === undefined || r.name === name);
  if (found.length !== 1) throw new Error(`expected one ${type}${name ? ` named ${name}` : ""}, found ${found.length}`);
  return found[0];
}

export function inputs(r: PlannedResource): Inputs {
  return r.inputs;
}

/**
 * A plan runs the program under the CLI's loader in a child process (type-checked by ts-node): 20-40 s on an idle
 * 2-core machine, minutes on a loaded one, or a wait for another process planning the same stack (the cache lock).
 */
export const PLAN_TIMEOUT_MS = 600_000;

export const T = {
  rds: "aws:rds/instance:Instance",
  redis: "aws:elasticache/replicationGroup:ReplicationGroup",
  redisParams: "aws:elasticache/parameterGroup:ParameterGroup",
  rdsParams: "aws:rds/parameterGroup:ParameterGroup",
  search: "aws:opensearch/domain:Domain",
  nat: "aws:ec2/natGateway:NatGateway",
  subnet: "aws:ec2/subnet:Subnet",
  sg: "aws:ec2/securityGroup:SecurityGroup",
  ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  secret: "aws:secretsmanager/secret:Secret",
  flowLog: "aws:ec2/flowLog:FlowLog",
  endpoint: "aws:ec2/vpcEndpoint:VpcEndpoint",
} as const;

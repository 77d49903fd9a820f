/** Small readers over a plan, shared by the plan-based tests. */
import {
  type Plan,
  type PlannedResource,
  type ProgramRun,
  REPO_ROOT,
  readStackFile,
  runProgram,
} from "../../tools/plan/harness";
import { strictAnswers } from "../../tools/plan/mocks";

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

/**
 * Runs a tier stack's program the CLI's way under the strict mocks, except for the provider functions `answer`
 * answers itself (it returns undefined for the rest): how a test makes AWS say something else.
 */
export function runTierWithAnswers(
  stack: string,
  answer: (token: string, args: Inputs, strict: (token: string, args: Inputs) => Inputs) => Inputs | undefined,
  opts: { mode?: "update" | "preview" } = {},
): Promise<ProgramRun> {
  const strict = strictAnswers({ region: "us-east-1" });
  const { file, values } = readStackFile(stack, REPO_ROOT);
  return runProgram({
    projectDir: REPO_ROOT,
    stack,
    values,
    stackFile: file,
    mode: opts.mode,
    answers: { ...strict, invoke: (token, args) => answer(token, args, strict.invoke) ?? strict.invoke(token, args) },
  });
}

/**
 * The deployer's route to the EKS API is an explicit choice per stack (storyforge:deployerAccess): without it the
 * program stops with a config error before it registers a single resource; with in-vpc the endpoint stays private
 * and the cluster's security group admits HTTPS from inside the VPC, where the deploy runs.
 */
import { failureOf, runProgram, planStack, type Plan, REPO_ROOT } from "../../tools/plan/harness";
import { PLAN_TIMEOUT_MS } from "../support/plan";

test(
  "a stack that does not say how the deployer reaches the cluster stops before any resource, naming the keys",
  async () => {
    const run = await runProgram({
      projectDir: REPO_ROOT,
      stack: "fresh",
      values: { "aws:region": "us-east-1", "storyforge:tier": "mvp" },
      stackFile: "Pulumi.fresh.yaml",
    });
    expect(run.exitCode).not.toBe(0);
    expect(failureOf(run)).toMatch(
      /^Pulumi\.fresh\.yaml: storyforge:deployerAccess is required: .*"public-cidrs" with storyforge:clusterPublicAccessCidrs .*"in-vpc"/,
    );
    expect(run.registrations.map((r) => r.type)).toEqual(["pulumi:pulumi:Stack"]);
  },
  PLAN_TIMEOUT_MS,
);

describe("in-vpc (the committed stacks)", () => {
  let plan: Plan;
  beforeAll(async () => {
    plan = await planStack("v1");
  }, PLAN_TIMEOUT_MS);

  test("the API endpoint is private and the cluster's security group admits HTTPS from the VPC's own CIDR", () => {
    const eks = plan.resources.find((r) => r.type === "aws:eks/cluster:Cluster")!;
    expect(eks.inputs.vpcConfig).toMatchObject({ endpointPrivateAccess: true, endpointPublicAccess: false });
    const vpc = plan.resources.find((r) => r.type === "aws:ec2/vpc:Vpc")!;
    const rule = plan.resources.find((r) => r.name === "cluster-deployer-api")!;
    expect(rule.type).toBe("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
    expect(rule.inputs).toMatchObject({
      // The security group EKS made for the cluster (its computed output, as the mocks answer it).
      securityGroupId: expect.stringMatching(/^sg-eks-cluster-/),
      ipProtocol: "tcp",
      fromPort: 443,
      toPort: 443,
      cidrIpv4: vpc.inputs.cidrBlock,
    });
    expect(rule.dependencies).toContain(eks.name);
  });
});

import { capacityAddsUp, cpuMillicores, declaredTier, memoryMiB } from "../../policies/rules/capacity";
import { costWithinBudget } from "../../policies/rules/cost";
import { offlineIdOf, policyResources } from "../../policies/evaluate";
import { TIERS } from "../../stacks/tiers";
import { apiDeployment, apiHpa, nodeGroup, rdsPrimary, T } from "./fixtures";
import { mutate, stackViolations } from "./support";

const v1 = TIERS.v1;
const apiNodes = {
  type: T.nodeGroup,
  name: "cluster-api-nodes",
  inputs: {
    ...nodeGroup,
    instanceTypes: [v1.compute.api.instanceClass],
    labels: { role: "api" },
    scalingConfig: { minSize: 5, desiredSize: 5, maxSize: 20 },
  },
};
const apiHpaV1 = {
  type: T.hpa,
  name: "api-hpa",
  inputs: mutate(apiHpa, (p) => (p.spec.maxReplicas = v1.workloads.api.maxReplicas)),
};
const plan = [apiNodes, { type: T.deployment, name: "api", inputs: apiDeployment }, apiHpaV1];

describe("capacity-adds-up (M)", () => {
  it("reads Kubernetes quantities", () => {
    expect([cpuMillicores("500m"), cpuMillicores("2"), memoryMiB("512Mi"), memoryMiB("1Gi")]).toEqual([
      500, 2000, 512, 1024,
    ]);
  });
  it("feeds the stack's node groups and autoscaler maxima to checkCapacity", () => {
    const { spec, nodeGroups } = declaredTier(policyResources("v1", plan, offlineIdOf), v1);
    expect(nodeGroups.api).toEqual({ instanceClass: v1.compute.api.instanceClass, minSize: 5, maxSize: 20 });
    expect(spec.workloads.api.maxReplicas).toBe(v1.workloads.api.maxReplicas);
  });
  it("passes v1 with the api node group at 20 nodes", () => {
    expect(stackViolations(capacityAddsUp, plan, { tier: "v1" })).toEqual([]);
  });
  it("fails when the api node group's maximum cannot hold the HPA maximum", () => {
    const small = plan.map((r) =>
      r.name === "cluster-api-nodes"
        ? { ...r, inputs: mutate(r.inputs, (p: any) => (p.scalingConfig.maxSize = 1)) }
        : r,
    );
    const found = stackViolations(capacityAddsUp, small, { tier: "v1" });
    expect(found.length).toBeGreaterThan(0);
    expect(found[0]?.message).toMatch(/^api nodes: 15 api pods request \d+m CPU > 1 × c7g.xlarge/);
  });
  it("leaves the connection budget to capacity-connection-budget, which reads the plan's pgbouncer.ini (platform.test.ts)", () => {
    const huge = plan.map((r) =>
      r.name === "api-hpa" ? { ...r, inputs: mutate(r.inputs, (p: any) => (p.spec.maxReplicas = 5000)) } : r,
    );
    const messages = stackViolations(capacityAddsUp, huge, { tier: "v1" }).map((v) => v.message);
    expect(messages).toContainEqual(expect.stringMatching(/^api nodes: 5000 api pods/));
    expect(messages).not.toContainEqual(expect.stringMatching(/^pgbouncer clients:|^rds /));
  });
  it("reports a node class it has no capacity data for as a finding, not a crash", () => {
    const unknown = plan.map((r) =>
      r.name === "cluster-api-nodes"
        ? { ...r, inputs: mutate(r.inputs, (p: any) => (p.instanceTypes = ["m6g.xlarge"])) }
        : r,
    );
    expect(stackViolations(capacityAddsUp, unknown, { tier: "v1" })).toEqual([
      {
        message: expect.stringMatching(
          /^capacity-adds-up could not evaluate this: .*"m6g\.xlarge" is not in the instance catalog/,
        ),
      },
    ]);
  });
});

describe("cost-within-budget (T)", () => {
  const db = [
    {
      type: T.rds,
      name: "database-primary",
      inputs: {
        ...rdsPrimary,
        instanceClass: "db.m7g.xlarge",
        allocatedStorage: 500,
        storageType: "gp3",
        multiAz: false,
      },
    },
  ];
  it("passes an mvp-sized database at mvp", () => {
    expect(stackViolations(costWithinBudget, db, { tier: "mvp" })).toEqual([]);
  });
  it("fails the same database at mvp once it holds 100 TB, with the top lines", () => {
    const big = [{ ...db[0], inputs: mutate(db[0].inputs, (p) => (p.allocatedStorage = 100_000)) }];
    const found = stackViolations(costWithinBudget, big, { tier: "mvp" });
    expect(found).toHaveLength(1);
    expect(found[0]?.message).toMatch(
      /^mvp: expected \$[\d,.]+\/month is over the \$3,000(\.00)? budget[\s\S]*database-primary/,
    );
  });
});

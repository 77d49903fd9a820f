import { type Plan, planStack } from "../../tools/plan/harness";
import { inputs, ofType, one, PLAN_TIMEOUT_MS, T } from "../support/plan";
import { dataTierSuite } from "./data-tier.checks";

let plan: Plan;
beforeAll(async () => {
  plan = await planStack("mvp");
}, PLAN_TIMEOUT_MS);

const rds = () => ofType(plan, T.rds).map(inputs);

describe("mvp stack (seed 000 §8: 10K users)", () => {
  it("has one NAT gateway and routes every private zone through it", () => {
    expect(ofType(plan, T.nat)).toHaveLength(1);
    const privateTables = ofType(plan, "aws:ec2/routeTable:RouteTable").filter((r) => r.name.includes("private"));
    expect(privateTables).toHaveLength(3);
    expect(new Set(privateTables.map((t) => inputs(t).routes[0].natGatewayId)).size).toBe(1);
  });

  it("runs a single-AZ db.m7g.xlarge primary with 500 GB and one replica in another zone", () => {
    const [primary, ...replicas] = [
      rds().find((r) => !r.replicateSourceDb)!,
      ...rds().filter((r) => r.replicateSourceDb),
    ];
    expect(primary).toMatchObject({
      instanceClass: "db.m7g.xlarge",
      allocatedStorage: 500,
      multiAz: false,
      deletionProtection: true,
    });
    expect(replicas).toHaveLength(1);
    expect(replicas[0].availabilityZone).not.toBe(primary.availabilityZone);
  });

  it("runs two Redis nodes: one shard with one replica", () => {
    const redis = inputs(one(plan, T.redis));
    expect(redis).toMatchObject({ numNodeGroups: 1, replicasPerNodeGroup: 1, nodeType: "cache.m7g.large" });
  });

  it("has no OpenSearch domain (the app searches PostgreSQL)", () => {
    expect(ofType(plan, T.search)).toHaveLength(0);
    expect(plan.outputs.opensearch).toBeNull();
  });

  it("without OpenSearch, no app service account gets an AWS role", () => {
    const accounts = ofType(plan, "kubernetes:core/v1:ServiceAccount")
      .map(inputs)
      .filter((sa) => sa.metadata.namespace === "storyforge");
    expect(accounts.map((sa) => sa.metadata.name).sort()).toEqual(["api", "migrations", "pgbouncer", "worker"]);
    for (const sa of accounts)
      expect({ name: sa.metadata.name, annotations: sa.metadata.annotations }).toEqual({
        name: sa.metadata.name,
        annotations: undefined,
      });
    const roles = ofType(plan, "aws:iam/role:Role").filter((r) =>
      String(inputs(r).assumeRolePolicy).includes("system:serviceaccount:storyforge:"),
    );
    expect(roles).toEqual([]);
  });
});

dataTierSuite("mvp", () => plan);

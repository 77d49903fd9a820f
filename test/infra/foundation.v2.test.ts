import { type Plan, planStack } from "../../tools/plan/harness";
import { inputs, ofType, one, PLAN_TIMEOUT_MS, T } from "../support/plan";
import { searchAccessSuite } from "./search.checks";
import { dataTierSuite } from "./data-tier.checks";

let plan: Plan;
beforeAll(async () => {
  plan = await planStack("v2");
}, PLAN_TIMEOUT_MS);

const primary = () => inputs(ofType(plan, T.rds).find((r) => !inputs(r).replicateSourceDb)!);
const replicas = () =>
  ofType(plan, T.rds)
    .filter((r) => inputs(r).replicateSourceDb)
    .map(inputs);

describe("v2 stack (seed 000 §8: 1M users)", () => {
  it("spreads the VPC over three zones with public, private and data subnets in each", () => {
    const subnets = ofType(plan, T.subnet).map(inputs);
    for (const role of ["public", "private", "data"]) {
      const zones = subnets.filter((s) => s.tags["subnet-role"] === role).map((s) => s.availabilityZoneId);
      expect(new Set(zones).size).toBe(3);
    }
  });

  it("runs one NAT gateway per zone", () => {
    expect(ofType(plan, T.nat)).toHaveLength(3);
  });

  it("runs a Multi-AZ db.m7g.4xlarge primary with 2 TB of encrypted gp3", () => {
    expect(primary()).toMatchObject({
      engine: "postgres",
      engineVersion: "16",
      instanceClass: "db.m7g.4xlarge",
      allocatedStorage: 2000,
      storageType: "gp3",
      storageEncrypted: true,
      multiAz: true,
      publiclyAccessible: false,
      performanceInsightsEnabled: true,
      deletionProtection: true,
      skipFinalSnapshot: false,
      backupRetentionPeriod: 30,
    });
  });

  it("runs three read replicas in three zones", () => {
    const r = replicas();
    expect(r).toHaveLength(3);
    expect(new Set(r.map((x) => x.availabilityZone)).size).toBe(3);
    expect(
      r.every(
        (x) =>
          x.instanceClass === "db.m7g.2xlarge" &&
          x.storageEncrypted === true &&
          x.replicateSourceDb === "storyforge-v2-postgres",
      ),
    ).toBe(true);
  });

  it("runs six Redis nodes: three shards with one replica each, failover and Multi-AZ on", () => {
    const redis = inputs(one(plan, T.redis));
    expect(redis.numNodeGroups * (1 + redis.replicasPerNodeGroup)).toBe(6);
    expect(redis).toMatchObject({
      nodeType: "cache.r7g.xlarge",
      clusterMode: "enabled",
      automaticFailoverEnabled: true,
      multiAzEnabled: true,
    });
  });

  it("runs six OpenSearch data nodes (two per zone), three dedicated masters and three coordinators across three zones", () => {
    const domain = inputs(one(plan, T.search));
    expect(domain.clusterConfig).toMatchObject({
      instanceType: "m7g.2xlarge.search",
      instanceCount: 6,
      dedicatedMasterEnabled: true,
      dedicatedMasterCount: 3,
      zoneAwarenessEnabled: true,
      zoneAwarenessConfig: { availabilityZoneCount: 3 },
    });
    expect(domain.ebsOptions).toEqual({ ebsEnabled: true, volumeType: "gp3", volumeSize: 500 });
    expect(domain.vpcOptions.subnetIds).toHaveLength(3);
  });
});

searchAccessSuite("v2", () => plan);
dataTierSuite("v2", () => plan);

import { type Plan, planStack } from "../../tools/plan/harness";
import { SECRET_PLACEHOLDER } from "../../infra/lib/inventory";
import { REQUIRED_TAGS } from "../../infra/lib/context";
import { inputs, ofType, one, PLAN_TIMEOUT_MS, T } from "../support/plan";
import { searchAccessSuite } from "./search.checks";

let plan: Plan;
beforeAll(async () => {
  plan = await planStack("v1");
}, PLAN_TIMEOUT_MS);

describe("v1 stack (seed 000 §8: 100K users)", () => {
  it("runs two replicas of a Multi-AZ db.m7g.2xlarge primary with 1 TB", () => {
    const all = ofType(plan, T.rds).map(inputs);
    expect(all.filter((r) => r.replicateSourceDb)).toHaveLength(2);
    expect(all.find((r) => !r.replicateSourceDb)).toMatchObject({
      instanceClass: "db.m7g.2xlarge",
      allocatedStorage: 1000,
      multiAz: true,
    });
  });

  it("runs three Redis nodes and three OpenSearch data nodes", () => {
    const redis = inputs(one(plan, T.redis));
    expect(redis.numNodeGroups * (1 + redis.replicasPerNodeGroup)).toBe(3);
    expect(inputs(one(plan, T.search)).clusterConfig.instanceCount).toBe(3);
  });
});

describe("data tier rules (v1)", () => {
  it("PostgreSQL loads pg_stat_statements and forces TLS", () => {
    const params = inputs(one(plan, T.rdsParams)).parameters as Array<{ name: string; value: string }>;
    expect(params).toContainEqual(
      expect.objectContaining({ name: "shared_preload_libraries", value: "pg_stat_statements" }),
    );
    expect(params).toContainEqual(expect.objectContaining({ name: "rds.force_ssl", value: "1" }));
  });

  it("Redis keeps no key eviction and runs in cluster mode", () => {
    const params = inputs(one(plan, T.redisParams)).parameters;
    expect(params).toEqual(
      expect.arrayContaining([
        { name: "maxmemory-policy", value: "noeviction" },
        { name: "cluster-enabled", value: "yes" },
      ]),
    );
  });

  it("Redis encrypts at rest and in transit and requires an AUTH token", () => {
    expect(inputs(one(plan, T.redis))).toMatchObject({
      atRestEncryptionEnabled: true,
      transitEncryptionEnabled: true,
      authToken: SECRET_PLACEHOLDER,
    });
  });

  it("OpenSearch is VPC-only, HTTPS-only with TLS 1.2+, encrypted, with fine-grained access control and an IAM master user", () => {
    const domain = inputs(one(plan, T.search));
    expect(domain.encryptAtRest.enabled).toBe(true);
    expect(domain.nodeToNodeEncryption.enabled).toBe(true);
    expect(domain.domainEndpointOptions).toEqual({
      enforceHttps: true,
      tlsSecurityPolicy: "Policy-Min-TLS-1-2-PFS-2023-10",
    });
    expect(domain.vpcOptions.subnetIds.length).toBe(3);
    expect(domain.advancedSecurityOptions).toMatchObject({
      enabled: true,
      internalUserDatabaseEnabled: false,
      masterUserOptions: { masterUserArn: expect.stringMatching(/^arn:aws:iam::\d+:role\//) },
    });
    expect(domain.advancedSecurityOptions.masterUserOptions).not.toHaveProperty("masterUserPassword");
  });

  it("each data service accepts only its own port, only from named security groups, never from a CIDR", () => {
    const dataComponents = ["database", "cache", "search"];
    const dataRules = ofType(plan, T.ingress)
      .filter((r) => dataComponents.includes(r.parent ?? ""))
      .map(inputs);
    expect(dataRules.length).toBeGreaterThanOrEqual(3);
    for (const rule of dataRules) {
      expect(rule.cidrIpv4).toBeUndefined();
      expect(rule.cidrIpv6).toBeUndefined();
      expect(rule.referencedSecurityGroupId).toEqual(expect.any(String));
      expect(rule.toPort).toBe(rule.fromPort);
    }
    const byGroup = new Map<string, number[]>();
    for (const r of dataRules) byGroup.set(r.securityGroupId, [...(byGroup.get(r.securityGroupId) ?? []), r.fromPort]);
    // One port per group; the plan lists resources by name, not in declaration order.
    const ports = [...byGroup.values()].map((p) => [...new Set(p)]).sort((a, b) => a[0] - b[0]);
    expect(ports).toEqual([[443], [5432], [6379]]);
  });

  it("data subnets have no route to the internet", () => {
    const dataTable = one(plan, "aws:ec2/routeTable:RouteTable", "network-data-rt");
    expect(inputs(dataTable).routes ?? []).toEqual([]);
  });

  it("the VPC logs all traffic and reaches S3 through a gateway endpoint", () => {
    expect(inputs(one(plan, T.flowLog)).trafficType).toBe("ALL");
    expect(inputs(one(plan, T.endpoint))).toMatchObject({
      vpcEndpointType: "Gateway",
      serviceName: "com.amazonaws.us-east-1.s3",
    });
  });

  it("master password and AUTH token are generated, stored in Secrets Manager, and never in plain outputs; OpenSearch has no password to store", () => {
    expect(inputs(ofType(plan, T.rds).find((r) => !inputs(r).replicateSourceDb)!).password).toBe(SECRET_PLACEHOLDER);
    const secretNames = ofType(plan, T.secret).map((s) => inputs(s).name);
    expect(secretNames).toEqual(expect.arrayContaining(["storyforge/v1/postgres-master", "storyforge/v1/redis-auth"]));
    expect(secretNames.filter((n) => /opensearch/.test(n))).toEqual([]);
    expect(plan.outputs.secrets).toBe(SECRET_PLACEHOLDER);
    expect(JSON.stringify(plan.outputs)).not.toMatch(/mock-[0-9a-f]{16}/);
  });

  it("every taggable data and network resource carries project, stack, tier and owner", () => {
    const tagged = plan.resources.filter((r) => r.type.startsWith("aws:") && inputs(r).tags !== undefined);
    expect(tagged.length).toBeGreaterThan(30);
    for (const r of tagged) for (const key of REQUIRED_TAGS) expect(inputs(r).tags).toHaveProperty(key);
  });

  it("outputs give the compute tier its endpoints, ports, secret ARNs, the search client role, security groups and subnets", () => {
    expect(plan.outputs).toMatchObject({
      postgres: {
        port: 5432,
        primaryAddress: expect.stringContaining("rds.amazonaws.com"),
        replicaAddresses: expect.any(Array),
      },
      redis: { port: 6379, tls: true, configurationEndpoint: expect.stringContaining("clustercfg") },
      opensearch: { port: 443, clientRoleArn: expect.stringMatching(/^arn:aws:iam::/) },
      vpc: { privateSubnetIds: expect.any(Array), dataSubnetIds: expect.any(Array) },
    });
  });
});

searchAccessSuite("v1", () => plan);

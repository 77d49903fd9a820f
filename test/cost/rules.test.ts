import { DEFAULT_CATALOG } from "../../infra/lib/cost/catalog";
import { estimateCost } from "../../infra/lib/cost/estimate";
import { rdsGp3Baseline } from "../../infra/lib/cost/rules/data";
import type { CostEstimate, LineItem } from "../../infra/lib/cost/types";
import { NO_USAGE, T, cents, price, res, usage } from "./support";

const lines = (e: CostEstimate, resource?: string): LineItem[] =>
  e.lineItems.filter((l) => resource === undefined || l.resource === resource);
const line = (e: CostEstimate, sku: string): LineItem => {
  const found = e.lineItems.filter((l) => l.sku === sku);
  if (found.length !== 1) throw new Error(`expected one line ${sku}, found ${found.length}`);
  return found[0];
};

const primary = (over: Record<string, unknown> = {}) =>
  res(T.rds, "db-primary", {
    engine: "postgres",
    instanceClass: "db.m7g.xlarge",
    allocatedStorage: 500,
    storageType: "gp3",
    multiAz: false,
    ...over,
  });

describe("node groups carry the range", () => {
  const group = res(T.nodeGroup, "workers", {
    instanceTypes: ["m7g.xlarge"],
    scalingConfig: { minSize: 2, desiredSize: 5, maxSize: 20 },
  });

  it("prices min, desired and max nodes at 730 hours each", () => {
    const hours = line(estimateCost([group], NO_USAGE), "ec2/m7g.xlarge");
    expect(hours.quantity).toEqual({ min: 2 * 730, expected: 5 * 730, max: 20 * 730 });
    expect(hours.monthly).toEqual({
      min: cents(2 * 730 * price("ec2/m7g.xlarge")),
      expected: cents(5 * 730 * price("ec2/m7g.xlarge")),
      max: cents(20 * 730 * price("ec2/m7g.xlarge")),
    });
  });

  it("takes the instance type and root volume from a launch template when the group names none", () => {
    const template = res(T.launchTemplate, "workers-lt", {
      name: "storyforge-v1-workers",
      instanceType: "c7g.2xlarge",
      blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { volumeSize: 50, volumeType: "gp3" } }],
    });
    const viaTemplate = res(T.nodeGroup, "workers", {
      launchTemplate: { name: "storyforge-v1-workers", version: "1" },
      scalingConfig: { minSize: 1, desiredSize: 2, maxSize: 4 },
    });
    const e = estimateCost([template, viaTemplate], NO_USAGE);
    expect(line(e, "ec2/c7g.2xlarge").quantity.max).toBe(4 * 730);
    expect(line(e, "ebs/gp3-storage").quantity).toEqual({ min: 50, expected: 100, max: 200 });
    expect(lines(e, "workers-lt")).toHaveLength(0);
  });

  it("says so, with no price, when no instance type can be found", () => {
    const e = estimateCost(
      [res(T.nodeGroup, "orphan", { scalingConfig: { minSize: 1, desiredSize: 1, maxSize: 1 } })],
      NO_USAGE,
    );
    expect(e.lineItems[0]).toMatchObject({ monthly: null, unitPrice: null });
    expect(e.lineItems[0].unpriced).toMatch(/instanceTypes/);
    expect(e.unpricedLines).toBe(1);
  });

  it("KEDA ScaledObjects, like HPAs, add no line but are named in the assumptions", () => {
    const scaled = res("kubernetes:keda.sh/v1alpha1:ScaledObject", "worker-scaler", {
      spec: { minReplicaCount: 2, maxReplicaCount: 20, scaleTargetRef: { name: "worker" } },
    });
    const e = estimateCost([group, scaled], NO_USAGE);
    expect(lines(e, "worker-scaler")).toHaveLength(0);
    expect(e.assumptions.notes.join("\n")).toMatch(/KEDA ScaledObject worker: 2-20 replicas/);
  });

  it("HPAs add no line of their own but are named in the assumptions", () => {
    const hpa = res(T.hpa, "api-hpa", { spec: { minReplicas: 3, maxReplicas: 30, scaleTargetRef: { name: "api" } } });
    const e = estimateCost([group, hpa], NO_USAGE);
    expect(lines(e, "api-hpa")).toHaveLength(0);
    expect(e.assumptions.notes.join("\n")).toMatch(/HPA api: 3-30 replicas/);
  });

  it("min, expected and max totals differ only by the node groups", () => {
    const e = estimateCost([group, primary()], NO_USAGE);
    const nodeHours = line(e, "ec2/m7g.xlarge").monthly!;
    expect(cents(e.monthly.max - e.monthly.min)).toBe(
      cents(
        nodeHours.max -
          nodeHours.min +
          (line(e, "ebs/gp2-storage").monthly!.max - line(e, "ebs/gp2-storage").monthly!.min),
      ),
    );
  });
});

describe("RDS", () => {
  it("Multi-AZ doubles the instance hours and the storage", () => {
    const single = estimateCost([primary()], NO_USAGE);
    const multi = estimateCost([primary({ multiAz: true })], NO_USAGE);
    expect(line(multi, "rds-postgres/db.m7g.xlarge").quantity.expected).toBe(
      2 * line(single, "rds-postgres/db.m7g.xlarge").quantity.expected,
    );
    expect(line(multi, "rds/gp3-storage").monthly!.expected).toBe(cents(2 * 500 * price("rds/gp3-storage")));
  });

  it.each([
    ["Single-AZ", false, 1],
    ["Multi-AZ", true, 2],
  ])(
    "changing the instance class moves the estimate by exactly the price difference (%s)",
    (_label, multiAz, copies) => {
      const before = estimateCost([primary({ multiAz, instanceClass: "db.m7g.xlarge" })], NO_USAGE);
      const after = estimateCost([primary({ multiAz, instanceClass: "db.r7g.2xlarge" })], NO_USAGE);
      const step = cents((price("rds-postgres/db.r7g.2xlarge") - price("rds-postgres/db.m7g.xlarge")) * 730 * copies);
      expect(cents(after.monthly.expected - before.monthly.expected)).toBe(step);
    },
  );

  it("charges gp3 IOPS and throughput only above the baseline, which is higher from 400 GB", () => {
    expect(rdsGp3Baseline(399)).toEqual({ iops: 3000, throughputMiBps: 125 });
    expect(rdsGp3Baseline(400)).toEqual({ iops: 12000, throughputMiBps: 500 });
    const small = estimateCost([primary({ allocatedStorage: 200, iops: 5000, storageThroughput: 200 })], NO_USAGE);
    expect(line(small, "rds/gp3-iops").quantity.expected).toBe(2000);
    expect(line(small, "rds/gp3-throughput").quantity.expected).toBe(75);
    const large = estimateCost([primary({ allocatedStorage: 1000, iops: 12000, storageThroughput: 500 })], NO_USAGE);
    expect(large.lineItems.map((l) => l.sku)).not.toContain("rds/gp3-iops");
    expect(large.lineItems.map((l) => l.sku)).not.toContain("rds/gp3-throughput");
  });

  it("a replica without its own storage is billed its source's, and backups beyond the free allowance are billed", () => {
    const replica = res(T.rds, "db-replica-1", {
      instanceClass: "db.m7g.large",
      replicateSourceDb: "storyforge-v1-db",
      storageType: "gp3",
    });
    const e = estimateCost([primary({ identifier: "storyforge-v1-db" }), replica], usage({ dbBackupGb: 1500 }));
    expect(lines(e, "db-replica-1").find((l) => l.sku === "rds/gp3-storage")!.quantity.expected).toBe(500);
    expect(line(e, "rds/backup-storage").quantity.expected).toBe(1500 - 1000);
    expect(line(e, "rds/backup-storage").resource).toBe("db-primary");
  });
});

describe("ElastiCache and OpenSearch", () => {
  it("prices shards x (1 + replicas) nodes, at the Valkey rate for Valkey", () => {
    const redis = res(T.redis, "cache", {
      engine: "redis",
      nodeType: "cache.r7g.xlarge",
      numNodeGroups: 3,
      replicasPerNodeGroup: 1,
    });
    expect(line(estimateCost([redis], NO_USAGE), "elasticache-redis/cache.r7g.xlarge").quantity.expected).toBe(6 * 730);
    const valkey = res(T.redis, "cache", {
      engine: "valkey",
      nodeType: "cache.r7g.xlarge",
      numNodeGroups: 3,
      replicasPerNodeGroup: 1,
    });
    expect(line(estimateCost([valkey], NO_USAGE), "elasticache-valkey/cache.r7g.xlarge").unitPrice).toBe(
      price("elasticache-valkey/cache.r7g.xlarge"),
    );
  });

  it("prices data nodes, dedicated masters and each data node's volume", () => {
    const domain = res(T.search, "search", {
      clusterConfig: {
        instanceType: "m7g.2xlarge.search",
        instanceCount: 5,
        dedicatedMasterEnabled: true,
        dedicatedMasterType: "m7g.large.search",
        dedicatedMasterCount: 3,
      },
      ebsOptions: { ebsEnabled: true, volumeSize: 500, volumeType: "gp3" },
    });
    const e = estimateCost([domain], NO_USAGE);
    expect(line(e, "opensearch/m7g.2xlarge.search").quantity.expected).toBe(5 * 730);
    expect(line(e, "opensearch/m7g.large.search").quantity.expected).toBe(3 * 730);
    expect(line(e, "opensearch/gp3-storage").quantity.expected).toBe(2500);
  });
});

describe("network and edge", () => {
  it("NAT gateways: hours each, processed data once for all of them", () => {
    const e = estimateCost(
      [res(T.nat, "nat-0"), res(T.nat, "nat-1"), res(T.eip, "eip-0")],
      usage({ natProcessedGb: 1000 }),
    );
    expect(e.lineItems.filter((l) => l.sku === "vpc/nat-gateway")).toHaveLength(2);
    expect(line(e, "vpc/nat-gateway-data")).toMatchObject({ resource: "nat-0", quantity: { expected: 1000 } });
    expect(line(e, "vpc/public-ipv4").quantity.expected).toBe(730);
  });

  it("an Ingress of the ALB class is priced as one ALB, shared by a group", () => {
    const annotations = {
      "alb.ingress.kubernetes.io/scheme": "internet-facing",
      "alb.ingress.kubernetes.io/group.name": "public",
    };
    const a = res(T.ingress, "api-ingress", { metadata: { annotations }, spec: { ingressClassName: "alb" } });
    const b = res(T.ingress, "admin-ingress", { metadata: { annotations }, spec: { ingressClassName: "alb" } });
    const nginx = res(T.ingress, "other", { spec: { ingressClassName: "nginx" } });
    const e = estimateCost([a, b, nginx], usage({ albProcessedGb: 730 }));
    // One ALB line for the group, on its first Ingress by name (the estimate orders resources by name).
    expect(e.lineItems.filter((l) => l.sku === "elb/alb").map((l) => l.resource)).toEqual(["admin-ingress"]);
    expect(line(e, "elb/alb-lcu").quantity.expected).toBe(730);
    expect(line(e, "vpc/public-ipv4").quantity.expected).toBe(3 * 730);
  });

  it("an internal ALB has no public addresses", () => {
    const e = estimateCost(
      [res(T.lb, "alb", { loadBalancerType: "application", internal: true, subnets: ["a", "b"] })],
      NO_USAGE,
    );
    expect(e.lineItems.map((l) => l.sku)).toEqual(["elb/alb", "elb/alb-lcu"]);
  });

  it("CloudFront transfer is priced tier by tier on the stack's whole volume", () => {
    const e = estimateCost([res(T.cdn, "cdn")], usage({ cdnEgressGb: 20_000, cdnRequestsMillions: 300 }));
    expect(line(e, "cloudfront/data-out-first-10tb").quantity.expected).toBe(10_240);
    expect(line(e, "cloudfront/data-out-next-40tb").quantity.expected).toBe(20_000 - 10_240);
    expect(line(e, "cloudfront/https-requests").quantity.expected).toBe(300 * 100);
  });

  it("S3 storage tiers apply to the total across buckets, priced once on the first bucket that is not for logs", () => {
    const e = estimateCost([res(T.bucket, "access-logs"), res(T.bucket, "media")], usage({ s3StoredGb: 100_000 }));
    expect(lines(e, "access-logs")).toHaveLength(0);
    expect(lines(e, "media").length).toBeGreaterThan(0);
    expect(line(e, "s3/standard-first-50tb").quantity.expected).toBe(51_200);
    expect(line(e, "s3/standard-next-450tb").quantity.expected).toBe(100_000 - 51_200);
  });

  it("log ingestion and storage follow the longest retention declared", () => {
    const e = estimateCost(
      [res(T.logGroup, "flow", { retentionInDays: 90 }), res(T.logGroup, "app", { retentionInDays: 30 })],
      usage({ logIngestGb: 100 }),
    );
    expect(line(e, "logs/ingest").quantity.expected).toBe(100);
    expect(line(e, "logs/storage").quantity.expected).toBe(300);
  });

  it("usage with nothing to carry it is not priced, and the assumptions say so", () => {
    const e = estimateCost([primary()], usage({ cdnEgressGb: 5000 }));
    expect(e.assumptions.notes.join("\n")).toMatch(
      /cdnEgressGb \(5,000\) not priced: the stack declares no CloudFront distribution/,
    );
  });
});

describe("nothing is a silent zero", () => {
  it("an unknown SKU is an unpriced line, left out of the totals and counted", () => {
    const e = estimateCost([primary({ instanceClass: "db.x9z.large" })], NO_USAGE);
    const unknown = line(e, "rds-postgres/db.x9z.large");
    expect(unknown).toMatchObject({ unitPrice: null, monthly: null });
    expect(unknown.unpriced).toMatch(/not in the catalog/);
    expect(e.unpricedLines).toBe(1);
    expect(e.monthly.expected).toBe(line(e, "rds/gp3-storage").monthly!.expected);
  });

  it("a region other than the catalog's prices nothing, whether set on the stack, the provider or the resource", () => {
    for (const e of [
      estimateCost([primary()], NO_USAGE, { region: "eu-west-1" }),
      estimateCost([res("pulumi:providers:aws", "default_7_48_0", { region: "eu-west-1" }), primary()], NO_USAGE),
      estimateCost([primary({ region: "eu-west-1" })], NO_USAGE),
    ]) {
      expect(e.lineItems.length).toBeGreaterThan(0);
      for (const l of e.lineItems) expect(l.unpriced).toMatch(/region eu-west-1 is not in the catalog/);
      expect(e.monthly).toEqual({ min: 0, expected: 0, max: 0 });
    }
  });

  it("a billable type without a rule is an unpriced line; free types add nothing", () => {
    const e = estimateCost(
      [
        res("aws:wafv2/webAcl:WebAcl", "waf"),
        res("aws:ec2/subnet:Subnet", "s"),
        res("aws:iam/role:Role", "r"),
        res("kubernetes:apps/v1:Deployment", "d"),
      ],
      NO_USAGE,
    );
    expect(e.lineItems).toHaveLength(1);
    expect(e.lineItems[0]).toMatchObject({ resource: "waf", monthly: null });
    expect(e.lineItems[0].unpriced).toMatch(/no pricing rule for type aws:wafv2\/webAcl:WebAcl/);
  });

  it("every priced line is quantity x unit price, to the cent", () => {
    const e = estimateCost(
      [
        primary({ multiAz: true }),
        res(T.nat, "nat"),
        res(T.cdn, "cdn"),
        res(T.nodeGroup, "g", {
          instanceTypes: ["c7g.large"],
          scalingConfig: { minSize: 1, desiredSize: 3, maxSize: 9 },
        }),
      ],
      usage({ natProcessedGb: 123, cdnEgressGb: 70_000, cdnRequestsMillions: 7 }),
    );
    for (const l of e.lineItems) {
      for (const p of ["min", "expected", "max"] as const)
        expect(l.monthly![p]).toBe(cents(l.quantity[p] * l.unitPrice!));
    }
  });
});

describe("components", () => {
  it("groups lines under the top-level component and sums them per component", () => {
    const component = res("storyforge:data:Database", "database");
    const inner = { ...primary(), parent: "database" };
    const key = res("aws:kms/key:Key", "database-key", {}, "database");
    const e = estimateCost([component, inner, key, res(T.nat, "nat")], NO_USAGE);
    expect(Object.keys(e.byComponent).sort()).toEqual(["(stack)", "storyforge:data:Database"]);
    const dbLines = e.lineItems.filter((l) => l.component === "storyforge:data:Database");
    expect(e.byComponent["storyforge:data:Database"].monthly.expected).toBe(
      cents(dbLines.reduce((s, l) => s + l.monthly!.expected, 0)),
    );
  });
});

describe("inter-AZ transfer", () => {
  const cache = res(T.redis, "cache-redis", { nodeType: "cache.m7g.large", numNodeGroups: 1, replicasPerNodeGroup: 1 });
  const group = (zones: number) =>
    res(T.nodeGroup, "cluster-api", {
      instanceTypes: ["c7g.large"],
      subnetIds: Array.from({ length: zones }, (_, i) => `private-${i}`),
      scalingConfig: { minSize: 1, desiredSize: 1, maxSize: 1 },
    });

  it("is priced where the bytes come from, from the served bytes, the cache hit ratio and the zones", () => {
    const e = estimateCost([group(3), primary(), cache], usage({ albProcessedGb: 3000 }));
    const byResource = Object.fromEntries(
      e.lineItems.filter((l) => l.sku === "transfer/inter-az").map((l) => [l.resource, l.quantity.expected]),
    );
    // Redis: 3,000 x 0.8 x 2/3 = 1,600 GB crossing; database: 3,000 x 0.2 x 2 hops x 2/3 = 800; each billed twice.
    expect(byResource).toEqual({ "cache-redis": 3200, "db-primary": 1600 });
    expect(e.assumptions.derived!.interAzCrossingGb).toBe(2400);
    for (const l of e.lineItems.filter((x) => x.sku === "transfer/inter-az"))
      expect(l.usage).toEqual(["albProcessedGb"]);
  });

  it("a search domain answers the search share of served bytes, and workers' jobs move their bytes to each service", () => {
    const domain = res(T.search, "search-domain", { clusterConfig: { instanceType: "m7g.large.search" } });
    // 1 job per 100 edge requests: 3,000 M requests a month = 30 M jobs.
    const load = {
      worker: { demandPerSecond: 1, perCoreRate: 1, unit: "jobs/s", derivation: "", perEdgeRequest: 0.01 },
    };
    const e = estimateCost(
      [group(3), primary(), cache, domain],
      usage({ albProcessedGb: 3000, cdnRequestsMillions: 3000 }),
      {
        load,
      },
    );
    const by = Object.fromEntries(
      e.lineItems
        .filter((l) => l.sku === "transfer/inter-az")
        .map((l) => [`${l.resource} ${l.item}`, l.quantity.expected]),
    );
    // API: 10 % of 3,000 GB from OpenSearch (300 x 2/3 = 200 crossing), the other 2,700 GB 80/20 Redis/RDS.
    // Workers: 30 M jobs x 5 KB Redis = 150 GB, x 3 KB x 2 hops RDS = 180 GB, x 1 KB OpenSearch = 30 GB; x 2/3 crossing.
    expect(by).toEqual({
      "search-domain inter-az-transfer": 200 * 2,
      "cache-redis inter-az-transfer": 2700 * 0.8 * (2 / 3) * 2,
      "db-primary inter-az-transfer": 2700 * 0.2 * 2 * (2 / 3) * 2,
      "cache-redis inter-az-transfer/workers": 100 * 2,
      "db-primary inter-az-transfer/workers": 120 * 2,
      "search-domain inter-az-transfer/workers": 20 * 2,
    });
    const workers = e.lineItems.find((l) => l.item === "inter-az-transfer/workers" && l.resource === "cache-redis")!;
    expect(workers.usage).toEqual(["cdnRequestsMillions"]);
    expect(workers.description).toContain("30,000,000 jobs a month × 5 KB assumed per job");
    expect(e.assumptions.derived).toEqual({ interAzCrossingGb: 200 + 1440 + 720, interAzWorkerCrossingGb: 240 });
  });

  it("nothing crosses in one zone, and a second zone is half the hops", () => {
    const one = estimateCost([group(1), cache], usage({ albProcessedGb: 3000 }));
    expect(one.lineItems.map((l) => l.sku)).not.toContain("transfer/inter-az");
    const two = estimateCost([group(2), cache], usage({ albProcessedGb: 3000 }));
    expect(line(two, "transfer/inter-az").quantity.expected).toBe(3000 * 0.8 * 0.5 * 2);
  });
});

describe("Performance Insights (CloudWatch Database Insights since 2026-07-31)", () => {
  const pi = (over: Record<string, unknown>) =>
    estimateCost([primary({ performanceInsightsEnabled: true, ...over })], NO_USAGE);

  it("7 days in Standard mode is a priced $0 line whose catalog entry cites the Database Insights change", () => {
    const free = line(pi({ performanceInsightsRetentionPeriod: 7 }), "rds/database-insights-standard");
    expect(free).toMatchObject({ unitPrice: 0, monthly: { min: 0, expected: 0, max: 0 }, item: "database-insights" });
    expect(DEFAULT_CATALOG.prices["rds/database-insights-standard"].source).toMatch(/Database Insights/);
  });

  it("paid retention and Advanced mode are explicit unpriced lines (no confirmed us-east-1 rate), never a silent zero", () => {
    const long = pi({ performanceInsightsRetentionPeriod: 93 });
    expect(line(long, "rds/database-insights-retention")).toMatchObject({
      monthly: null,
      attributes: { retentionDays: 93, databaseInsightsMode: "standard" },
      unpriced: expect.stringContaining("no confirmed us-east-1 rate"),
    });
    const advanced = pi({ performanceInsightsRetentionPeriod: 465, databaseInsightsMode: "advanced" });
    expect(line(advanced, "rds/database-insights-advanced").unpriced).toMatch(/per vCPU-hour/);
    expect(advanced.unpricedLines).toBe(1);
  });
});

describe("order", () => {
  it("the estimate does not depend on the order the resources are listed in (a pool is carried by the same resource)", () => {
    const resources = [
      res(T.nat, "network-nat-1"),
      res(T.nat, "network-nat-0"),
      res("aws:cloudwatch/logGroup:LogGroup", "network-flow-logs"),
      res("aws:cloudwatch/logGroup:LogGroup", "cluster-control-plane-logs"),
      primary(),
    ];
    const assumed = usage({ natProcessedGb: 1000, logIngestGb: 50 });
    const forwards = estimateCost(resources, assumed);
    expect(estimateCost([...resources].reverse(), assumed)).toEqual(forwards);
    expect(line(forwards, "vpc/nat-gateway-data").resource).toBe("network-nat-0");
  });
});

import { estimateCost } from "../../infra/lib/cost/estimate";
import type { CostEstimate } from "../../infra/lib/cost/types";
import { T, price, res, usage } from "./support";

const group = (name: string, retentionInDays: number, parent: string) =>
  res(T.logGroup, `${parent}-${name.split("/").pop()}`, { name, retentionInDays }, parent);
const flowLog = (inputs: Record<string, unknown>) =>
  res("aws:ec2/flowLog:FlowLog", "network-flow-log", inputs, "network");
const components = [
  res("storyforge:network:Network", "network"),
  res("storyforge:compute:Cluster", "cluster"),
  res("storyforge:data:Database", "database"),
  res("storyforge:data:Search", "search"),
];
const volumes = usage({ flowLogGb: 100, controlPlaneLogGb: 40, databaseLogGb: 30, searchLogGb: 20, logIngestGb: 5 });
const ARN = "arn:aws:logs:us-east-1:123456789012:log-group:";

const sourceLines = (e: CostEstimate, source: string) =>
  e.lineItems.filter((l) => l.item === `log-ingest/${source}` || l.item === `log-storage/${source}`);

describe("logs are priced at their source", () => {
  const cloudWatchStack = [
    ...components,
    group("/storyforge/v1/vpc-flow-logs", 30, "network"),
    flowLog({ logDestinationType: "cloud-watch-logs", logDestination: `${ARN}/storyforge/v1/vpc-flow-logs` }),
    group("/aws/eks/storyforge-v1-cluster/cluster", 90, "cluster"),
    group("/aws/rds/instance/storyforge-v1-postgres/postgresql", 30, "database"),
    group("/aws/rds/instance/storyforge-v1-postgres/upgrade", 30, "database"),
    group("/storyforge/v1/opensearch/index_slow_logs", 14, "search"),
    res(
      T.search,
      "search-domain",
      { logPublishingOptions: [{ cloudwatchLogGroupArn: `${ARN}/storyforge/v1/opensearch/index_slow_logs` }] },
      "search",
    ),
    group("/aws/lambda/storyforge-v1-search-security", 7, "search"),
  ];

  it("each source's volume is ingested and kept on its own log group, in its own component, at that group's retention", () => {
    const e = estimateCost(cloudWatchStack, volumes);
    const expected: Array<[string, string, number, number]> = [
      ["flowLogs", "storyforge:network:Network", 100, 30],
      ["controlPlane", "storyforge:compute:Cluster", 40, 90],
      ["database", "storyforge:data:Database", 30, 30],
      ["search", "storyforge:data:Search", 20, 14],
      ["other", "storyforge:data:Search", 5, 7],
    ];
    for (const [source, component, gb, days] of expected) {
      const [ingest, storage] = sourceLines(e, source);
      expect({ source, component: ingest.component, gb: ingest.quantity.expected }).toEqual({ source, component, gb });
      expect({ source, days: storage.attributes!.retentionDays, stored: storage.quantity.expected }).toEqual({
        source,
        days,
        stored: gb * (days / 30),
      });
    }
    // Two RDS groups, one pool: the database's volume is priced once.
    expect(e.lineItems.filter((l) => l.item === "log-ingest/database")).toHaveLength(1);
  });

  it("flow logs delivered to S3 are priced at the vended-logs S3 rate plus S3 storage until the bucket's lifecycle expiry", () => {
    const bucket = "storyforge-v1-flow-logs-123456789012";
    const e = estimateCost(
      [
        ...components,
        res("aws:s3/bucket:Bucket", "network-flow-logs-bucket", { bucket }, "network"),
        res(
          "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
          "network-flow-logs-expiry",
          { bucket, rules: [{ id: "expire", status: "Enabled", expiration: { days: 30 } }] },
          "network",
        ),
        flowLog({ logDestinationType: "s3", logDestination: `arn:aws:s3:::${bucket}` }),
      ],
      volumes,
    );
    const [delivery, storage] = sourceLines(e, "flowLogs");
    expect(delivery).toMatchObject({ sku: "logs/vended-s3-delivery", resource: "network-flow-log", unitPrice: 0.25 });
    expect(delivery.monthly!.expected).toBeCloseTo(100 * price("logs/vended-s3-delivery"), 2);
    expect(storage).toMatchObject({ sku: "s3/standard-first-50tb", quantity: { expected: 100 } });
    expect(e.lineItems.some((l) => l.sku === "logs/ingest" && l.item === "log-ingest/flowLogs")).toBe(false);
  });

  it("a source the stack does not declare is not priced, and the assumptions say so", () => {
    const e = estimateCost([...components, group("/aws/lambda/fn", 7, "search")], volumes);
    expect(sourceLines(e, "flowLogs")).toEqual([]);
    expect(e.assumptions.notes.join("\n")).toMatch(/usage flowLogGb \(100\) not priced/);
  });
});

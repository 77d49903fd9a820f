/**
 * Logs, priced where they come from. Each source the stack declares has its own monthly volume (the tier's usage:
 * flowLogGb, controlPlaneLogGb, databaseLogGb, searchLogGb, and logIngestGb for every other log group) and is
 * priced on its own resource, in its own component: VPC flow logs on the network, control-plane logs on the
 * cluster, exported PostgreSQL logs on the database, slow and application logs on the search domain. Storage is a
 * month's volume kept for that source's retention (12 months when a group never expires), uncompressed: an upper
 * bound. Flow logs delivered to S3 are vended logs: the delivery rate, then S3 storage until the bucket's
 * lifecycle expires them.
 */
import type { UsageAssumptions } from "../../../../stacks/tiers";
import type { CostResource } from "../types";
import { type Draft, type PricingContext, arr, gb, num, obj, str } from "./common";

export const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";
export const FLOW_LOG = "aws:ec2/flowLog:FlowLog";
const EKS_CLUSTER = "aws:eks/cluster:Cluster";
const DOMAIN = "aws:opensearch/domain:Domain";
const LIFECYCLE = [
  "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
  "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2",
];

export type LogSource = "flowLogs" | "controlPlane" | "database" | "search" | "other";

/** Each source's usage key and what it is, for descriptions. */
export const LOG_SOURCES: Readonly<Record<LogSource, { key: keyof UsageAssumptions; what: string }>> = {
  flowLogs: { key: "flowLogGb", what: "VPC flow logs" },
  controlPlane: { key: "controlPlaneLogGb", what: "EKS control-plane logs" },
  database: { key: "databaseLogGb", what: "RDS exported logs" },
  search: { key: "searchLogGb", what: "OpenSearch logs" },
  other: { key: "logIngestGb", what: "other log groups (functions, applications)" },
};

/** Days kept when a group declares no retention (CloudWatch keeps it forever): a year is priced. */
const NEVER_EXPIRES_DAYS = 365;

function groupName(group: CostResource): string {
  return str(group.inputs.name) ?? group.name;
}

/** `arn:aws:logs:<region>:<account>:log-group:<name>[:*]` → `<name>`. */
export function logGroupOfArn(arn: unknown): string | undefined {
  const match = /:log-group:(.+?)(?::\*)?$/.exec(str(arn) ?? "");
  return match?.[1];
}

const isS3FlowLog = (r: CostResource) => r.type === FLOW_LOG && str(r.inputs.logDestinationType) === "s3";

/** Where a log group's entries come from: whoever the stack points at it, else its AWS-reserved name. */
export function logSourceOf(group: CostResource, resources: readonly CostResource[]): LogSource {
  const name = groupName(group);
  const flow = resources.some(
    (r) => r.type === FLOW_LOG && !isS3FlowLog(r) && logGroupOfArn(r.inputs.logDestination) === name,
  );
  if (flow) return "flowLogs";
  if (/^\/aws\/eks\/[^/]+\/cluster$/.test(name)) return "controlPlane";
  if (name.startsWith("/aws/rds/")) return "database";
  const search = resources.some(
    (r) =>
      r.type === DOMAIN &&
      arr(r.inputs.logPublishingOptions).some((o) => logGroupOfArn(obj(o).cloudwatchLogGroupArn) === name),
  );
  return search ? "search" : "other";
}

function groupsOf(source: LogSource, resources: readonly CostResource[]): CostResource[] {
  return resources.filter((r) => r.type === LOG_GROUP && logSourceOf(r, resources) === source);
}

/** The resource that carries a source's volume: its first log group; for control-plane logs without one, the cluster. */
export function logCarrier(source: LogSource, resources: readonly CostResource[]): CostResource | undefined {
  if (source === "flowLogs") {
    const s3 = resources.find(isS3FlowLog);
    if (s3 !== undefined) return s3;
  }
  const first = groupsOf(source, resources)[0];
  if (first !== undefined || source !== "controlPlane") return first;
  return resources.find((r) => r.type === EKS_CLUSTER && arr(r.inputs.enabledClusterLogTypes).length > 0);
}

function storageDays(groups: readonly CostResource[], ctx: PricingContext): number {
  const retentions = groups.map((g) => num(g.inputs.retentionInDays) ?? 0);
  if (retentions.length === 0 || retentions.some((d) => d === 0)) {
    ctx.note("a log group without retention (or none declared): its storage priced at 12 months kept");
    return NEVER_EXPIRES_DAYS;
  }
  return Math.min(NEVER_EXPIRES_DAYS, Math.max(...retentions));
}

function cloudWatchDrafts(source: LogSource, days: number, ctx: PricingContext): Draft[] {
  const { key, what } = LOG_SOURCES[source];
  const volume = ctx.usage[key];
  if (volume <= 0) return [];
  return [
    {
      sku: "logs/ingest",
      item: `log-ingest/${source}`,
      usage: [key],
      description: `Log ingestion, ${what} (usage ${key} ${gb(volume)})`,
      quantity: volume,
      ...(source === "flowLogs" ? { note: "vended logs: the standard ingestion rate up to 10 TB a month" } : {}),
    },
    {
      sku: "logs/storage",
      item: `log-storage/${source}`,
      attributes: { retentionDays: days },
      usage: [key],
      description: `Log storage, ${what} (${days} days kept, uncompressed upper bound)`,
      quantity: volume * (days / 30),
    },
  ];
}

/** The days the bucket's lifecycle keeps objects: the first enabled rule's expiration; undefined when none. */
export function bucketExpiryDays(bucketName: string, resources: readonly CostResource[]): number | undefined {
  for (const r of resources) {
    if (!LIFECYCLE.includes(r.type) || str(r.inputs.bucket) !== bucketName) continue;
    for (const rule of arr(r.inputs.rules).map(obj)) {
      const days = num(obj(rule.expiration).days);
      if (str(rule.status) === "Enabled" && days !== undefined) return days;
    }
  }
  return undefined;
}

/** A log group: the lines of its source, on the source's first group (the volume is the source's total). */
export function logGroupDrafts(resource: CostResource, ctx: PricingContext): Draft[] {
  const source = resource.type === EKS_CLUSTER ? "controlPlane" : logSourceOf(resource, ctx.resources);
  if (logCarrier(source, ctx.resources) !== resource) return [];
  const groups = resource.type === EKS_CLUSTER ? [] : groupsOf(source, ctx.resources);
  return cloudWatchDrafts(source, storageDays(groups, ctx), ctx);
}

/** A flow log: to CloudWatch it is priced on its log group; to S3, vended delivery plus the bucket's storage. */
export function flowLogDrafts(resource: CostResource, ctx: PricingContext): Draft[] {
  if (logCarrier("flowLogs", ctx.resources) !== resource) return [];
  const volume = ctx.usage.flowLogGb;
  if (volume <= 0) return [];
  const bucket = /^arn:[^:]+:s3:::([^/]+)/.exec(str(resource.inputs.logDestination) ?? "")?.[1];
  const expiry = bucket !== undefined ? bucketExpiryDays(bucket, ctx.resources) : undefined;
  const days = expiry ?? NEVER_EXPIRES_DAYS;
  if (expiry === undefined)
    ctx.note("flow-log bucket without a lifecycle expiry found: its storage priced at 12 months");
  return [
    {
      sku: "logs/vended-s3-delivery",
      item: "log-ingest/flowLogs",
      usage: ["flowLogGb"],
      attributes: { destination: "s3" },
      description: `Vended log delivery to S3, VPC flow logs (usage flowLogGb ${gb(volume)})`,
      quantity: volume,
    },
    {
      sku: "s3/standard-first-50tb",
      item: "log-storage/flowLogs",
      usage: ["flowLogGb"],
      attributes: { destination: "s3", retentionDays: days },
      description: `S3 storage, VPC flow logs (${days} days kept by the bucket's lifecycle, uncompressed upper bound)`,
      quantity: volume * (days / 30),
      note: "S3 requests (one PUT per 5-minute file per interface) not modelled",
    },
  ];
}

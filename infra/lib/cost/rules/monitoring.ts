/**
 * Monitoring (issue 16): CloudWatch alarms (per metric they read) and dashboards, the Prometheus workspace's samples
 * ingested, stored and queried (the tier's `metrics*` usage assumptions, from stacks/monitoring.ts metricsVolume),
 * the managed collector's hours and samples, and SNS, whose alarm traffic is too small to price.
 */
import type { CostResource } from "../types";
import { HOURS_PER_MONTH, type Draft, type Rule, arr, obj, tiered } from "./common";

export const METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
export const DASHBOARD = "aws:cloudwatch/dashboard:Dashboard";
export const AMP_WORKSPACE = "aws:amp/workspace:Workspace";
export const AMP_SCRAPER = "aws:amp/scraper:Scraper";
export const SNS_TOPIC = "aws:sns/topic:Topic";

/**
 * Metrics an alarm is billed for: one for a plain alarm; each metric (not the expression) of a metric-math alarm
 * ("Standard resolution alarm: $0.10 per alarm metric", CloudWatch pricing).
 */
export function alarmMetrics(resource: CostResource): number {
  const queries = arr(resource.inputs.metricQueries);
  if (queries.length === 0) return 1;
  return Math.max(1, queries.filter((q) => Object.keys(obj(obj(q).metric)).length > 0).length);
}

const metricAlarm: Rule = (resource) => {
  const metrics = alarmMetrics(resource);
  return [
    {
      sku: "cloudwatch/alarm",
      description: metrics === 1 ? "Metric alarm" : `Metric-math alarm (${metrics} metrics)`,
      quantity: metrics,
    },
  ];
};

/** AMP ingestion tiers, in units of 10 million samples: the first 2 billion, the next 250 billion, the rest. */
const INGEST_TIERS: ReadonlyArray<readonly [number, string]> = [
  [200, "amp/ingest-first-2b"],
  [25_000, "amp/ingest-next-250b"],
  [Infinity, "amp/ingest-over-252b"],
];

const workspace: Rule = (resource, ctx) => {
  if (!ctx.carriesPool(resource, (r) => r.type === AMP_WORKSPACE)) return [];
  const { metricsSamplesMillions, metricsStoredGb, metricsQuerySamplesBillions } = ctx.usage;
  const drafts: Draft[] = tiered(metricsSamplesMillions / 10, INGEST_TIERS).map(([quantity, sku]) => ({
    sku,
    description: `Samples ingested, ${sku.slice("amp/ingest-".length).replace(/-/g, " ")} (usage metricsSamplesMillions ${metricsSamplesMillions.toLocaleString("en-US")}M)`,
    quantity,
  }));
  drafts.push(
    {
      sku: "amp/storage",
      description: `Samples stored (usage metricsStoredGb ${metricsStoredGb.toLocaleString("en-US")} GB)`,
      quantity: metricsStoredGb,
    },
    {
      sku: "amp/query-samples",
      description: `Query samples processed: rules and the autoscaler (usage metricsQuerySamplesBillions ${metricsQuerySamplesBillions.toLocaleString("en-US")}B)`,
      quantity: metricsQuerySamplesBillions,
    },
  );
  return drafts;
};

const scraper: Rule = (resource, ctx) => {
  const drafts: Draft[] = [
    { sku: "amp/collector-hours", description: "Managed collector hours", quantity: HOURS_PER_MONTH },
  ];
  if (ctx.carriesPool(resource, (r) => r.type === AMP_SCRAPER)) {
    drafts.push({
      sku: "amp/collector-samples",
      description: `Samples collected (usage metricsSamplesMillions ${ctx.usage.metricsSamplesMillions.toLocaleString("en-US")}M)`,
      quantity: ctx.usage.metricsSamplesMillions / 10,
    });
  }
  return drafts;
};

const topic: Rule = (_resource, ctx) => {
  ctx.note(
    "SNS alarm topics: publishes and deliveries not priced (a few hundred a month; $0.50 per million publishes, $2 per 100,000 emails)",
  );
  return [];
};

export const MONITORING_RULES: Record<string, Rule> = {
  [METRIC_ALARM]: metricAlarm,
  [DASHBOARD]: () => [{ sku: "cloudwatch/dashboard", description: "Dashboard", quantity: 1 }],
  [AMP_WORKSPACE]: workspace,
  [AMP_SCRAPER]: scraper,
  [SNS_TOPIC]: topic,
};

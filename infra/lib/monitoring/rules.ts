/**
 * The Prometheus alert rules of a tier (issue 16 §2): the seeds' SLOs over the series the API and the worker really
 * emit (core/metrics.ts; test/infra/monitoring.rules.test.ts checks every name and label used here against it),
 * plus the cluster's own health from the control plane's metrics and node-exporter. One rule per severity, with the
 * tier's thresholds and `for:` durations. The AMP workspace loads these groups (RuleGroupNamespace); the same groups
 * are what test/infra/monitoring.rules.test.ts writes out for `promtool check rules` and `promtool test rules`.
 */
import type { MonitoringSpec, Severity, ThresholdKey } from "../../../stacks/monitoring";
import { MONITORING, SEVERITIES } from "../../../stacks/monitoring";
import type { TierSpec } from "../../../stacks/tiers";
import type { YamlValue } from "./yaml";

/** Scrape job names (infra/lib/monitoring/scrape.ts sets them as the `job` label). */
export const JOBS = {
  api: "storyforge-api",
  worker: "storyforge-worker",
  nodeExporter: "node-exporter",
  scheduler: "kube-scheduler",
  controllerManager: "kube-controller-manager",
} as const;

/**
 * The application's series the rules read, as the app emits them (core/metrics.ts): name → labels. The metrics test
 * scrapes the real API and worker and fails if any name or label here is missing.
 */
export const APP_SERIES = {
  api: {
    http_request_duration_seconds_bucket: ["method", "route", "status", "le"],
    http_request_duration_seconds_count: ["method", "route", "status"],
    cache_hits_total: ["layer"],
    cache_misses_total: [],
    redis_queue_depth: ["queue"],
  },
  worker: {
    jobs_processed_total: ["queue"],
    jobs_failed_total: ["queue", "final"],
  },
} as const;

/** The BullMQ queue the worker consumes (core/queue.ts GENERATION_QUEUE). */
export const GENERATION_QUEUE = "generation";

/** Routes that are not user traffic: probes, scrapes and the autoscaler's own reads (app/routes/ops.ts). */
export const OPS_ROUTES = ["/health/live", "/health/ready", "/metrics", "/internal/queue-depth"] as const;
const USER_TRAFFIC = `job="${JOBS.api}",route!~"${OPS_ROUTES.join("|")}"`;

export interface AlertRule {
  alert: string;
  expr: string;
  for: string;
  labels: { severity: Severity; tier: string; threshold: ThresholdKey };
  annotations: { summary: string; description: string; source: string };
}

export interface RuleGroup {
  name: string;
  interval: string;
  rules: AlertRule[];
}

export interface RuleTier {
  name: string;
  /** Queue depth at which the worker autoscaler is at its maximum: maxReplicas × jobsPerWorker. */
  queueCeiling: number;
}

/** The requests-per-second the KEDA trigger scales on (user traffic only), summed over the API's pods. */
export const API_RPS_QUERY = `sum(rate(http_request_duration_seconds_count{${USER_TRAFFIC}}[2m]))`;

interface Draft {
  alert: string;
  threshold: ThresholdKey;
  /** The expression for a threshold value `v`. */
  expr: (v: number) => string;
  summary: string;
  /** `{{ $value }}` is the measured value. */
  description: (v: number) => string;
  /** Overrides the pair's levels (the queue's warning comes from the tier). */
  levels?: Partial<Record<Severity, number | null>>;
  for?: Partial<Record<Severity, string>>;
}

function latency(quantile: "0.95" | "0.99", threshold: ThresholdKey, minRps: number): Draft {
  const p = quantile === "0.95" ? "p95" : "p99";
  return {
    alert: `ApiLatency${p.toUpperCase()}High`,
    threshold,
    expr: (ms) =>
      `histogram_quantile(${quantile}, sum by (le, route) (rate(http_request_duration_seconds_bucket{${USER_TRAFFIC}}[5m]))) > ${ms / 1000}` +
      ` and on (route) sum by (route) (rate(http_request_duration_seconds_count{${USER_TRAFFIC}}[5m])) >= ${minRps}`,
    summary: `API ${p} latency of {{ $labels.route }} is above its SLO`,
    description: (ms) => `${p} of {{ $labels.route }} is {{ $value | humanizeDuration }} (threshold ${ms} ms)`,
  };
}

function drafts(spec: MonitoringSpec, tier: RuleTier): Draft[] {
  const minRps = spec.thresholds.minRequestsPerMinute / 60;
  const requests = `sum(rate(http_request_duration_seconds_count{${USER_TRAFFIC}}[5m]))`;
  const failed = `sum(rate(jobs_failed_total{job="${JOBS.worker}",queue="${GENERATION_QUEUE}",final="true"}[15m]))`;
  const done = `(sum(rate(jobs_processed_total{job="${JOBS.worker}",queue="${GENERATION_QUEUE}"}[15m])) or vector(0))`;
  const hits = `(sum(rate(cache_hits_total{job="${JOBS.api}"}[10m])) or vector(0))`;
  const misses = `sum(rate(cache_misses_total{job="${JOBS.api}"}[10m]))`;
  const rootFs = `job="${JOBS.nodeExporter}",mountpoint="/"`;
  return [
    latency("0.95", "latencyP95Ms", minRps),
    latency("0.99", "latencyP99Ms", minRps),
    {
      alert: "ApiErrorRateHigh",
      threshold: "errorRatePercent",
      expr: (pct) =>
        `100 * sum(rate(http_request_duration_seconds_count{${USER_TRAFFIC},status=~"5.."}[5m])) / ${requests} > ${pct}` +
        ` and ${requests} >= ${minRps}`,
      summary: "The API answers too many requests with a 5xx",
      description: (pct) => `{{ $value | humanize }} % of requests failed with a 5xx (threshold ${pct} %)`,
    },
    {
      alert: "QueueDepthHigh",
      threshold: "queueDepth",
      levels: { warning: tier.queueCeiling },
      expr: (n) => `max(redis_queue_depth{job="${JOBS.api}",queue="${GENERATION_QUEUE}"}) > ${n}`,
      summary: "Generation jobs are piling up",
      description: (n) => `{{ $value }} jobs are waiting (threshold ${n})`,
    },
    {
      alert: "JobFailureRateHigh",
      threshold: "jobFailureRatePercent",
      expr: (pct) => `100 * ${failed} / (${done} + ${failed}) > ${pct}`,
      summary: "Generation jobs fail after all their attempts",
      description: (pct) => `{{ $value | humanize }} % of finished jobs failed for good (threshold ${pct} %)`,
    },
    {
      alert: "CacheHitRateLow",
      threshold: "cacheHitRatePercent",
      expr: (pct) => `100 * ${hits} / (${hits} + ${misses}) < ${pct} and (${hits} + ${misses}) >= ${minRps}`,
      summary: "Reads miss the cache and reach PostgreSQL",
      description: (pct) => `cache hit rate is {{ $value | humanize }} % (threshold ${pct} %)`,
    },
    {
      alert: "NodesNotReady",
      threshold: "nodesNotReady",
      // Every API server endpoint relays the same leader's series: one copy per zone, then the sum.
      expr: (n) =>
        `sum(max by (zone) (node_collector_unhealthy_nodes_in_zone{job="${JOBS.controllerManager}"})) > ${n}`,
      summary: "Nodes are not Ready",
      description: () => "{{ $value }} node(s) are NotReady (kube-controller-manager's node lifecycle controller)",
    },
    {
      alert: "PodsUnschedulable",
      threshold: "podsUnschedulable",
      expr: (n) => `max(scheduler_pending_pods{job="${JOBS.scheduler}",queue="unschedulable"}) > ${n}`,
      summary: "Pods are pending: the scheduler cannot place them",
      description: () => "{{ $value }} pod(s) are unschedulable: node groups are at their maximum or a zone is short",
    },
    {
      alert: "NodeFilesystemFilling",
      threshold: "nodeFilesystemFreePercent",
      expr: (pct) => `100 * node_filesystem_avail_bytes{${rootFs}} / node_filesystem_size_bytes{${rootFs}} < ${pct}`,
      summary: "A node's root filesystem is filling up",
      description: (pct) => `{{ $labels.instance }} has {{ $value | humanize }} % free (threshold ${pct} %)`,
    },
  ];
}

const GROUPS: ReadonlyArray<[name: string, alerts: readonly string[]]> = [
  ["storyforge-api", ["ApiLatencyP95High", "ApiLatencyP99High", "ApiErrorRateHigh", "CacheHitRateLow"]],
  ["storyforge-queue", ["QueueDepthHigh", "JobFailureRateHigh"]],
  ["storyforge-cluster", ["NodesNotReady", "PodsUnschedulable", "NodeFilesystemFilling"]],
];

/** The rule groups of a tier: one rule per alert and severity the tier's thresholds set. */
export function ruleGroups(spec: MonitoringSpec, tier: RuleTier): RuleGroup[] {
  const all = drafts(spec, tier);
  const rules = (alert: string): AlertRule[] => {
    const d = all.find((x) => x.alert === alert);
    if (d === undefined) throw new Error(`rule group lists ${alert}, which has no draft`);
    const pair = spec.thresholds[d.threshold];
    return SEVERITIES.flatMap((severity) => {
      const level = d.levels?.[severity] !== undefined ? d.levels[severity] : pair[severity];
      if (level === null || level === undefined) return [];
      return [
        {
          alert: d.alert,
          expr: d.expr(level),
          for: d.for?.[severity] ?? spec.pendingFor[severity],
          labels: { severity, tier: tier.name, threshold: d.threshold },
          annotations: { summary: d.summary, description: d.description(level), source: pair.source },
        },
      ];
    });
  };
  return GROUPS.map(([name, alerts]) => ({ name, interval: spec.ruleInterval, rules: alerts.flatMap(rules) }));
}

/** The rule groups of a tier's stack: the tier's thresholds and its worker autoscaler's ceiling. */
export function tierRuleGroups(tier: TierSpec): RuleGroup[] {
  return ruleGroups(MONITORING[tier.name], {
    name: tier.name,
    queueCeiling: tier.workloads.worker.maxReplicas * tier.workloads.worker.jobsPerWorker,
  });
}

/** The rule file (Prometheus `groups:` format) for AMP and promtool. */
export function ruleFile(groups: readonly RuleGroup[]): YamlValue {
  return {
    groups: groups.map((g) => ({
      name: g.name,
      interval: g.interval,
      rules: g.rules.map((r) => ({
        alert: r.alert,
        expr: r.expr,
        for: r.for,
        labels: { ...r.labels },
        annotations: { ...r.annotations },
      })),
    })),
  };
}

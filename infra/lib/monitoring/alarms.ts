/**
 * The CloudWatch alarms of a tier, as data: for every threshold of stacks/monitoring.ts and every resource it
 * watches, the metric exactly as AWS publishes it (namespace, name, dimensions, statistic), the comparison, and the
 * threshold in the metric's own unit. Pure: the Alarms component turns each spec into an aws.cloudwatch.MetricAlarm,
 * the dashboard graphs the same metrics, the policy pack and the tests read the same specs.
 *
 * `T` is a dimension value: a string in tests, a `pulumi.Input<string>` in the program (an ALB's ARN suffix or a
 * distribution id is known only after create), placed as is, never read.
 */
import type { Evaluation, MonitoringSpec, Severity, ThresholdKey } from "../../../stacks/monitoring";
import { SEVERITIES } from "../../../stacks/monitoring";

export type Comparison =
  "GreaterThanThreshold" | "GreaterThanOrEqualToThreshold" | "LessThanThreshold" | "LessThanOrEqualToThreshold";

/** CloudFront publishes its metrics in us-east-1 only, with `Region=Global` (CloudFront developer guide). */
export const CLOUDFRONT_METRICS_REGION = "us-east-1";

/** One CloudWatch metric, as AWS publishes it. */
export interface MetricRef<T> {
  namespace: string;
  metricName: string;
  dimensions: Record<string, T>;
  /** A statistic (Average, Maximum, Minimum, Sum) or an extended statistic (p95, p99). */
  stat: string;
}

/** A metric-math alarm: `expression` over the named metrics (ids m1, m2...). */
export interface MetricMath<T> {
  expression: string;
  label: string;
  metrics: Record<string, MetricRef<T>>;
}

export type AlarmService = "cdn" | "load-balancer" | "database" | "cache" | "search";

export interface AlarmSpec<T> {
  /** Stable and unique within a stack: `<service>-<resource>-<what>-<severity>` (the alarm's logical name). */
  key: string;
  service: AlarmService;
  /** The resource watched, for people: "postgres primary", "redis shard 1", "api-alb". */
  watches: string;
  threshold: ThresholdKey;
  severity: Severity;
  /** The threshold in the metric's unit (bytes, seconds, percent, count). */
  value: number;
  comparison: Comparison;
  /** What is measured, on what: the graph's title on the dashboard. */
  title: string;
  /** One sentence for the alarm's description: what breached, and where the number comes from. */
  description: string;
  /** Where the alarm must live when not in the stack's region (CloudFront: us-east-1). */
  region?: string;
  treatMissingData: "notBreaching" | "breaching" | "missing" | "ignore";
  evaluation: Evaluation;
  metric: MetricRef<T> | MetricMath<T>;
}

export function isMath<T>(metric: MetricRef<T> | MetricMath<T>): metric is MetricMath<T> {
  return "expression" in metric;
}

/** Every metric an alarm reads (one, or those of its expression). */
export function metricsOf<T>(spec: AlarmSpec<T>): MetricRef<T>[] {
  return isMath(spec.metric) ? Object.values(spec.metric.metrics) : [spec.metric];
}

/** What the alarms watch. Absent parts (a tier without OpenSearch) get no alarms. */
export interface AlarmTargets<T> {
  cdn?: { distributionId: T };
  /** The API's ALB: its ARN suffix (`app/<name>/<id>`), the `LoadBalancer` dimension. */
  loadBalancer?: { arnSuffix: T };
  database?: {
    primary: { identifier: T; maxConnections: number; storageGb: number };
    replicas: Array<{ identifier: T; maxConnections: number }>;
  };
  /** Redis: the `CacheClusterId` of node `node` (1-based) of shard `shard` (see cacheNodeId). */
  cache?: { shards: number; replicasPerShard: number; nodeId: (shard: number, node: number) => T };
  /** OpenSearch: the domain and the account id (the `ClientId` dimension). */
  search?: { domainName: T; accountId: T; volumeGb: number };
}

const GIB = 1024 ** 3;

interface Draft<T> {
  key: string;
  service: AlarmService;
  watches: string;
  threshold: ThresholdKey;
  comparison: Comparison;
  /** The pair's value (in the threshold's unit) → the metric's unit. */
  convert?: (value: number) => number;
  what: string;
  unit: string;
  region?: string;
  treatMissingData?: AlarmSpec<T>["treatMissingData"];
  metric: MetricRef<T> | MetricMath<T>;
}

/** One alarm per severity the pair sets. */
function expand<T>(spec: MonitoringSpec, draft: Draft<T>): AlarmSpec<T>[] {
  const pair = spec.thresholds[draft.threshold];
  const out: AlarmSpec<T>[] = [];
  for (const severity of SEVERITIES) {
    const level = pair[severity];
    if (level === null) continue;
    const value = draft.convert ? draft.convert(level) : level;
    const sign = draft.comparison.startsWith("Greater")
      ? draft.comparison.endsWith("OrEqualToThreshold")
        ? "≥"
        : ">"
      : "<";
    out.push({
      key: `${draft.key}-${severity}`,
      service: draft.service,
      watches: draft.watches,
      threshold: draft.threshold,
      severity,
      value,
      comparison: draft.comparison,
      title: `${draft.what} · ${draft.watches}`,
      description: `${severity}: ${draft.what} ${sign} ${level}${draft.unit} on ${draft.watches} (${pair.source})`,
      ...(draft.region === undefined ? {} : { region: draft.region }),
      treatMissingData: draft.treatMissingData ?? "notBreaching",
      evaluation: spec.evaluation[severity],
      metric: draft.metric,
    });
  }
  return out;
}

const metric = <T>(namespace: string, metricName: string, dimensions: Record<string, T>, stat: string) => ({
  namespace,
  metricName,
  dimensions,
  stat,
});

function edgeDrafts<T>(spec: MonitoringSpec, targets: AlarmTargets<T>): Draft<T>[] {
  const drafts: Draft<T>[] = [];
  const minRequests = spec.thresholds.minRequestsPerMinute;
  if (targets.cdn !== undefined) {
    const dims = { DistributionId: targets.cdn.distributionId, Region: "Global" as T };
    drafts.push({
      key: "cdn-5xx-rate",
      service: "cdn",
      watches: "cdn",
      threshold: "errorRatePercent",
      comparison: "GreaterThanThreshold",
      what: "CloudFront 5xx error rate",
      unit: " %",
      region: CLOUDFRONT_METRICS_REGION,
      // Quiet below the request floor: a single 503 among three requests is not an outage.
      metric: {
        expression: `IF(m2 >= ${minRequests}, m1, 0)`,
        label: "5xxErrorRate (%)",
        metrics: {
          m1: metric("AWS/CloudFront", "5xxErrorRate", dims, "Average"),
          m2: metric("AWS/CloudFront", "Requests", dims, "Sum"),
        },
      },
    });
  }
  if (targets.loadBalancer !== undefined) {
    const dims = { LoadBalancer: targets.loadBalancer.arnSuffix };
    // The ALB's own 5xx (no healthy target, 502/503/504) count against the API as much as the targets' do.
    drafts.push({
      key: "alb-5xx-rate",
      service: "load-balancer",
      watches: "api-alb",
      threshold: "errorRatePercent",
      comparison: "GreaterThanThreshold",
      what: "API 5xx share of requests",
      unit: " %",
      metric: {
        expression: `IF(m3 >= ${minRequests}, 100 * (FILL(m1, 0) + FILL(m2, 0)) / m3, 0)`,
        label: "5xx (% of requests)",
        metrics: {
          m1: metric("AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", dims, "Sum"),
          m2: metric("AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", dims, "Sum"),
          m3: metric("AWS/ApplicationELB", "RequestCount", dims, "Sum"),
        },
      },
    });
    for (const [threshold, stat] of [
      ["latencyP95Ms", "p95"],
      ["latencyP99Ms", "p99"],
    ] as const) {
      drafts.push({
        key: `alb-latency-${stat}`,
        service: "load-balancer",
        watches: "api-alb",
        threshold,
        comparison: "GreaterThanThreshold",
        what: `API target response time ${stat}`,
        unit: " ms",
        convert: (ms) => ms / 1000,
        metric: metric("AWS/ApplicationELB", "TargetResponseTime", dims, stat),
      });
    }
  }
  return drafts;
}

function databaseDrafts<T>(targets: AlarmTargets<T>): Draft<T>[] {
  const db = targets.database;
  if (db === undefined) return [];
  const rds = (id: T, name: string, stat: string) => metric<T>("AWS/RDS", name, { DBInstanceIdentifier: id }, stat);
  const drafts: Draft<T>[] = [];
  const instances = [
    { ...db.primary, role: "primary", label: "primary" },
    ...db.replicas.map((r, i) => ({ ...r, role: "replica", label: `replica-${i + 1}` })),
  ];
  for (const instance of instances) {
    const id = instance.identifier;
    const key = `rds-${instance.label}`;
    const base = { service: "database" as const, watches: `postgres ${instance.label}` };
    drafts.push(
      {
        ...base,
        key: `${key}-cpu`,
        threshold: "dbCpuPercent",
        comparison: "GreaterThanThreshold",
        what: "PostgreSQL CPU",
        unit: " %",
        metric: rds(id, "CPUUtilization", "Average"),
      },
      {
        ...base,
        key: `${key}-connections`,
        threshold: "dbConnectionsPercent",
        comparison: "GreaterThanThreshold",
        what: `connections (of max_connections ${instance.maxConnections})`,
        unit: " %",
        convert: (pct) => Math.floor((instance.maxConnections * pct) / 100),
        metric: rds(id, "DatabaseConnections", "Maximum"),
      },
      {
        ...base,
        key: `${key}-read-latency`,
        threshold: "dbReadLatencyMs",
        comparison: "GreaterThanThreshold",
        what: "read latency",
        unit: " ms",
        convert: (ms) => ms / 1000,
        metric: rds(id, "ReadLatency", "Average"),
      },
    );
    if (instance.role === "primary") {
      drafts.push(
        {
          ...base,
          key: `${key}-free-storage`,
          threshold: "dbFreeStoragePercent",
          comparison: "LessThanThreshold",
          what: `free storage (of ${db.primary.storageGb} GB allocated)`,
          unit: " %",
          convert: (pct) => Math.round((db.primary.storageGb * GIB * pct) / 100),
          metric: rds(id, "FreeStorageSpace", "Minimum"),
        },
        {
          ...base,
          key: `${key}-write-latency`,
          threshold: "dbWriteLatencyMs",
          comparison: "GreaterThanThreshold",
          what: "write latency",
          unit: " ms",
          convert: (ms) => ms / 1000,
          metric: rds(id, "WriteLatency", "Average"),
        },
      );
    } else {
      drafts.push({
        ...base,
        key: `${key}-replica-lag`,
        threshold: "dbReplicaLagSeconds",
        comparison: "GreaterThanThreshold",
        what: "replica lag",
        unit: " s",
        metric: rds(id, "ReplicaLag", "Maximum"),
      });
    }
  }
  return drafts;
}

/**
 * A member cluster of a cluster-mode replication group: `<group>-<shard, 4 digits>-<node, 3 digits>`
 * (`redis2x2-0001-001` in ElastiCache's describe-replication-groups output), the `CacheClusterId` of one node's
 * metrics.
 */
export function cacheNodeId(replicationGroupId: string, shard: number, node: number): string {
  return `${replicationGroupId}-${String(shard).padStart(4, "0")}-${String(node).padStart(3, "0")}`;
}

/** CloudWatch metric math takes at most 10 metrics per alarm; a shard has at most six nodes. */
const MAX_METRICS_PER_ALARM = 10;

function cacheDrafts<T>(targets: AlarmTargets<T>): Draft<T>[] {
  const cache = targets.cache;
  if (cache === undefined) return [];
  const drafts: Draft<T>[] = [];
  const perShard = 1 + cache.replicasPerShard;
  if (perShard > MAX_METRICS_PER_ALARM)
    throw new Error(`cache.replicasPerShard ${cache.replicasPerShard}: a shard alarm can read at most 10 nodes`);
  for (let shard = 1; shard <= cache.shards; shard++) {
    const nodes = Array.from({ length: perShard }, (_, i) => cache.nodeId(shard, i + 1));
    // Failover moves the primary within the shard, so each alarm reads every node of it (MAX, or SUM for counts).
    const over = (name: string, stat: string, fold: "MAX" | "SUM"): MetricMath<T> => {
      const metrics = Object.fromEntries(
        nodes.map((id, i) => [`m${i + 1}`, metric<T>("AWS/ElastiCache", name, { CacheClusterId: id }, stat)]),
      );
      return { expression: `${fold}([${Object.keys(metrics).join(", ")}])`, label: `${name} (${fold})`, metrics };
    };
    const shardName = `shard-${shard}`;
    const base = { service: "cache" as const, watches: `redis shard ${shard}` };
    drafts.push(
      {
        ...base,
        key: `redis-${shardName}-memory`,
        threshold: "redisMemoryPercent",
        comparison: "GreaterThanThreshold",
        what: `Redis memory used (shard ${shard})`,
        unit: " %",
        metric: over("DatabaseMemoryUsagePercentage", "Maximum", "MAX"),
      },
      {
        ...base,
        key: `redis-${shardName}-evictions`,
        threshold: "redisEvictions",
        comparison: "GreaterThanThreshold",
        what: `Redis evictions under noeviction (shard ${shard})`,
        unit: "",
        metric: over("Evictions", "Sum", "SUM"),
      },
      {
        ...base,
        key: `redis-${shardName}-engine-cpu`,
        threshold: "redisEngineCpuPercent",
        comparison: "GreaterThanThreshold",
        what: `Redis engine CPU (shard ${shard})`,
        unit: " %",
        metric: over("EngineCPUUtilization", "Maximum", "MAX"),
      },
    );
    if (cache.replicasPerShard > 0) {
      drafts.push({
        ...base,
        key: `redis-${shardName}-replication-lag`,
        threshold: "redisReplicationLagSeconds",
        comparison: "GreaterThanThreshold",
        what: `Redis replication lag (shard ${shard})`,
        unit: " s",
        metric: over("ReplicationLag", "Maximum", "MAX"),
      });
    }
  }
  return drafts;
}

function searchDrafts<T>(targets: AlarmTargets<T>): Draft<T>[] {
  const search = targets.search;
  if (search === undefined) return [];
  const dims = { DomainName: search.domainName, ClientId: search.accountId };
  const es = (name: string, stat: string) => metric<T>("AWS/ES", name, dims, stat);
  const base = { service: "search" as const, watches: "opensearch" };
  return [
    {
      ...base,
      key: `search-red`,
      threshold: "searchClusterRed",
      comparison: "GreaterThanOrEqualToThreshold",
      what: "OpenSearch cluster status red",
      unit: "",
      metric: es("ClusterStatus.red", "Maximum"),
    },
    {
      ...base,
      key: `search-yellow`,
      threshold: "searchClusterYellow",
      comparison: "GreaterThanOrEqualToThreshold",
      what: "OpenSearch cluster status yellow",
      unit: "",
      metric: es("ClusterStatus.yellow", "Maximum"),
    },
    {
      ...base,
      key: `search-writes-blocked`,
      threshold: "searchWritesBlocked",
      comparison: "GreaterThanOrEqualToThreshold",
      what: "OpenSearch index writes blocked",
      unit: "",
      metric: es("ClusterIndexWritesBlocked", "Maximum"),
    },
    {
      ...base,
      key: `search-jvm-memory`,
      threshold: "searchJvmMemoryPressurePercent",
      comparison: "GreaterThanThreshold",
      what: "OpenSearch JVM memory pressure",
      unit: " %",
      metric: es("JVMMemoryPressure", "Maximum"),
    },
    {
      ...base,
      key: `search-free-storage`,
      threshold: "searchFreeStoragePercent",
      comparison: "LessThanThreshold",
      what: `OpenSearch free storage of the fullest node (of ${search.volumeGb} GB)`,
      unit: " %",
      // FreeStorageSpace is in megabytes; Minimum over the domain is its fullest node.
      convert: (pct) => Math.round((search.volumeGb * 1024 * pct) / 100),
      metric: es("FreeStorageSpace", "Minimum"),
    },
  ];
}

/** Every alarm of a stack, in a stable order: the request path first, then the data services. */
export function alarmSpecs<T>(spec: MonitoringSpec, targets: AlarmTargets<T>): AlarmSpec<T>[] {
  const drafts = [
    ...edgeDrafts(spec, targets),
    ...databaseDrafts(targets),
    ...cacheDrafts(targets),
    ...searchDrafts(targets),
  ];
  const specs = drafts.flatMap((d) => expand(spec, d));
  const keys = new Set<string>();
  for (const s of specs) {
    if (keys.has(s.key)) throw new Error(`alarm key ${s.key} is declared twice`);
    keys.add(s.key);
  }
  return specs;
}

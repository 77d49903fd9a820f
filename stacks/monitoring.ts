/**
 * What each tier watches and when it pages (issue 16), written once as data beside the tier table: warning and
 * critical thresholds with the source of every number, how long a breach must last, and which severities notify
 * anyone. The CloudWatch alarms, the Prometheus alert rules (AMP), the dashboard, the policy pack and the tests read
 * this file; thresholds that depend on a tier's sizing (bytes of storage, max_connections, the worker ceiling) are
 * resolved where they are used (infra/lib/monitoring/alarms.ts, infra/lib/monitoring/rules.ts).
 *
 * Tier-aware severity: every tier alarms at the same seed thresholds, but mvp pages later (a longer breach) and only
 * for critical alarms; its warnings are on the dashboard only. v1 and v2 notify warnings too, and v2 pages soonest.
 */
import type { TierName } from "./tiers";

export const SEVERITIES = ["warning", "critical"] as const;
export type Severity = (typeof SEVERITIES)[number];

/**
 * A warning and a critical level, and where each comes from. `null`: the severity has no alarm (evictions are
 * critical at the first one). Direction (above or below) belongs to the metric, see infra/lib/monitoring/alarms.ts.
 */
export interface ThresholdPair {
  warning: number | null;
  critical: number | null;
  /** The seed section (or "ours: why") each number comes from. */
  source: string;
}

/** How long a CloudWatch alarm's metric must breach: `datapoints` of the last `periods` periods of `periodSeconds`. */
export interface Evaluation {
  periodSeconds: number;
  datapoints: number;
  periods: number;
}

export interface Thresholds {
  // The request path (API by route in Prometheus; ALB and CloudFront in CloudWatch).
  /** p95 latency, ms: seed 002 target p95 < 100 ms (warning); seed 004 "response time > 500ms (p95)" (critical). */
  latencyP95Ms: ThresholdPair;
  /** p99 latency, ms: seed 002 target p99 < 200 ms (warning); seed 003 / 004 response time > 1 s (critical). */
  latencyP99Ms: ThresholdPair;
  /** 5xx share of requests, %: seed 003 error rate warning 1 % / critical 5 % (seed 004 alerts at 5 %). */
  errorRatePercent: ThresholdPair;
  /** Requests per minute below which rate alarms stay quiet (one failed request of three is not an outage). */
  minRequestsPerMinute: number;
  // The queue and the worker.
  /** Generation jobs waiting: critical at seed 004's 10,000; warning where the worker autoscaler is at its ceiling. */
  queueDepth: ThresholdPair;
  /** Jobs that fail for good, % of finished jobs. */
  jobFailureRatePercent: ThresholdPair;
  /** Cache hits, % of cache reads (alarms below). */
  cacheHitRatePercent: ThresholdPair;
  // PostgreSQL (AWS/RDS).
  dbCpuPercent: ThresholdPair;
  /** Free storage, % of the allocated storage (alarms below). */
  dbFreeStoragePercent: ThresholdPair;
  /** Connections, % of the class's max_connections (infra/lib/capacity/connections.ts). */
  dbConnectionsPercent: ThresholdPair;
  dbReplicaLagSeconds: ThresholdPair;
  dbReadLatencyMs: ThresholdPair;
  dbWriteLatencyMs: ThresholdPair;
  // Redis (AWS/ElastiCache).
  redisMemoryPercent: ThresholdPair;
  redisEngineCpuPercent: ThresholdPair;
  redisReplicationLagSeconds: ThresholdPair;
  /** Keys evicted per period: the queue runs under noeviction, so any eviction means data loss. */
  redisEvictions: ThresholdPair;
  // OpenSearch (AWS/ES).
  /** ClusterStatus.red (1 while any primary shard is unassigned). */
  searchClusterRed: ThresholdPair;
  /** ClusterStatus.yellow (1 while any replica shard is unassigned). */
  searchClusterYellow: ThresholdPair;
  /** ClusterIndexWritesBlocked (1 while the cluster refuses writes). */
  searchWritesBlocked: ThresholdPair;
  searchJvmMemoryPressurePercent: ThresholdPair;
  /** Free storage of the fullest node, % of its volume (alarms below). */
  searchFreeStoragePercent: ThresholdPair;
  // The cluster (Prometheus: kube-controller-manager, kube-scheduler and node-exporter metrics).
  /** Nodes not Ready. */
  nodesNotReady: ThresholdPair;
  /** Pods the scheduler cannot place. */
  podsUnschedulable: ThresholdPair;
  /** Free space of a node's root filesystem, % (alarms below). */
  nodeFilesystemFreePercent: ThresholdPair;
}

/** The thresholds that are warning/critical pairs (every field but the request floor). */
export type ThresholdKey = {
  [K in keyof Thresholds]: Thresholds[K] extends ThresholdPair ? K : never;
}[keyof Thresholds];

export interface MonitoringSpec {
  /** Severities whose alarms and alerts notify someone; the others show on the dashboard only. */
  notify: Record<Severity, boolean>;
  /** CloudWatch alarm evaluation, per severity. */
  evaluation: Record<Severity, Evaluation>;
  /** Prometheus alert `for:` per severity. */
  pendingFor: Record<Severity, string>;
  /** Prometheus rule groups' evaluation interval. */
  ruleInterval: string;
  thresholds: Thresholds;
}

/** The seed numbers, the same at every tier: the seeds give one set for the whole system. */
const THRESHOLDS: Thresholds = {
  latencyP95Ms: { warning: 100, critical: 500, source: "seed 002 p95 < 100 ms; seed 004 response time > 500ms (p95)" },
  latencyP99Ms: {
    warning: 200,
    critical: 1000,
    source: "seed 002 p99 < 200 ms; seed 003 critical 1000ms, seed 004 > 1s",
  },
  errorRatePercent: { warning: 1, critical: 5, source: "seed 003 error_rate warning 1% / critical 5%; seed 004 > 5%" },
  minRequestsPerMinute: 60,
  // The warning is resolved per tier: worker maxReplicas × jobsPerWorker (seed 000 §4.1 "10 jobs per worker").
  queueDepth: {
    warning: null,
    critical: 10_000,
    source: "seed 004 queue depth > 10,000; warning at the worker autoscaler's ceiling (seed 000 §4.1)",
  },
  jobFailureRatePercent: {
    warning: 1,
    critical: 5,
    source: "seed 003 error-rate pair applied to jobs; seed 001 phase 3: failure counters return to baseline",
  },
  cacheHitRatePercent: {
    warning: 80,
    critical: 50,
    source: "seed 002 cache hit rate > 80%; ours: below 50 % PostgreSQL serves most reads",
  },
  dbCpuPercent: { warning: 70, critical: 80, source: "seed 004 when to scale: CPU > 70%; alerts: database CPU > 80%" },
  dbFreeStoragePercent: {
    warning: 20,
    critical: 10,
    source: "ours: RDS storage autoscaling grows the volume below 10 % free; below it growth has stalled",
  },
  dbConnectionsPercent: {
    warning: 80,
    critical: 90,
    source: "seed 003 80 % / 90 % pair, on max_connections of infra/lib/capacity/connections.ts",
  },
  dbReplicaLagSeconds: {
    warning: 1,
    critical: 5,
    source: "core/config.ts READ_YOUR_WRITES_MS 5 s: past it a writer may read its own write stale; warning a fifth",
  },
  dbReadLatencyMs: { warning: 20, critical: 50, source: "seed 004 database query (p95) < 50ms; warning at 40 %" },
  dbWriteLatencyMs: { warning: 20, critical: 50, source: "seed 004 database query (p95) < 50ms; warning at 40 %" },
  redisMemoryPercent: { warning: 80, critical: 90, source: "seed 003 memory 80% / 90%; seed 004 Redis memory > 90%" },
  redisEngineCpuPercent: {
    warning: 70,
    critical: 90,
    source: "seed 004 CPU > 70%; ElastiCache best practice: EngineCPUUtilization 90 % (one thread)",
  },
  redisReplicationLagSeconds: {
    warning: 1,
    critical: 5,
    source: "ours: the same window as the database replicas (a failover loses what lags)",
  },
  redisEvictions: { warning: null, critical: 0, source: "seed 000 §2 noeviction for the BullMQ queue: must stay 0" },
  searchClusterRed: {
    warning: null,
    critical: 1,
    source: "AWS OpenSearch recommended alarms: ClusterStatus.red ≥ 1 (a primary shard is unassigned)",
  },
  searchClusterYellow: {
    warning: 1,
    critical: null,
    source: "AWS OpenSearch recommended alarms: ClusterStatus.yellow ≥ 1 (replicas unassigned; no redundancy)",
  },
  searchWritesBlocked: {
    warning: null,
    critical: 1,
    source: "AWS OpenSearch recommended alarms: ClusterIndexWritesBlocked ≥ 1 (the index refuses writes)",
  },
  searchJvmMemoryPressurePercent: {
    warning: 80,
    critical: 90,
    source: "seed 003 memory 80% / 90% (AWS recommends 95 % for 3 minutes)",
  },
  searchFreeStoragePercent: {
    warning: 25,
    critical: 10,
    source: "AWS OpenSearch recommended alarms: FreeStorageSpace ≤ 25 % of a node's storage; ours: 10 % critical",
  },
  nodesNotReady: { warning: null, critical: 0, source: "ours: a NotReady node takes a third of a zone's capacity" },
  podsUnschedulable: {
    warning: 0,
    critical: null,
    source: "ours: a pod the scheduler cannot place means the node groups' headroom is spent",
  },
  nodeFilesystemFreePercent: {
    warning: 20,
    critical: 10,
    source: "kubelet defaults: image GC from 85 % used, eviction at nodefs.available < 10 %",
  },
};

export const MONITORING: Readonly<Record<TierName, MonitoringSpec>> = {
  mvp: {
    notify: { warning: false, critical: true },
    evaluation: {
      warning: { periodSeconds: 60, datapoints: 10, periods: 10 },
      critical: { periodSeconds: 60, datapoints: 5, periods: 5 },
    },
    pendingFor: { warning: "15m", critical: "10m" },
    ruleInterval: "1m",
    thresholds: THRESHOLDS,
  },
  v1: {
    notify: { warning: true, critical: true },
    evaluation: {
      warning: { periodSeconds: 60, datapoints: 5, periods: 5 },
      critical: { periodSeconds: 60, datapoints: 3, periods: 5 },
    },
    pendingFor: { warning: "10m", critical: "5m" },
    ruleInterval: "1m",
    thresholds: THRESHOLDS,
  },
  v2: {
    notify: { warning: true, critical: true },
    evaluation: {
      warning: { periodSeconds: 60, datapoints: 5, periods: 5 },
      critical: { periodSeconds: 60, datapoints: 2, periods: 3 },
    },
    pendingFor: { warning: "10m", critical: "3m" },
    ruleInterval: "1m",
    thresholds: THRESHOLDS,
  },
};

/** Prometheus adds these series for every target it scrapes (up, scrape_duration_seconds, scrape_samples_*...). */
export const SERIES_PER_SCRAPE = 5;

/**
 * Series one scrape of each target returns, estimated (not yet measured on a deployed stack): the API's histogram is
 * 15 series per method, route and status, the rest a few dozen; node-exporter's and the
 * control plane's after the scraper's keep lists (infra/lib/monitoring/scrape.ts): a node's few filesystems, memory
 * and load; the scheduler's queues and the zones' node counts. They size the workspace's ingestion.
 */
export const SERIES_PER_TARGET = { api: 900, worker: 150, nodeExporter: 12, controlPlane: 20 } as const;

/** The scrape interval of the managed scraper: its minimum (AMP collectors refuse less than 30 s). */
export const SCRAPE_INTERVAL_SECONDS = 30;

/** Bytes a stored sample takes in the workspace, compressed (AMP pricing examples; unconfirmed). */
export const BYTES_PER_STORED_SAMPLE = 2;
/** The workspace keeps samples 150 days by default (AMP quotas: retention period). */
export const RETENTION_DAYS = 150;
/** Alert rules of the API group evaluated per minute, each reading every API series over a 5-minute window. */
const API_RULES = 8;
/** KEDA polls the API's request rate every 15 s over a 2-minute window. */
const KEDA_POLLS_PER_MONTH = (30 * 86_400) / 15;

export interface MetricsVolume {
  targets: number;
  series: number;
  samplesMillions: number;
  storedGb: number;
  querySamplesBillions: number;
}

/**
 * The metrics workspace's monthly volume at a tier's expected size (autoscalers at their minimum, node groups at
 * their desired size): what the usage assumptions `metrics*` of stacks/tiers.ts are set from (a test keeps them
 * equal). Queries are an upper bound: every API rule reads every API series of its window.
 */
export function metricsVolume(counts: { apiPods: number; workerPods: number; nodes: number }): MetricsVolume {
  const controlPlane = 2;
  const targets = counts.apiPods + counts.workerPods + counts.nodes + controlPlane;
  const apiSeries = counts.apiPods * SERIES_PER_TARGET.api;
  const series =
    apiSeries +
    counts.workerPods * SERIES_PER_TARGET.worker +
    counts.nodes * SERIES_PER_TARGET.nodeExporter +
    SERIES_PER_TARGET.controlPlane +
    targets * SERIES_PER_SCRAPE;
  const scrapesPerMonth = (30 * 86_400) / SCRAPE_INTERVAL_SECONDS;
  const samples = series * scrapesPerMonth;
  const windowSamples = (minutes: number) => (minutes * 60) / SCRAPE_INTERVAL_SECONDS;
  const ruleQueries = API_RULES * apiSeries * windowSamples(5) * 30 * 24 * 60;
  // The autoscaler's query reads the `_count` series only: one in (buckets + 3) of the histogram's series.
  const kedaQueries = KEDA_POLLS_PER_MONTH * (apiSeries / 15) * windowSamples(2);
  return {
    targets,
    series,
    samplesMillions: Math.round(samples / 1e6),
    storedGb: Math.round((samples * (RETENTION_DAYS / 30) * BYTES_PER_STORED_SAMPLE) / 1e9),
    querySamplesBillions: Math.round((ruleQueries + kedaQueries) / 1e9),
  };
}

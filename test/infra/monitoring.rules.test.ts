/**
 * The tier's Prometheus alert rules (infra/lib/monitoring/rules.ts), checked by the real promtool: `promtool check
 * rules` on each tier's rule file, and `promtool test rules` on series recorded from the app's own metric
 * definitions (core/metrics.ts, the registry the API and the worker expose on /metrics), written out exactly as the
 * text exposition a scrape reads. Each scenario lists, for every alert of the tier, the alerts it must raise (labels
 * and rendered annotations) and those it must not.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Histogram } from "prom-client";
import { Metrics } from "../../core/metrics";
import { GENERATION_QUEUE, JOBS, ruleFile, tierRuleGroups, type AlertRule } from "../../infra/lib/monitoring/rules";
import { toYaml, type YamlValue } from "../../infra/lib/monitoring/yaml";
import { MONITORING } from "../../stacks/monitoring";
import { TIERS, TIER_NAMES, type TierName } from "../../stacks/tiers";
import { ensurePromtool, promtool } from "../support/promtool";

jest.setTimeout(120_000);

/** Cumulative values per series (text-exposition key), one per minute; `undefined` before a series exists. */
type Timeline = Map<string, Array<number | undefined>>;

const MINUTES = 40;
const EVAL_AT = "35m";

/** One minute of a process: what it observes, as the app's code would (the same Metrics class). */
type Tick = (m: Metrics) => void;

/** Parses the registry's text exposition (what the scraper reads) into `series -> value`, adding the job label. */
async function scrape(m: Metrics, job: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const line of (await m.registry.metrics()).split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const cut = line.lastIndexOf(" ");
    const series = line.slice(0, cut);
    const value = Number(line.slice(cut + 1));
    const withJob = series.includes("{") ? series.replace("{", `{job="${job}",`) : `${series}{job="${job}"}`;
    out.set(withJob, value);
  }
  return out;
}

/** Runs the API's and the worker's ticks for MINUTES minutes and records every series after each minute. */
async function record(api: Tick, worker: Tick, extra: Record<string, number> = {}): Promise<Timeline> {
  const processes: Array<[Metrics, Tick, string]> = [
    [new Metrics(false), api, JOBS.api],
    [new Metrics(false), worker, JOBS.worker],
  ];
  const timeline: Timeline = new Map();
  for (let minute = 0; minute < MINUTES; minute++) {
    const seen = new Map<string, number>(Object.entries(extra));
    for (const [metrics, tick, job] of processes) {
      tick(metrics);
      for (const [series, value] of await scrape(metrics, job)) seen.set(series, value);
    }
    for (const [series, value] of seen) {
      const values = timeline.get(series) ?? new Array<number | undefined>(minute).fill(undefined);
      values[minute] = value;
      timeline.set(series, values);
    }
  }
  return timeline;
}

const READ = "/v1/scenes/:id";
const WRITE = "/v1/scenes";

/** `n` requests on a route within a minute, each taking `seconds`, answered with `status`. */
function requests(m: Metrics, n: number, seconds: number, status = 200, route = READ): void {
  const method = route === WRITE ? "POST" : "GET";
  for (let i = 0; i < n; i++) m.httpDuration.observe({ method, route, status: String(status) }, seconds);
}

/** A healthy minute of the API: 600 reads at 20 ms, 60 writes at 40 ms, probes, 90 % cache hits, a short queue. */
function healthyApi(m: Metrics): void {
  requests(m, 600, 0.02);
  requests(m, 60, 0.04, 201, WRITE);
  requests(m, 12, 0.001, 200, "/health/ready");
  m.cacheHits.inc({ layer: "lru" }, 400);
  m.cacheHits.inc({ layer: "redis" }, 140);
  m.cacheMisses.inc(60);
  m.queueDepth.set({ queue: GENERATION_QUEUE }, 50);
}

function healthyWorker(m: Metrics): void {
  m.jobsProcessed.inc({ queue: GENERATION_QUEUE }, 60);
  // Retried attempts are not failures for good.
  m.jobsFailed.inc({ queue: GENERATION_QUEUE, final: "false" }, 5);
}

/** The cluster's series (control plane and node-exporter), which the app does not emit. */
function cluster(opts: { unhealthy?: number; unschedulable?: number; freeFraction?: number } = {}) {
  const size = 100e9;
  return {
    [`node_collector_unhealthy_nodes_in_zone{job="${JOBS.controllerManager}",zone="us-east-1a"}`]: opts.unhealthy ?? 0,
    [`node_collector_unhealthy_nodes_in_zone{job="${JOBS.controllerManager}",zone="us-east-1b"}`]: 0,
    [`scheduler_pending_pods{job="${JOBS.scheduler}",queue="unschedulable"}`]: opts.unschedulable ?? 0,
    [`scheduler_pending_pods{job="${JOBS.scheduler}",queue="active"}`]: 3,
    [`node_filesystem_avail_bytes{job="${JOBS.nodeExporter}",instance="ip-10-0-1-5",mountpoint="/"}`]:
      size * (opts.freeFraction ?? 0.5),
    [`node_filesystem_size_bytes{job="${JOBS.nodeExporter}",instance="ip-10-0-1-5",mountpoint="/"}`]: size,
  };
}

interface Expected {
  alert: string;
  severity: "warning" | "critical";
  /** Labels the expression keeps (a route, a node). */
  labels?: Record<string, string>;
  /** `{{ $value }}` as the template renders it. */
  value: string;
}

interface Scenario {
  name: string;
  api: Tick;
  worker: Tick;
  cluster?: Record<string, number>;
  fires: Expected[];
}

const SCENARIOS: Scenario[] = [
  { name: "healthy traffic raises nothing", api: healthyApi, worker: healthyWorker, cluster: cluster(), fires: [] },
  {
    name: "reads at 700 ms: p95 above both levels, p99 above the warning only",
    api: (m) => {
      healthyApi(m);
      // On top of the healthy minute's 600 fast reads, 6,000 slow ones: the 95th and 99th percentile of the 6,600
      // fall in the 0.5-1 s bucket, at 0.5 + 0.5 × (0.95 × 6600 − 600) / 6000 = 0.9725 s and 0.9945 s.
      requests(m, 6000, 0.7);
    },
    worker: healthyWorker,
    cluster: cluster(),
    fires: [
      { alert: "ApiLatencyP95High", severity: "warning", labels: { route: READ }, value: "972.5ms" },
      { alert: "ApiLatencyP95High", severity: "critical", labels: { route: READ }, value: "972.5ms" },
      { alert: "ApiLatencyP99High", severity: "warning", labels: { route: READ }, value: "994.5ms" },
    ],
  },
  {
    name: "3 % of requests fail with a 5xx: the warning, not the page",
    api: (m) => {
      healthyApi(m);
      // 20 of the 680 user requests (probes do not count): 2.94 %.
      requests(m, 20, 0.02, 503);
    },
    worker: healthyWorker,
    cluster: cluster(),
    fires: [{ alert: "ApiErrorRateHigh", severity: "warning", value: "2.941" }],
  },
  {
    name: "a 5xx burst at low traffic stays below the request floor",
    api: (m) => requests(m, 30, 0.9, 500),
    worker: healthyWorker,
    cluster: cluster(),
    fires: [],
  },
  {
    name: "12,000 queued jobs and 10 % of jobs failing for good",
    api: (m) => {
      healthyApi(m);
      m.queueDepth.set({ queue: GENERATION_QUEUE }, 12_000);
    },
    worker: (m) => {
      m.jobsProcessed.inc({ queue: GENERATION_QUEUE }, 90);
      m.jobsFailed.inc({ queue: GENERATION_QUEUE, final: "true" }, 10);
    },
    cluster: cluster(),
    fires: [
      { alert: "QueueDepthHigh", severity: "warning", value: "12000" },
      { alert: "QueueDepthHigh", severity: "critical", value: "12000" },
      { alert: "JobFailureRateHigh", severity: "warning", value: "10" },
      { alert: "JobFailureRateHigh", severity: "critical", value: "10" },
    ],
  },
  {
    name: "60 % cache hits: below seed 002's 80 %, above the 50 % page",
    api: (m) => {
      requests(m, 600, 0.02);
      m.cacheHits.inc({ layer: "redis" }, 360);
      m.cacheMisses.inc(240);
      m.queueDepth.set({ queue: GENERATION_QUEUE }, 50);
    },
    worker: healthyWorker,
    cluster: cluster(),
    fires: [{ alert: "CacheHitRateLow", severity: "warning", value: "60" }],
  },
  {
    name: "a NotReady node, unschedulable pods and a root filesystem 5 % free",
    api: healthyApi,
    worker: healthyWorker,
    cluster: cluster({ unhealthy: 1, unschedulable: 2, freeFraction: 0.05 }),
    fires: [
      { alert: "NodesNotReady", severity: "critical", value: "1" },
      { alert: "PodsUnschedulable", severity: "warning", value: "2" },
      ...(["warning", "critical"] as const).map((severity) => ({
        alert: "NodeFilesystemFilling",
        severity,
        labels: { job: JOBS.nodeExporter, instance: "ip-10-0-1-5", mountpoint: "/" },
        value: "5",
      })),
    ],
  },
];

/** The annotations a firing rule renders: its templates with the alert's labels and value filled in. */
function rendered(rule: AlertRule, expected: Expected): Record<string, string> {
  const fill = (text: string) =>
    text
      .replace(/\{\{ \$value( \| humanize(Duration)?)? \}\}/g, expected.value)
      .replace(/\{\{ \$labels\.(\w+) \}\}/g, (_m, label: string) => expected.labels?.[label] ?? `<no ${label}>`);
  const out = Object.fromEntries(Object.entries(rule.annotations).map(([k, v]) => [k, fill(v)]));
  for (const v of Object.values(out)) if (v.includes("{{") || v.includes("<no ")) throw new Error(`unfilled: ${v}`);
  return out;
}

function values(series: Array<number | undefined>): string {
  return series.map((v) => (v === undefined ? "_" : String(v))).join(" ");
}

async function testFile(tier: TierName, scenario: Scenario): Promise<YamlValue> {
  const rules = tierRuleGroups(TIERS[tier]).flatMap((g) => g.rules);
  const timeline = await record(scenario.api, scenario.worker, scenario.cluster);
  const alerts = [...new Set(rules.map((r) => r.alert))];
  for (const e of scenario.fires) expect(alerts).toContain(e.alert);
  return {
    rule_files: ["rules.yaml"],
    evaluation_interval: MONITORING[tier].ruleInterval,
    tests: [
      {
        name: scenario.name,
        interval: "1m",
        input_series: [...timeline].map(([series, v]) => ({ series, values: values(v) })),
        alert_rule_test: alerts.map((alert) => ({
          eval_time: EVAL_AT,
          alertname: alert,
          exp_alerts: scenario.fires
            .filter((e) => e.alert === alert)
            .map((e) => {
              const rule = rules.find((r) => r.alert === alert && r.labels.severity === e.severity);
              if (rule === undefined) throw new Error(`${tier} has no ${e.severity} rule ${alert}`);
              return { exp_labels: { ...rule.labels, ...e.labels }, exp_annotations: rendered(rule, e) };
            }),
        })),
      },
    ],
  };
}

let dir: string;

beforeAll(async () => {
  await ensurePromtool();
  dir = mkdtempSync(join(tmpdir(), "storyforge-rules-"));
}, 600_000);

afterAll(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe.each(TIER_NAMES)("%s alert rules", (tier) => {
  const groups = tierRuleGroups(TIERS[tier]);
  const rulesPath = () => join(dir, tier, "rules.yaml");

  beforeAll(() => {
    rmSync(join(dir, tier), { recursive: true, force: true });
    mkdirSync(join(dir, tier));
    writeFileSync(rulesPath(), toYaml(ruleFile(groups)));
  });

  test("pass `promtool check rules`", async () => {
    const count = groups.reduce((n, g) => n + g.rules.length, 0);
    const result = await promtool(["check", "rules", "rules.yaml"], join(dir, tier));
    expect(result).toEqual({ code: 0, output: expect.stringContaining(`SUCCESS: ${count} rules found`) });
  });

  test("wait the tier's pending time per severity and carry the tier's thresholds", () => {
    const spec = MONITORING[tier];
    for (const rule of groups.flatMap((g) => g.rules)) {
      expect({ alert: rule.alert, for: rule.for }).toEqual({
        alert: rule.alert,
        for: spec.pendingFor[rule.labels.severity],
      });
      expect(rule.labels.tier).toBe(tier);
      expect(rule.annotations.source).toBe(spec.thresholds[rule.labels.threshold].source);
    }
    const queue = groups.flatMap((g) => g.rules).filter((r) => r.alert === "QueueDepthHigh");
    const w = TIERS[tier].workloads.worker;
    expect(queue.map((r) => [r.labels.severity, r.expr.split(" > ")[1]])).toEqual([
      ["warning", String(w.maxReplicas * w.jobsPerWorker)],
      ["critical", String(spec.thresholds.queueDepth.critical)],
    ]);
  });

  test.each(SCENARIOS.map((s) => [s.name, s] as const))("pass `promtool test rules`: %s", async (name, scenario) => {
    const file = `test-${SCENARIOS.indexOf(scenario)}.yaml`;
    writeFileSync(join(dir, tier, file), toYaml(await testFile(tier, scenario)));
    const result = await promtool(["test", "rules", file], join(dir, tier));
    expect({ scenario: name, ...result }).toEqual({
      scenario: name,
      code: 0,
      output: expect.stringContaining("SUCCESS"),
    });
  });
});

describe("the series the rules read", () => {
  test("are the names and labels the API and the worker register (core/metrics.ts)", () => {
    const m = new Metrics(false);
    const registered = new Map<string, string[]>();
    for (const metric of m.registry.getMetricsAsArray()) {
      const { name, labelNames } = metric as unknown as { name: string; labelNames?: string[] };
      const labels = [...(labelNames ?? [])];
      if (metric instanceof Histogram) {
        registered.set(`${name}_bucket`, [...labels, "le"]);
        registered.set(`${name}_count`, labels);
        registered.set(`${name}_sum`, labels);
      } else registered.set(name, labels);
    }
    const appJobs: string[] = [JOBS.api, JOBS.worker];
    const read: Array<{ name: string; labels: string[] }> = [];
    for (const rule of tierRuleGroups(TIERS.v1).flatMap((g) => g.rules)) {
      for (const [, name, matchers] of rule.expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\{([^}]*)\}/g)) {
        const job = /job="([^"]+)"/.exec(matchers)?.[1];
        if (job === undefined || !appJobs.includes(job)) continue;
        const labels = [...matchers.matchAll(/(\w+)\s*(?:=~|!~|!=|=)/g)].map((x) => x[1]).filter((l) => l !== "job");
        read.push({ name, labels });
      }
    }
    expect(read.length).toBeGreaterThan(10);
    for (const { name, labels } of read) {
      expect({ name, registered: registered.has(name) }).toEqual({ name, registered: true });
      for (const label of labels)
        expect({ name, label, known: registered.get(name)?.includes(label) }).toEqual({
          name,
          label,
          known: true,
        });
    }
  });
});

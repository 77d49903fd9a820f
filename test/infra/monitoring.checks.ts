/**
 * What a tier stack declares to be watched (issue 16), checked on its real offline plan: the CloudWatch alarms of
 * every data service and of the request path at the tier model's thresholds (stacks/tiers.ts sizes,
 * stacks/monitoring.ts levels), who they notify, the SNS topics and subscriptions, the Prometheus workspace with its
 * scraper, rules and Alertmanager, and the dashboard's layout. One `planStack` per test file: monitoring.<stack>.test.ts.
 */
import { PLAN_TIMEOUT_MS } from "../support/plan";
import { planStack, type Plan, type PlannedResource } from "../../tools/plan/harness";
import { rdsMaxConnections } from "../../infra/lib/capacity";
import { SECTIONS } from "../../infra/lib/monitoring/dashboard";
import { ruleFile, tierRuleGroups } from "../../infra/lib/monitoring/rules";
import { toYaml } from "../../infra/lib/monitoring/yaml";
import { MONITORING, type Severity } from "../../stacks/monitoring";
import { TIERS, type TierName } from "../../stacks/tiers";

type Obj = Record<string, any>;

const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const GIB = 1024 ** 3;

/** An alarm as the plan declares it, flattened: what it reads, on what, at which level. */
interface Alarm {
  key: string;
  severity: Severity;
  threshold: number;
  comparison: string;
  metrics: Array<{ namespace: string; name: string; dimensions: Record<string, string>; stat: string }>;
  expression?: string;
  inputs: Obj;
}

function flatten(r: PlannedResource): Alarm {
  const i = r.inputs as Obj;
  const queries: Obj[] = i.metricQueries ?? [];
  const metrics =
    queries.length > 0
      ? queries
          .filter((q) => q.metric !== undefined)
          .map((q) => ({
            namespace: q.metric.namespace,
            name: q.metric.metricName,
            dimensions: q.metric.dimensions,
            stat: q.metric.stat,
          }))
      : [
          {
            namespace: i.namespace,
            name: i.metricName,
            dimensions: i.dimensions,
            stat: i.extendedStatistic ?? i.statistic,
          },
        ];
  return {
    key: String(i.name),
    severity: i.tags.severity,
    threshold: i.threshold,
    comparison: i.comparisonOperator,
    metrics,
    expression: queries.find((q) => q.expression !== undefined)?.expression,
    inputs: i,
  };
}

export function monitoringSuite(stack: TierName, config: Record<string, unknown> = {}): void {
  let plan: Plan;
  let alarms: Alarm[];
  const tier = TIERS[stack];
  const spec = MONITORING[stack];
  const t = spec.thresholds;
  const all = (type: string): PlannedResource[] => plan.resources.filter((r) => r.type === type);
  /** The levels of the alarms reading `metric` with a dimension equal to `dimension`, by severity. */
  const levels = (metric: string, dimension?: string): Partial<Record<Severity, number>> =>
    Object.fromEntries(
      alarms
        .filter((a) => a.metrics.some((m) => m.name === metric))
        .filter(
          (a) => dimension === undefined || a.metrics.some((m) => Object.values(m.dimensions).includes(dimension)),
        )
        .map((a) => [a.severity, a.threshold]),
    );
  /** The primary's identifier, then the replicas' in name order. */
  const rdsIds = () =>
    all("aws:rds/instance:Instance")
      .sort(
        (a, b) =>
          Number(a.inputs.replicateSourceDb !== undefined) - Number(b.inputs.replicateSourceDb !== undefined) ||
          a.name.localeCompare(b.name, "en", { numeric: true }),
      )
      .map((r) => String((r.inputs as Obj).identifier));

  beforeAll(async () => {
    plan = await planStack(stack, { config });
    // The plan lists resources in the engine's registration order, which the program does not fix: order the alarms
    // by statistic, then warning before critical.
    const rank = (a: Alarm) => `${a.metrics[0].stat ?? ""}|${a.severity === "warning" ? 0 : 1}|${a.key}`;
    alarms = all(ALARM)
      .map(flatten)
      .sort((a, b) => rank(a).localeCompare(rank(b)));
  }, PLAN_TIMEOUT_MS);

  describe(`${stack} monitoring`, () => {
    test("every PostgreSQL instance alarms on CPU, connections against its max_connections and read latency; the primary on free storage and write latency, replicas on lag", () => {
      const [primary, ...replicas] = rdsIds();
      expect(replicas).toHaveLength(tier.database.replicas.count);
      const conn = (cls: string, pct: number) => Math.floor((rdsMaxConnections(cls) * pct) / 100);
      for (const [id, cls] of [
        [primary, tier.database.primary.instanceClass],
        ...replicas.map((r) => [r, tier.database.replicas.instanceClass]),
      ]) {
        expect({ id, cpu: levels("CPUUtilization", id) }).toEqual({
          id,
          cpu: { warning: t.dbCpuPercent.warning, critical: t.dbCpuPercent.critical },
        });
        expect({ id, connections: levels("DatabaseConnections", id) }).toEqual({
          id,
          connections: { warning: conn(cls, 80), critical: conn(cls, 90) },
        });
        expect(levels("ReadLatency", id)).toEqual({ warning: 0.02, critical: 0.05 });
      }
      const storage = tier.database.primary.storageGb * GIB;
      expect(levels("FreeStorageSpace", primary)).toEqual({ warning: storage * 0.2, critical: storage * 0.1 });
      expect(levels("WriteLatency", primary)).toEqual({ warning: 0.02, critical: 0.05 });
      for (const id of replicas) expect(levels("ReplicaLag", id)).toEqual({ warning: 1, critical: 5 });
      expect(levels("ReplicaLag", primary)).toEqual({});
    });

    test("every Redis shard alarms on memory, engine CPU and replication lag over all its nodes, and on the first eviction", () => {
      const { shards, replicasPerShard } = tier.cache;
      const memory = alarms.filter((a) => a.metrics[0].name === "DatabaseMemoryUsagePercentage");
      expect(memory).toHaveLength(2 * shards);
      const nodes = new Set(memory.flatMap((a) => a.metrics.map((m) => m.dimensions.CacheClusterId)));
      expect(nodes.size).toBe(shards * (1 + replicasPerShard));
      for (const id of nodes) expect(id).toMatch(/^storyforge-[a-z0-9]+-redis-000[1-9]-00[1-9]$/);
      expect(memory.map((a) => a.threshold).sort()).toEqual(
        Array.from({ length: shards }, () => [t.redisMemoryPercent.warning, t.redisMemoryPercent.critical])
          .flat()
          .sort(),
      );
      const evictions = alarms.filter((a) => a.metrics[0].name === "Evictions");
      expect(evictions.map((a) => [a.severity, a.comparison, a.threshold])).toEqual(
        Array.from({ length: shards }, () => ["critical", "GreaterThanThreshold", 0]),
      );
      expect(
        evictions.every((a) => a.expression?.startsWith("SUM(") && a.metrics.length === 1 + replicasPerShard),
      ).toBe(true);
      expect(alarms.filter((a) => a.metrics[0].name === "EngineCPUUtilization")).toHaveLength(2 * shards);
      expect(alarms.filter((a) => a.metrics[0].name === "ReplicationLag")).toHaveLength(
        replicasPerShard > 0 ? 2 * shards : 0,
      );
    });

    test("OpenSearch, where the tier has it, alarms on red, yellow, blocked writes, JVM pressure and free storage", () => {
      const es = alarms.filter((a) => a.metrics[0].namespace === "AWS/ES");
      if (tier.search === null) {
        expect(es).toEqual([]);
        return;
      }
      expect(levels("ClusterStatus.red")).toEqual({ critical: 1 });
      expect(levels("ClusterStatus.yellow")).toEqual({ warning: 1 });
      expect(levels("ClusterIndexWritesBlocked")).toEqual({ critical: 1 });
      expect(levels("JVMMemoryPressure")).toEqual({ warning: 80, critical: 90 });
      // FreeStorageSpace is in MiB.
      const mib = tier.search.volumeGb * 1024;
      const free = es.filter((a) => a.metrics[0].name === "FreeStorageSpace");
      expect(free.map((a) => [a.severity, a.comparison, a.threshold])).toEqual([
        ["warning", "LessThanThreshold", Math.round(mib * 0.25)],
        ["critical", "LessThanThreshold", Math.round(mib * 0.1)],
      ]);
      for (const a of es) expect(Object.keys(a.metrics[0].dimensions).sort()).toEqual(["ClientId", "DomainName"]);
    });

    test("the request path alarms on CloudFront's and the ALB's 5xx rate above a request floor, and on the ALB's p95 and p99", () => {
      const cdn = alarms.filter((a) => a.metrics.some((m) => m.namespace === "AWS/CloudFront"));
      expect(cdn.map((a) => [a.severity, a.threshold])).toEqual([
        ["warning", t.errorRatePercent.warning],
        ["critical", t.errorRatePercent.critical],
      ]);
      expect(cdn[0].expression).toBe(`IF(m2 >= ${t.minRequestsPerMinute}, m1, 0)`);
      expect(cdn[0].metrics[0].dimensions.Region).toBe("Global");
      const alb5xx = alarms.filter((a) => a.metrics.some((m) => m.name === "HTTPCode_Target_5XX_Count"));
      expect(alb5xx.map((a) => a.threshold)).toEqual([t.errorRatePercent.warning, t.errorRatePercent.critical]);
      expect(alb5xx[0].metrics.map((m) => m.name)).toEqual([
        "HTTPCode_Target_5XX_Count",
        "HTTPCode_ELB_5XX_Count",
        "RequestCount",
      ]);
      const latency = alarms
        .filter((a) => a.metrics[0].name === "TargetResponseTime")
        .map((a) => [a.metrics[0].stat, a.severity, a.threshold, a.metrics[0].dimensions.LoadBalancer]);
      const lb = expect.stringMatching(/^app\/[a-z0-9-]+\/[0-9a-f]+$/);
      expect(latency).toEqual([
        ["p95", "warning", 0.1, lb],
        ["p95", "critical", 0.5, lb],
        ["p99", "warning", 0.2, lb],
        ["p99", "critical", 1, lb],
      ]);
    });

    test("alarms notify the topic of their severity where the tier notifies it, after the tier's evaluation window", () => {
      const topics = all("aws:sns/topic:Topic").map((r) => String((r.inputs as Obj).name));
      expect(topics.sort()).toEqual([`storyforge-${stack}-alarms-critical`, `storyforge-${stack}-alarms-warning`]);
      const out = (plan.outputs.monitoring as Obj).alarmTopicArns;
      for (const a of alarms) {
        const expected = spec.notify[a.severity] ? [out[a.severity]] : [];
        expect({ key: a.key, actions: a.inputs.alarmActions, ok: a.inputs.okActions }).toEqual({
          key: a.key,
          actions: expected,
          ok: expected,
        });
        const e = spec.evaluation[a.severity];
        expect([a.inputs.evaluationPeriods, a.inputs.datapointsToAlarm]).toEqual([e.periods, e.datapoints]);
      }
      expect((plan.outputs.monitoring as Obj).alarmCount).toBe(alarms.length);
    });

    test("subscriptions come from stack config: emails on both topics, HTTPS pagers on the critical one", () => {
      const emails = (config["storyforge:alarmEmails"] as string[] | undefined) ?? [];
      const pagers = (config["storyforge:alarmHttpsEndpoints"] as string[] | undefined) ?? [];
      const out = (plan.outputs.monitoring as Obj).alarmTopicArns;
      const subs = all("aws:sns/topicSubscription:TopicSubscription").map((r) => {
        const i = r.inputs as Obj;
        return [
          i.topic === out.warning ? "warning" : i.topic === out.critical ? "critical" : i.topic,
          i.protocol,
          i.endpoint,
        ];
      });
      expect(subs.sort()).toEqual(
        [
          ...emails.flatMap((e) => [
            ["warning", "email", e],
            ["critical", "email", e],
          ]),
          ...pagers.map((u) => ["critical", "https", u]),
        ].sort(),
      );
    });

    test("the topics are encrypted with their own rotating key and publishable only over TLS, by this account's alarms and its workspace", () => {
      const key = all("aws:kms/key:Key").find((r) => r.parent === "alerting");
      expect(key?.inputs).toMatchObject({ enableKeyRotation: true });
      for (const topic of all("aws:sns/topic:Topic"))
        expect((topic.inputs as Obj).kmsMasterKeyId).toMatch(/^arn:aws:kms:/);
      for (const p of all("aws:sns/topicPolicy:TopicPolicy")) {
        const doc = JSON.parse(String((p.inputs as Obj).policy));
        const sids = doc.Statement.map((s: Obj) => s.Sid);
        expect(sids).toEqual([
          "AccountManagesTheTopic",
          "CloudWatchAlarmsOfThisAccount",
          "PrometheusAlertmanagerOfOneWorkspace",
          "TlsOnly",
        ]);
        const amp = doc.Statement.find((s: Obj) => s.Sid === "PrometheusAlertmanagerOfOneWorkspace");
        expect(amp.Condition.ArnEquals["aws:SourceArn"]).toBe((plan.outputs.monitoring as Obj).workspaceArn);
      }
    });

    test("the workspace evaluates the tier's rule groups and its Alertmanager routes each severity the tier notifies to its topic", () => {
      const rules = all("aws:amp/ruleGroupNamespace:RuleGroupNamespace");
      expect(rules.map((r) => (r.inputs as Obj).data)).toEqual([toYaml(ruleFile(tierRuleGroups(tier)))]);
      const definition = String(
        (all("aws:amp/alertManagerDefinition:AlertManagerDefinition")[0].inputs as Obj).definition,
      );
      const topics = (plan.outputs.monitoring as Obj).alarmTopicArns;
      for (const severity of ["warning", "critical"] as const)
        expect({ severity, routed: definition.includes(topics[severity]) }).toEqual({
          severity,
          routed: spec.notify[severity],
        });
    });

    test("the managed scraper reads the cluster through the private subnets and the cluster security group, and scrapes the API, the worker, node-exporter and the control plane", () => {
      const [scraper] = all("aws:amp/scraper:Scraper");
      const eks = (scraper.inputs as Obj).source.eks;
      expect(eks.subnetIds).toEqual((plan.outputs.vpc as Obj).privateSubnetIds);
      expect(eks.securityGroupIds).toHaveLength(1);
      expect(eks.clusterArn).toMatch(/^arn:aws:eks:us-east-1:\d{12}:cluster\//);
      const jobs = [...String((scraper.inputs as Obj).scrapeConfiguration).matchAll(/job_name: "([^"]+)"/g)].map(
        (m) => m[1],
      );
      expect(jobs).toEqual([
        "storyforge-api",
        "storyforge-worker",
        "node-exporter",
        "kube-scheduler",
        "kube-controller-manager",
      ]);
      expect(String((scraper.inputs as Obj).scrapeConfiguration)).toContain('scrape_interval: "30s"');
    });

    test("the dashboard lays out its sections in request-path order on CloudWatch's 24-column grid, graphing every alarm's metric once with its levels", () => {
      const [dashboard] = all("aws:cloudwatch/dashboard:Dashboard");
      const widgets: Obj[] = JSON.parse(String((dashboard.inputs as Obj).dashboardBody)).widgets;
      // No widget leaves the grid, and no two overlap.
      const cells = new Set<string>();
      for (const w of widgets) {
        expect(w.x + w.width).toBeLessThanOrEqual(24);
        for (let x = w.x; x < w.x + w.width; x++)
          for (let y = w.y; y < w.y + w.height; y++) {
            expect(cells.has(`${x},${y}`)).toBe(false);
            cells.add(`${x},${y}`);
          }
      }
      const headings = widgets
        .filter((w) => w.type === "text" && String(w.properties.markdown).startsWith("## "))
        .map((w) => String(w.properties.markdown).split("\n")[0].slice(3));
      const expectedSections = SECTIONS.filter((s) => !["path", "alarms"].includes(s.id))
        .filter((s) => s.id !== "search" || tier.search !== null)
        .map((s) => s.title);
      expect(headings).toEqual(expectedSections);
      // Widgets read top to bottom in that order.
      expect(widgets.map((w) => w.y)).toEqual([...widgets.map((w) => w.y)].sort((a, b) => a - b));
      // One graph per alarm family (both severities of one metric), with the alarms' levels drawn.
      const graphs = widgets.filter((w) => w.type === "metric");
      const families = new Map<string, number[]>();
      for (const a of alarms) {
        const graph = graphs.find(
          (g) =>
            g.properties.annotations.horizontal.some((h: Obj) => h.label === a.severity && h.value === a.threshold) &&
            JSON.stringify(g.properties.metrics).includes(JSON.stringify(a.metrics[0].name)),
        );
        expect({ alarm: a.key, graphed: graph !== undefined }).toEqual({ alarm: a.key, graphed: true });
        const name = a.key.replace(/-(warning|critical)$/, "");
        families.set(name, [...(families.get(name) ?? []), a.threshold]);
      }
      expect(graphs).toHaveLength(families.size);
      const [alarmWidget] = widgets.filter((w) => w.type === "alarm");
      expect(alarmWidget.properties.alarms).toHaveLength(alarms.length);
      // The Prometheus sections list every alert rule of the tier.
      const text = widgets.map((w) => String(w.properties.markdown ?? "")).join("\n");
      for (const rule of tierRuleGroups(tier).flatMap((g) => g.rules)) expect(text).toContain(`| ${rule.alert} |`);
    });
  });
}

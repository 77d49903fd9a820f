/**
 * The tier's CloudWatch dashboard, built from the same alarm specs and rule groups as the alarms (issue 16 §4): the
 * request path from viewer to database (CloudFront, the ALB, the API, PostgreSQL), the queue and the worker, then
 * the other data services. Every graph is an alarm's metric with the alarm's levels drawn on it, so the dashboard
 * cannot show a metric nobody alarms on, nor miss one that pages.
 *
 * The API's, the queue's and the worker's series live in the Prometheus workspace, which CloudWatch dashboards
 * cannot graph; their sections list the alert rules (PromQL) that watch them and where to query them.
 */
import type { Severity } from "../../../stacks/monitoring";
import { type AlarmService, type AlarmSpec, type MetricRef, isMath } from "./alarms";
import type { RuleGroup } from "./rules";

/** A dashboard section: a heading and the widgets under it. */
export interface Section {
  id: "path" | "alarms" | "cdn" | "load-balancer" | "api" | "database" | "queue" | "cache" | "search";
  title: string;
}

/** The sections in order: the path a request takes, then the work it queues, then the other data services. */
export const SECTIONS: readonly Section[] = [
  { id: "path", title: "Request path" },
  { id: "alarms", title: "Alarms" },
  { id: "cdn", title: "Viewer → CloudFront" },
  { id: "load-balancer", title: "CloudFront → load balancer → API pods" },
  { id: "api", title: "API pods (Prometheus)" },
  { id: "database", title: "API → PgBouncer → PostgreSQL" },
  { id: "queue", title: "Queue and worker (Prometheus)" },
  { id: "cache", title: "Redis: queue, cache and rate limits" },
  { id: "search", title: "OpenSearch" },
];

const SERVICE_SECTION: Record<AlarmService, Section["id"]> = {
  cdn: "cdn",
  "load-balancer": "load-balancer",
  database: "database",
  cache: "cache",
  search: "search",
};

const RULE_SECTION: Record<string, Section["id"]> = {
  "storyforge-api": "api",
  "storyforge-queue": "queue",
  "storyforge-cluster": "queue",
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a dashboard body is free-form JSON with Inputs inside
type Json = any;

export interface Widget {
  section: Section["id"];
  type: "text" | "alarm" | "metric";
  /** For metric widgets: the alarm family graphed (the alarm key without its severity). */
  family?: string;
  properties: Json;
}

/** The alarm key without its severity: both levels of one metric share a graph. */
export function familyOf(key: string): string {
  return key.replace(/-(warning|critical)$/, "");
}

function metricRow<T>(m: MetricRef<T>, extra: Record<string, unknown>): Json[] {
  return [m.namespace, m.metricName, ...Object.entries(m.dimensions).flat(), { stat: m.stat, ...extra }];
}

function graph<T>(family: AlarmSpec<T>[], region: string): Widget {
  const first = family[0];
  const m = first.metric;
  const metrics = isMath(m)
    ? [
        [{ expression: m.expression, label: m.label, id: "e1" }],
        ...Object.entries(m.metrics).map(([id, ref]) => metricRow(ref, { id, visible: false })),
      ]
    : [metricRow(m, { label: `${m.metricName} (${m.stat})` })];
  const levels = family.map((a) => ({ label: a.severity satisfies Severity, value: a.value }));
  return {
    section: SERVICE_SECTION[first.service],
    type: "metric",
    family: familyOf(first.key),
    properties: {
      title: first.title,
      view: "timeSeries",
      stacked: false,
      region: first.region ?? region,
      period: first.evaluation.periodSeconds,
      metrics,
      annotations: { horizontal: levels },
    },
  };
}

function rulesText(groups: readonly RuleGroup[], section: Section["id"]): string {
  const rules = groups
    .filter((g) => RULE_SECTION[g.name] === section)
    .flatMap((g) => g.rules)
    .map((r) => `| ${r.alert} | ${r.labels.severity} | \`${r.expr.replace(/\|/g, "\\|")}\` | ${r.for} |`);
  return [
    "Alert rules in the Prometheus workspace (stack output `monitoring.prometheusEndpoint`; query with `awscurl --service aps` or Grafana).",
    "",
    "| alert | severity | expression | for |",
    "| --- | --- | --- | --- |",
    ...rules,
  ].join("\n");
}

export interface DashboardInput<T> {
  stack: string;
  region: string;
  alarms: readonly AlarmSpec<T>[];
  /** ARNs of the alarms, in the order of `alarms`, for the alarm status widget. */
  alarmArns: readonly T[];
  rules: readonly RuleGroup[];
}

/** The widgets in order, each with its section. */
export function dashboardWidgets<T>(input: DashboardInput<T>): Widget[] {
  const families = new Map<string, AlarmSpec<T>[]>();
  for (const alarm of input.alarms) {
    const f = familyOf(alarm.key);
    families.set(f, [...(families.get(f) ?? []), alarm]);
  }
  const widgets: Widget[] = [];
  for (const section of SECTIONS) {
    const heading = (markdown: string): Widget => ({ section: section.id, type: "text", properties: { markdown } });
    switch (section.id) {
      case "path":
        widgets.push(
          heading(
            `# StoryForge ${input.stack}\nviewer → CloudFront → ALB → API → PgBouncer → PostgreSQL · API → Redis queue → worker`,
          ),
        );
        break;
      case "alarms":
        widgets.push({
          section: section.id,
          type: "alarm",
          properties: {
            title: "Every alarm of the stack",
            alarms: [...input.alarmArns],
            sortBy: "stateUpdatedTimestamp",
          },
        });
        break;
      case "api":
      case "queue":
        widgets.push(heading(`## ${section.title}\n${rulesText(input.rules, section.id)}`));
        break;
      default: {
        const graphs = [...families.values()]
          .filter((f) => SERVICE_SECTION[f[0].service] === section.id)
          .map((f) => graph(f, input.region));
        if (graphs.length > 0) widgets.push(heading(`## ${section.title}`), ...graphs);
      }
    }
  }
  return widgets;
}

/** The dashboard body CloudWatch takes (PutDashboard): widgets laid out on its 24-column grid. */
export function dashboardBody<T>(input: DashboardInput<T>): { widgets: Json[] } {
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  const placed = dashboardWidgets(input).map((w) => {
    const full = w.type !== "metric";
    const width = full ? 24 : 8;
    const height = w.type === "text" ? (String(w.properties.markdown).split("\n").length > 3 ? 8 : 2) : 6;
    if (full || x + width > 24) {
      y += rowHeight;
      x = 0;
      rowHeight = 0;
    }
    const at = { x, y, width, height };
    x = full ? 24 : x + width;
    rowHeight = Math.max(rowHeight, height);
    return { type: w.type, ...at, properties: w.properties };
  });
  return { widgets: placed };
}

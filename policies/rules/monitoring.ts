/**
 * Monitoring (issue 16 §6): from v1, a stack cannot deploy a data service or the API's load balancer that no
 * CloudWatch alarm watches. An alarm watches a resource when one of the metrics it reads (its own, or one of its
 * metric-math queries) carries the resource's dimension: DBInstanceIdentifier, the replication group's member
 * CacheClusterIds (`<group>-<shard>-<node>`), the OpenSearch DomainName. A name the preview does not know yet
 * (a generated one) cannot be matched and is left to the deploy.
 */
import type { PolicyResource } from "@pulumi/policy";
import { REPLICATION_GROUP, RDS_INSTANCE, SEARCH_DOMAIN } from "./data";
import { asArray, ofType, stackRule, type Props, type Rule } from "./kit";

export const METRIC_ALARM = ["aws:cloudwatch/metricAlarm:MetricAlarm"] as const;
export const LOAD_BALANCER = ["aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer"] as const;

/** One metric an alarm reads. */
export interface AlarmMetric {
  namespace: string;
  metricName: string;
  dimensions: Record<string, unknown>;
}

/** The metrics an alarm reads: its single metric, or every metric of its metric-math queries. */
export function alarmMetrics(props: Props): AlarmMetric[] {
  const queries = asArray(props.metricQueries).filter((q) => q?.metric !== undefined);
  if (queries.length > 0) {
    return queries.map((q) => ({
      namespace: String(q.metric.namespace),
      metricName: String(q.metric.metricName),
      dimensions: q.metric.dimensions ?? {},
    }));
  }
  return [
    { namespace: String(props.namespace), metricName: String(props.metricName), dimensions: props.dimensions ?? {} },
  ];
}

function watchedMetrics(resources: readonly PolicyResource[]): AlarmMetric[] {
  return ofType(resources, METRIC_ALARM).flatMap((r) => alarmMetrics(r.props));
}

export const dataServiceAlarms = stackRule({
  name: "alarms-on-data-services",
  description:
    "Every RDS instance, ElastiCache replication group and OpenSearch domain is read by at least one CloudWatch alarm.",
  level: "T",
  tierOnly: true,
  sources: ["issue 16 §6", "AWS Well-Architected REL06-BP01 (monitor all components of the workload)"],
  check: (resources, _ctx, report) => {
    const watched = watchedMetrics(resources);
    const reads = (namespace: string, dimension: string, match: (value: string) => boolean) =>
      watched.some((m) => {
        const value = m.dimensions[dimension];
        return m.namespace === namespace && typeof value === "string" && match(value);
      });
    for (const db of ofType(resources, RDS_INSTANCE)) {
      const id: unknown = db.props.identifier;
      if (typeof id !== "string") continue;
      if (!reads("AWS/RDS", "DBInstanceIdentifier", (v) => v === id))
        report(`no CloudWatch alarm reads AWS/RDS metrics with DBInstanceIdentifier ${id}`, db);
    }
    for (const group of ofType(resources, REPLICATION_GROUP)) {
      const id: unknown = group.props.replicationGroupId;
      if (typeof id !== "string") continue;
      if (!reads("AWS/ElastiCache", "CacheClusterId", (v) => v.startsWith(`${id}-`)))
        report(
          `no CloudWatch alarm reads AWS/ElastiCache metrics of a member of ${id} (CacheClusterId ${id}-*)`,
          group,
        );
    }
    for (const domain of ofType(resources, SEARCH_DOMAIN)) {
      const name: unknown = domain.props.domainName;
      if (typeof name !== "string") continue;
      if (!reads("AWS/ES", "DomainName", (v) => v === name))
        report(`no CloudWatch alarm reads AWS/ES metrics with DomainName ${name}`, domain);
    }
  },
});

export const apiErrorRateAlarm = stackRule({
  name: "alarm-on-api-error-rate",
  description: "A stack with an application load balancer alarms on its 5xx responses (HTTPCode_Target_5XX_Count).",
  level: "T",
  tierOnly: true,
  sources: ["issue 16 §6", "seed 004 alerts: error rate > 5%"],
  check: (resources, _ctx, report) => {
    const albs = ofType(resources, LOAD_BALANCER).filter(
      (r) => (r.props.loadBalancerType ?? "application") === "application",
    );
    if (albs.length === 0) return;
    const alarmed = watchedMetrics(resources).some(
      (m) => m.namespace === "AWS/ApplicationELB" && m.metricName === "HTTPCode_Target_5XX_Count",
    );
    if (!alarmed) {
      for (const alb of albs)
        report("no CloudWatch alarm reads its HTTPCode_Target_5XX_Count (the API's error rate)", alb);
    }
  },
});

export const monitoringRules: readonly Rule[] = [dataServiceAlarms, apiErrorRateAlarm];

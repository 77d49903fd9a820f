import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { MONITORING } from "../../stacks/monitoring";
import { rdsMaxConnections } from "../lib/capacity";
import { type StackContext } from "../lib/context";
import { type AlarmSpec, type AlarmTargets, alarmSpecs, cacheNodeId, isMath } from "../lib/monitoring/alarms";
import { type Alerting } from "./alerting";
import { type Cache } from "./cache";
import { type Database } from "./database";
import { type Search } from "./search";

/** `arn:…:loadbalancer/app/<name>/<id>` → `app/<name>/<id>`: the ALB's `LoadBalancer` metric dimension. */
export function loadBalancerArnSuffix(arn: string): string {
  const m = /^arn:[^:]+:elasticloadbalancing:[^:]*:\d{12}:loadbalancer\/((app|net|gwy)\/[^/]+\/[0-9a-f]+)$/.exec(arn);
  if (m === null) throw new Error(`not a load balancer ARN: ${JSON.stringify(arn)}`);
  return m[1];
}

export interface AlarmsArgs {
  /** Stack context: the tier's thresholds (stacks/monitoring.ts) and sizing. */
  context: StackContext;
  /** The topics alarms notify. */
  alerting: Alerting;
  database: Database;
  cache: Cache;
  /** OpenSearch; absent for tiers without one. */
  search?: Search;
  loadBalancer: { loadBalancerArn: pulumi.Input<string> };
  cdn: { distributionId: pulumi.Input<string> };
}

/**
 * The tier's CloudWatch alarms (issue 16 §1), one per threshold, severity and resource, from
 * infra/lib/monitoring/alarms.ts: the edge (CloudFront 5xx rate in us-east-1, the ALB's 5xx rate and p95 / p99
 * response time) and every data service (RDS CPU, storage, connections against max_connections, replica lag,
 * read and write latency; ElastiCache memory, evictions, engine CPU and replication lag per shard; OpenSearch
 * status, JVM pressure, storage and blocked writes). A severity the tier does not notify keeps its alarm, without
 * actions, for the dashboard.
 *
 * Monthly cost: $0.10 per metric an alarm reads (standard resolution; a metric-math alarm pays for each metric):
 * ≈ $8 mvp, $11 v1, $15 v2 (see `npm run cost`).
 */
export class Alarms extends pulumi.ComponentResource {
  /** The alarm specs, in the order of `alarmArns`. */
  readonly specs: AlarmSpec<pulumi.Input<string>>[];
  readonly alarmArns: pulumi.Output<string>[];

  constructor(name: string, args: AlarmsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("storyforge:ops:Alarms", name, {}, opts);
    const { context, alerting, database, cache, search } = args;
    const tier = context.config.tier;
    const region = context.config.region;
    const account = aws.getCallerIdentityOutput({}, { parent: this }).accountId;

    const targets: AlarmTargets<pulumi.Input<string>> = {
      cdn: { distributionId: args.cdn.distributionId },
      loadBalancer: { arnSuffix: pulumi.output(args.loadBalancer.loadBalancerArn).apply(loadBalancerArnSuffix) },
      database: {
        primary: {
          identifier: database.primary.identifier,
          maxConnections: rdsMaxConnections(tier.database.primary.instanceClass),
          storageGb: tier.database.primary.storageGb,
        },
        replicas: database.replicas.map((r) => ({
          identifier: r.identifier,
          maxConnections: rdsMaxConnections(tier.database.replicas.instanceClass),
        })),
      },
      cache: {
        shards: cache.shards,
        replicasPerShard: cache.replicasPerShard,
        nodeId: (shard, node) => cache.replicationGroupId.apply((group) => cacheNodeId(group, shard, node)),
      },
      ...(search === undefined || tier.search === null
        ? {}
        : { search: { domainName: search.domainName, accountId: account, volumeGb: tier.search.volumeGb } }),
    };
    this.specs = alarmSpecs(MONITORING[tier.name], targets);

    this.alarmArns = this.specs.map((spec) => {
      const elsewhere = spec.region !== undefined && spec.region !== region;
      const topics = elsewhere ? alerting.edgeTopicArns : alerting.topicArns;
      const actions = alerting.notifies[spec.severity] ? [topics[spec.severity]] : [];
      const period = spec.evaluation.periodSeconds;
      const m = spec.metric;
      const query = isMath(m)
        ? {
            metricQueries: [
              { id: "e1", expression: m.expression, label: m.label, returnData: true },
              ...Object.entries(m.metrics).map(([id, ref]) => ({
                id,
                returnData: false,
                metric: {
                  namespace: ref.namespace,
                  metricName: ref.metricName,
                  dimensions: ref.dimensions,
                  period,
                  stat: ref.stat,
                },
              })),
            ],
          }
        : {
            namespace: m.namespace,
            metricName: m.metricName,
            dimensions: m.dimensions,
            period,
            ...(/^p\d/.test(m.stat) ? { extendedStatistic: m.stat } : { statistic: m.stat }),
          };
      const alarm = new aws.cloudwatch.MetricAlarm(
        `${name}-${spec.key}`,
        {
          ...(elsewhere ? { region: spec.region } : {}),
          name: context.name(spec.key, 255),
          alarmDescription: spec.description,
          comparisonOperator: spec.comparison,
          threshold: spec.value,
          evaluationPeriods: spec.evaluation.periods,
          datapointsToAlarm: spec.evaluation.datapoints,
          treatMissingData: spec.treatMissingData,
          actionsEnabled: true,
          alarmActions: actions,
          okActions: actions,
          ...query,
          tags: context.tags({ severity: spec.severity, threshold: spec.threshold }),
        },
        { parent: this },
      );
      return alarm.arn;
    });
    this.registerOutputs({ alarmArns: this.alarmArns });
  }
}

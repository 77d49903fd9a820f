import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { type StackContext } from "../lib/context";
import { dashboardBody } from "../lib/monitoring/dashboard";
import { type Alarms } from "./alarms";
import { type MetricsStore } from "./metrics-store";

export interface DashboardArgs {
  context: StackContext;
  /** The alarms whose metrics the graphs show (and whose states the alarm widget lists). */
  alarms: Alarms;
  /** The Prometheus workspace: its rule groups and endpoint, for the API, queue and worker sections. */
  metrics: MetricsStore;
}

/**
 * One CloudWatch dashboard per tier (issue 16 §4), laid out by infra/lib/monitoring/dashboard.ts from the alarm specs
 * and the rule groups: the request path from viewer to database, the queue and the worker, the data services.
 *
 * Monthly cost: $3 per dashboard (see `npm run cost`).
 */
export class Dashboard extends pulumi.ComponentResource {
  readonly dashboardName: pulumi.Output<string>;

  constructor(name: string, args: DashboardArgs, opts?: pulumi.ComponentResourceOptions) {
    super("storyforge:ops:Dashboard", name, {}, opts);
    const { context, alarms, metrics } = args;
    // Dimension values and alarm ARNs are Outputs inside the body; jsonStringify resolves them.
    const body = dashboardBody({
      stack: context.config.stack,
      region: context.config.region,
      alarms: alarms.specs,
      alarmArns: alarms.alarmArns,
      rules: metrics.ruleGroups,
    });
    const dashboard = new aws.cloudwatch.Dashboard(
      `${name}-dashboard`,
      { dashboardName: context.name("overview"), dashboardBody: pulumi.jsonStringify(body) },
      { parent: this },
    );
    this.dashboardName = dashboard.dashboardName;
    this.registerOutputs({ dashboardName: this.dashboardName });
  }
}

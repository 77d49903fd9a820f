import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { type StackContext } from "../lib/context";
import { ruleFile, tierRuleGroups, type RuleGroup } from "../lib/monitoring/rules";
import { scrapeConfig } from "../lib/monitoring/scrape";
import { NODE_EXPORTER_APP, nodeExporterPodSpec } from "../lib/monitoring/node-exporter";
import { toYaml } from "../lib/monitoring/yaml";

/** Where the API's and the worker's metrics endpoints are (Workloads). */
export interface AppEndpoints {
  namespace: string;
  apiPortName: string;
  workerPortName: string;
}

export interface MetricsStoreArgs {
  context: StackContext;
  /** The EKS cluster the managed scraper reads: its ARN, its security group (ENIs join it) and its provider. */
  cluster: {
    clusterArn: pulumi.Input<string>;
    clusterSecurityGroupId: pulumi.Input<string>;
    provider: k8s.Provider;
  };
  /** Private subnets of at least two zones for the scraper's ENIs. */
  network: { privateSubnetIds: pulumi.Input<string>[] };
  app: AppEndpoints;
}

/** The namespace node-exporter runs in: its pods need the host's namespaces, which `restricted` forbids. */
export const MONITORING_NAMESPACE = "monitoring";
/** The AMP rule group namespace holding the tier's groups (ruleFile of infra/lib/monitoring/rules.ts). */
export const RULE_NAMESPACE = "storyforge";

/**
 * Application metrics in a managed store (issue 16 §2): an Amazon Managed Service for Prometheus workspace, an AWS
 * managed scraper for the EKS cluster (no Prometheus server to run), the tier's alert rules, and node-exporter on
 * every node. The scraper reaches the cluster through ENIs in the private subnets and the cluster security group
 * (which every node carries); EKS creates its access entry itself because the cluster's authentication mode is API
 * (AMP user guide, "Configure Amazon EKS for scraper access with access entries").
 *
 * The workspace encrypts at rest with an AWS owned key: a customer managed key would need the scraper's cross-role
 * configuration (AMP user guide, "Creating scraper for workspaces enabled with customer managed keys").
 *
 * Monthly cost: the collector's hours ($0.04/h), samples ingested and stored, and query samples processed, from the
 * tier's `metrics*` usage assumptions (see `npm run cost`); node-exporter runs within the nodes' agent budget.
 */
export class MetricsStore extends pulumi.ComponentResource {
  readonly workspaceArn: pulumi.Output<string>;
  readonly workspaceId: pulumi.Output<string>;
  /** The workspace's Prometheus-compatible endpoint, `https://aps-workspaces.<region>.amazonaws.com/workspaces/<id>/`. */
  readonly prometheusEndpoint: pulumi.Output<string>;
  /** The groups the workspace evaluates (also the dashboard's text). */
  readonly ruleGroups: RuleGroup[];
  readonly scraperArn: pulumi.Output<string>;

  constructor(name: string, args: MetricsStoreArgs, opts?: pulumi.ComponentResourceOptions) {
    super("storyforge:ops:MetricsStore", name, {}, opts);
    const { context, cluster, network, app } = args;
    const parent = { parent: this };
    if (network.privateSubnetIds.length < 2) {
      throw new Error(
        `the managed scraper needs subnets in at least two zones, got ${network.privateSubnetIds.length}`,
      );
    }

    const workspace = new aws.amp.Workspace(
      `${name}-workspace`,
      {
        alias: context.name("metrics"),
        // The scraper tags its destination; declaring the tag keeps Pulumi from removing it on every update.
        tags: context.tags({ AMPAgentlessScraper: "" }),
      },
      parent,
    );

    this.ruleGroups = tierRuleGroups(context.config.tier);
    new aws.amp.RuleGroupNamespace(
      `${name}-rules`,
      {
        workspaceId: workspace.id,
        name: RULE_NAMESPACE,
        data: toYaml(ruleFile(this.ruleGroups)),
        tags: context.tags(),
      },
      parent,
    );

    const k8sOpts = { parent: this, provider: cluster.provider };
    const namespace = new k8s.core.v1.Namespace(
      `${name}-namespace`,
      {
        metadata: {
          name: MONITORING_NAMESPACE,
          labels: {
            "app.kubernetes.io/part-of": "storyforge",
            // node-exporter reads the host (host network, PID namespace, hostPath): only `privileged` admits that.
            "pod-security.kubernetes.io/enforce": "privileged",
            "pod-security.kubernetes.io/warn": "baseline",
          },
        },
      },
      k8sOpts,
    );
    const labels = { "app.kubernetes.io/name": NODE_EXPORTER_APP, "app.kubernetes.io/part-of": "storyforge" };
    const nodeExporter = new k8s.apps.v1.DaemonSet(
      `${name}-node-exporter`,
      {
        metadata: { name: NODE_EXPORTER_APP, namespace: namespace.metadata.name, labels },
        spec: {
          selector: { matchLabels: labels },
          updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1 } },
          template: { metadata: { labels }, spec: nodeExporterPodSpec() },
        },
      },
      k8sOpts,
    );

    const scraper = new aws.amp.Scraper(
      `${name}-scraper`,
      {
        alias: context.name("scraper"),
        source: {
          eks: {
            clusterArn: cluster.clusterArn,
            subnetIds: network.privateSubnetIds,
            securityGroupIds: [cluster.clusterSecurityGroupId],
          },
        },
        destination: { amp: { workspaceArn: workspace.arn } },
        scrapeConfiguration: toYaml(
          scrapeConfig({
            clusterName: context.name("cluster"),
            appNamespace: app.namespace,
            apiPort: app.apiPortName,
            workerPort: app.workerPortName,
            monitoringNamespace: MONITORING_NAMESPACE,
            nodeExporterApp: NODE_EXPORTER_APP,
          }),
        ),
        tags: context.tags(),
      },
      { parent: this, dependsOn: [nodeExporter] },
    );

    this.workspaceArn = workspace.arn;
    this.workspaceId = workspace.id;
    this.prometheusEndpoint = workspace.prometheusEndpoint;
    this.scraperArn = scraper.arn;
    this.registerOutputs({
      workspaceArn: this.workspaceArn,
      prometheusEndpoint: this.prometheusEndpoint,
      scraperArn: this.scraperArn,
    });
  }
}

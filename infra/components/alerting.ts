import { createHash } from "node:crypto";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { MONITORING, SEVERITIES, type Severity } from "../../stacks/monitoring";
import { type StackContext } from "../lib/context";
import { CLOUDFRONT_METRICS_REGION } from "../lib/monitoring/alarms";
import { alertmanagerDefinition } from "../lib/monitoring/alertmanager";

export interface AlertingArgs {
  /** Stack context: `config.alerting` (who is subscribed), the tier's monitoring spec (which severities notify). */
  context: StackContext;
  /** The Prometheus workspace whose Alertmanager publishes here (its ARN scopes the topic policy). */
  workspace: { arn: pulumi.Input<string>; id: pulumi.Input<string> };
}

/** Who may publish and what they may do: the account, CloudWatch alarms of this account, and one AMP workspace. */
export function topicPolicy(args: {
  topicArn: string;
  accountId: string;
  region: string;
  workspaceArn?: string;
}): object {
  const { topicArn, accountId, region, workspaceArn } = args;
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "AccountManagesTheTopic",
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${accountId}:root` },
        Action: [
          "sns:GetTopicAttributes",
          "sns:SetTopicAttributes",
          "sns:AddPermission",
          "sns:RemovePermission",
          "sns:DeleteTopic",
          "sns:Subscribe",
          "sns:ListSubscriptionsByTopic",
          "sns:Publish",
        ],
        Resource: topicArn,
      },
      {
        Sid: "CloudWatchAlarmsOfThisAccount",
        Effect: "Allow",
        Principal: { Service: "cloudwatch.amazonaws.com" },
        Action: "sns:Publish",
        Resource: topicArn,
        Condition: {
          StringEquals: { "aws:SourceAccount": accountId },
          ArnLike: { "aws:SourceArn": `arn:aws:cloudwatch:${region}:${accountId}:alarm:*` },
        },
      },
      // AMP user guide, "Permission to send alert messages to your Amazon SNS topic".
      ...(workspaceArn === undefined
        ? []
        : [
            {
              Sid: "PrometheusAlertmanagerOfOneWorkspace",
              Effect: "Allow",
              Principal: { Service: "aps.amazonaws.com" },
              Action: ["sns:Publish", "sns:GetTopicAttributes"],
              Resource: topicArn,
              Condition: {
                ArnEquals: { "aws:SourceArn": workspaceArn },
                StringEquals: { "AWS:SourceAccount": accountId },
              },
            },
          ]),
      {
        Sid: "TlsOnly",
        Effect: "Deny",
        Principal: "*",
        Action: "sns:Publish",
        Resource: topicArn,
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ],
  };
}

/**
 * The key policy of the topics' key: the account administers it; CloudWatch and AMP, which publish to the encrypted
 * topics, may use it (SNS developer guide, "Enable compatibility between event sources and encrypted topics").
 */
export function topicKeyPolicy(accountId: string, region: string): object {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "AccountAdministersTheKey",
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${accountId}:root` },
        Action: "kms:*",
        Resource: "*",
      },
      {
        // Confused deputy: only this account's alarms in this region (CloudWatch sends both keys to KMS too).
        Sid: "CloudWatchAlarmsEncryptMessages",
        Effect: "Allow",
        Principal: { Service: "cloudwatch.amazonaws.com" },
        Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
        Resource: "*",
        Condition: {
          StringEquals: { "aws:SourceAccount": accountId },
          ArnLike: { "aws:SourceArn": `arn:aws:cloudwatch:${region}:${accountId}:alarm:*` },
        },
      },
      {
        // The AMP guide's key statement carries no source keys; the topic policy scopes AMP to the one workspace.
        Sid: "PrometheusAlertmanagerEncryptsMessages",
        Effect: "Allow",
        Principal: { Service: "aps.amazonaws.com" },
        Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
        Resource: "*",
      },
    ],
  };
}

/**
 * Where alarms and alerts go (issue 16 §1-2): one warning and one critical SNS topic, encrypted with a key of their
 * own, with the subscriptions of stack config (`storyforge:alarmEmails` on both, `storyforge:alarmHttpsEndpoints` on
 * critical), and the Prometheus workspace's Alertmanager routing to the same topics by severity. A tier whose
 * warnings do not notify (mvp) routes them to no one. CloudWatch alarm actions must be in the alarm's region, so a
 * stack outside us-east-1 gets a second pair of topics there for CloudFront's alarms.
 *
 * Monthly cost: $1 per KMS key (one, two outside us-east-1); topics are free; publishes and deliveries are a few
 * hundred messages a month (see `npm run cost`).
 */
export class Alerting extends pulumi.ComponentResource {
  /** The topic each severity publishes to, in the stack's region. */
  readonly topicArns: Record<Severity, pulumi.Output<string>>;
  /** The same in us-east-1, for CloudFront's alarms (equal to `topicArns` in a us-east-1 stack). */
  readonly edgeTopicArns: Record<Severity, pulumi.Output<string>>;
  /** Whether a severity notifies anyone at this tier (warnings do not at mvp). */
  readonly notifies: Record<Severity, boolean>;

  constructor(name: string, args: AlertingArgs, opts?: pulumi.ComponentResourceOptions) {
    super("storyforge:ops:Alerting", name, {}, opts);
    const { context, workspace } = args;
    const { region, tier } = context.config;
    const spec = MONITORING[tier.name];
    this.notifies = { ...spec.notify };
    const account = aws.getCallerIdentityOutput({}, { parent: this }).accountId;

    const home = this.topics(name, context, { region, account, workspaceArn: workspace.arn });
    this.topicArns = home;
    this.edgeTopicArns =
      region === CLOUDFRONT_METRICS_REGION
        ? home
        : this.topics(`${name}-edge`, context, { region: CLOUDFRONT_METRICS_REGION, account, pinRegion: true });

    new aws.amp.AlertManagerDefinition(
      `${name}-alertmanager`,
      {
        workspaceId: workspace.id,
        definition: pulumi
          .all([home.warning, home.critical])
          .apply(([warning, critical]) =>
            alertmanagerDefinition({ region, topics: { warning, critical }, notify: spec.notify }),
          ),
      },
      { parent: this },
    );
    this.registerOutputs({ topicArns: this.topicArns, edgeTopicArns: this.edgeTopicArns });
  }

  /** A key, a topic per severity with its policy, and the configured subscriptions, in `region`. */
  private topics(
    name: string,
    context: StackContext,
    where: { region: string; account: pulumi.Output<string>; workspaceArn?: pulumi.Input<string>; pinRegion?: boolean },
  ): Record<Severity, pulumi.Output<string>> {
    const parent = { parent: this };
    // Resources of another region than the provider's say so themselves (AWS provider ≥ 7: per-resource region).
    const inRegion = where.pinRegion === true ? { region: where.region } : {};
    const suffix = where.pinRegion === true ? `-${where.region}` : "";
    const key = new aws.kms.Key(
      `${name}-key`,
      {
        ...inRegion,
        description: `StoryForge ${context.config.stack} alarm topics${suffix}`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        policy: where.account.apply((account) => JSON.stringify(topicKeyPolicy(account, where.region))),
        tags: context.tags(),
      },
      parent,
    );
    new aws.kms.Alias(
      `${name}-key-alias`,
      { ...inRegion, name: `alias/${context.name(`alarms${suffix}`)}`, targetKeyId: key.keyId },
      parent,
    );
    const { emails, httpsEndpoints } = context.config.alerting;
    const arns = {} as Record<Severity, pulumi.Output<string>>;
    for (const severity of SEVERITIES) {
      const topic = new aws.sns.Topic(
        `${name}-${severity}`,
        {
          ...inRegion,
          name: context.name(`alarms-${severity}${suffix}`, 256),
          displayName: `StoryForge ${context.config.stack} ${severity}`,
          kmsMasterKeyId: key.arn,
          tags: context.tags({ severity }),
        },
        parent,
      );
      new aws.sns.TopicPolicy(
        `${name}-${severity}-policy`,
        {
          ...inRegion,
          arn: topic.arn,
          policy: pulumi
            .all([topic.arn, where.account, pulumi.output(where.workspaceArn)])
            .apply(([topicArn, accountId, workspaceArn]) =>
              JSON.stringify(topicPolicy({ topicArn, accountId, region: where.region, workspaceArn })),
            ),
        },
        parent,
      );
      // Named by the endpoint, so reordering the config list replaces nothing.
      const id = (endpoint: string) => createHash("sha256").update(endpoint).digest("hex").slice(0, 8);
      emails.forEach((email) => {
        new aws.sns.TopicSubscription(
          `${name}-${severity}-email-${id(email)}`,
          { ...inRegion, topic: topic.arn, protocol: "email", endpoint: email },
          parent,
        );
      });
      // Pagers get the critical topic only.
      if (severity === "critical") {
        httpsEndpoints.forEach((endpoint) => {
          new aws.sns.TopicSubscription(
            `${name}-${severity}-https-${id(endpoint)}`,
            { ...inRegion, topic: topic.arn, protocol: "https", endpoint, endpointAutoConfirms: true },
            parent,
          );
        });
      }
      arns[severity] = topic.arn;
    }
    return arns;
  }
}

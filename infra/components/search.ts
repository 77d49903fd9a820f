import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { StackContext } from "../lib/context";
import { NAME_LIMITS } from "../lib/naming";
import { SearchTier } from "../../stacks/tiers";
import { encryptionKey, serviceSecurityGroup, TrafficSource } from "./access";
import { Network } from "./network";

export const OPENSEARCH_PORT = 443;
export const OPENSEARCH_VERSION = "OpenSearch_2.19";
export const SEARCH_MASTER_USER = "storyforge_admin";

export interface SearchArgs {
  /** Stack context. */
  context: StackContext;
  /** Sizing of the domain (`tier.search`); the component is only built for tiers that have one. */
  spec: SearchTier;
  /** The VPC: the domain lives in its data subnets, one per zone. */
  network: Network;
  /**
   * Security groups allowed to connect on 443, in addition to the network's workload group.
   * @default []
   */
  extraSources?: TrafficSource[];
  /**
   * Days slow logs and application logs are kept.
   * @default 14
   */
  logRetentionDays?: number;
}

/**
 * OpenSearch for scene search (seed 000 §6): data nodes of the tier, three dedicated cluster managers, zone
 * awareness across the tier's zones, encryption at rest and node to node, HTTPS only with TLS 1.2 or newer,
 * VPC-only, fine-grained access control with an internal master user (a Pulumi secret in Secrets Manager), gp3.
 * mvp has none: the API falls back to PostgreSQL full-text search.
 *
 * Monthly cost (us-east-1 on-demand, 730 h): v1 3 × m7g.xlarge.search + 3 × m7g.large.search + 750 GB gp3
 * ≈ $1,100; v2 5 × m7g.2xlarge.search + 3 masters + 2.5 TB gp3 ≈ $2,900.
 */
export class Search extends pulumi.ComponentResource {
  /** HTTPS endpoint inside the VPC. */
  readonly endpoint: pulumi.Output<string>;
  readonly port = OPENSEARCH_PORT;
  readonly domainArn: pulumi.Output<string>;
  /** Secrets Manager secret holding the fine-grained access control master user. */
  readonly secretArn: pulumi.Output<string>;
  readonly securityGroupId: pulumi.Output<string>;

  constructor(name: string, args: SearchArgs, opts?: pulumi.ComponentResourceOptions) {
    super("storyforge:data:Search", name, {}, opts);
    const { context, network, spec } = args;
    const zones = context.config.tier.network.azCount;
    const logRetentionDays = args.logRetentionDays ?? 14;
    if (spec.dataNodes < zones) {
      throw new Error(`search.dataNodes must be at least the zones used (${zones}) for zone awareness, got ${spec.dataNodes}`);
    }
    if (spec.masterNodes !== 3) {
      throw new Error(`search.masterNodes must be 3 (a quorum that survives one loss), got ${spec.masterNodes}`);
    }
    const parent = { parent: this };

    const key = encryptionKey(name, context, "search", this);
    const securityGroup = serviceSecurityGroup(name, {
      context,
      vpcId: network.vpcId,
      part: "search",
      port: OPENSEARCH_PORT,
      sources: [{ label: "workloads", securityGroupId: network.workloadSecurityGroup.id }, ...(args.extraSources ?? [])],
      parent: this,
    });
    this.securityGroupId = securityGroup.id;

    const password = new random.RandomPassword(`${name}-master-password`, {
      length: 32,
      // Fine-grained access control demands upper, lower, digit and symbol.
      minUpper: 1,
      minLower: 1,
      minNumeric: 1,
      minSpecial: 1,
      overrideSpecial: "!#%^*-_+=",
    }, parent);
    const masterPassword = pulumi.secret(password.result);

    const logTypes = ["INDEX_SLOW_LOGS", "SEARCH_SLOW_LOGS", "ES_APPLICATION_LOGS"] as const;
    const logGroups = logTypes.map((type) => new aws.cloudwatch.LogGroup(`${name}-${type.toLowerCase().replace(/_/g, "-")}`, {
      name: `/storyforge/${context.config.stack}/opensearch/${type.toLowerCase()}`,
      retentionInDays: logRetentionDays,
      tags: context.tags(),
    }, parent));
    const logPolicy = new aws.cloudwatch.LogResourcePolicy(`${name}-log-policy`, {
      policyName: context.name("opensearch-logs"),
      policyDocument: pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [{
          Effect: "Allow",
          Principal: { Service: "es.amazonaws.com" },
          Action: ["logs:PutLogEvents", "logs:CreateLogStream"],
          Resource: logGroups.map((g) => pulumi.interpolate`${g.arn}:*`),
        }],
      }),
    }, parent);

    const domainName = context.name("search", NAME_LIMITS.opensearch);
    const domain = new aws.opensearch.Domain(`${name}-domain`, {
      domainName,
      engineVersion: OPENSEARCH_VERSION,
      clusterConfig: {
        instanceType: spec.instanceClass,
        instanceCount: spec.dataNodes,
        dedicatedMasterEnabled: true,
        dedicatedMasterType: spec.masterInstanceClass,
        dedicatedMasterCount: spec.masterNodes,
        zoneAwarenessEnabled: true,
        zoneAwarenessConfig: { availabilityZoneCount: zones },
      },
      ebsOptions: { ebsEnabled: true, volumeType: "gp3", volumeSize: spec.volumeGb },
      encryptAtRest: { enabled: true, kmsKeyId: key.arn },
      nodeToNodeEncryption: { enabled: true },
      domainEndpointOptions: { enforceHttps: true, tlsSecurityPolicy: "Policy-Min-TLS-1-2-PFS-2023-10" },
      vpcOptions: { subnetIds: network.dataSubnetIds, securityGroupIds: [securityGroup.id] },
      advancedSecurityOptions: {
        enabled: true,
        internalUserDatabaseEnabled: true,
        masterUserOptions: { masterUserName: SEARCH_MASTER_USER, masterUserPassword: masterPassword },
      },
      logPublishingOptions: logTypes.map((logType, i) => ({ logType, cloudwatchLogGroupArn: logGroups[i].arn, enabled: true })),
      softwareUpdateOptions: { autoSoftwareUpdateEnabled: true },
      tags: context.tags({ Name: domainName }),
    }, { parent: this, dependsOn: [logPolicy] });
    this.endpoint = domain.endpoint;
    this.domainArn = domain.arn;

    // Inside the VPC every principal may send HTTP requests; fine-grained access control decides what each may do.
    new aws.opensearch.DomainPolicy(`${name}-access`, {
      domainName: domain.domainName,
      accessPolicies: pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { AWS: "*" }, Action: "es:ESHttp*", Resource: pulumi.interpolate`${domain.arn}/*` }],
      }),
    }, parent);

    const secret = new aws.secretsmanager.Secret(`${name}-master-secret`, {
      name: `storyforge/${context.config.stack}/opensearch-master`,
      description: "StoryForge OpenSearch fine-grained access control master user",
      kmsKeyId: key.arn,
      recoveryWindowInDays: context.config.tier.database.deletionProtection ? 30 : 0,
      tags: context.tags(),
    }, parent);
    new aws.secretsmanager.SecretVersion(`${name}-master-secret-value`, {
      secretId: secret.id,
      secretString: pulumi.secret(pulumi.jsonStringify({ username: SEARCH_MASTER_USER, password: masterPassword, endpoint: domain.endpoint })),
    }, parent);
    this.secretArn = secret.arn;

    this.registerOutputs({ endpoint: this.endpoint, secretArn: this.secretArn, securityGroupId: this.securityGroupId });
  }
}

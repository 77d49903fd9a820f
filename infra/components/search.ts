import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { type StackContext } from "../lib/context";
import { NAME_LIMITS } from "../lib/naming";
import { type SearchTier } from "../../stacks/tiers";
import { encryptionKey, serviceSecurityGroup, type TrafficSource } from "./access";
import { type OidcIdentity, serviceAccountRole } from "./irsa";
import { type Network } from "./network";
import { missingServiceRoleMessage, OPENSEARCH_SERVICE_ROLE } from "../lib/prerequisites";

export const OPENSEARCH_PORT = 443;
export const OPENSEARCH_VERSION = "OpenSearch_2.19";
/** What the clients may send: every HTTP method the app uses, on the domain's indices and APIs. */
export const SEARCH_CLIENT_ACTIONS = [
  "es:ESHttpGet",
  "es:ESHttpHead",
  "es:ESHttpPost",
  "es:ESHttpPut",
  "es:ESHttpDelete",
] as const;

/** The Kubernetes service accounts that talk to OpenSearch, signing requests (SigV4) with one shared IRSA role. */
export interface SearchClients {
  /** Namespace of the service accounts. */
  namespace: string;
  /** Service accounts that may assume the client role, e.g. `["api", "worker"]`; changing them updates its trust. */
  serviceAccounts: readonly string[];
}

export interface SearchArgs {
  /** Stack context. */
  context: StackContext;
  /** Sizing of the domain (`tier.search`); the component is only built for tiers that have one. */
  spec: SearchTier;
  /** The VPC: the domain lives in its data subnets, one per zone. */
  network: Network;
  /** The EKS cluster whose OIDC provider the client role trusts (`Cluster` satisfies it). */
  cluster: OidcIdentity;
  /** The workloads that use the domain: they get the client role, which is the domain's master user. */
  clients: SearchClients;
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
 * VPC-only, gp3. Fine-grained access control has an IAM master user and no internal user database: the master user
 * is one IRSA role (`clientRoleArn`) that the client service accounts (the API and the worker) assume and sign their
 * requests (SigV4) with. An IAM principal that no OpenSearch role maps is refused under fine-grained access control,
 * and mappings can only be made through the REST API inside the VPC, which Pulumi cannot reach; a master user is
 * mapped to `all_access` by the service itself. Operators reach the REST API and Dashboards by assuming that role
 * (from inside the VPC, e.g. a pod under one of the client service accounts, the only principals it trusts), or use
 * it once to map their own IAM role to an OpenSearch role.
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
  /** The domain's name (the `DomainName` dimension of its CloudWatch metrics). */
  readonly domainName: pulumi.Output<string>;
  /** The IRSA role of the clients, and the fine-grained access control master user. */
  readonly clientRoleArn: pulumi.Output<string>;
  /** The client role's permissions: pods that sign requests with the role wait for these. */
  readonly clientGrants: pulumi.Resource[];
  /** The service accounts the client role trusts. */
  readonly clients: SearchClients;
  readonly securityGroupId: pulumi.Output<string>;

  constructor(name: string, args: SearchArgs, opts?: pulumi.ComponentResourceOptions) {
    super("storyforge:data:Search", name, {}, opts);
    const { context, network, cluster, clients, spec } = args;
    this.clients = { namespace: clients.namespace, serviceAccounts: [...clients.serviceAccounts] };
    const zones = context.config.tier.network.azCount;
    const logRetentionDays = args.logRetentionDays ?? 14;
    if (spec.dataNodes < zones) {
      throw new Error(
        `search.dataNodes must be at least the zones used (${zones}) for zone awareness, got ${spec.dataNodes}`,
      );
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
      sources: [
        { label: "workloads", securityGroupId: network.workloadSecurityGroup.id },
        ...(args.extraSources ?? []),
      ],
      parent: this,
    });
    this.securityGroupId = securityGroup.id;

    // The role first (the domain names it as master user); its permissions after the domain, whose ARN they name.
    const clientRole = serviceAccountRole(`${name}-client`, {
      context,
      cluster,
      namespace: clients.namespace,
      serviceAccounts: clients.serviceAccounts,
      roleName: `${clients.namespace}-search-client`,
      policyAttachedByCaller: true,
      parent: this,
    });
    this.clientRoleArn = clientRole.arn;

    const logTypes = ["INDEX_SLOW_LOGS", "SEARCH_SLOW_LOGS", "ES_APPLICATION_LOGS"] as const;
    const logGroups = logTypes.map(
      (type) =>
        new aws.cloudwatch.LogGroup(
          `${name}-${type.toLowerCase().replace(/_/g, "-")}`,
          {
            name: `/storyforge/${context.config.stack}/opensearch/${type.toLowerCase()}`,
            retentionInDays: logRetentionDays,
            tags: context.tags(),
          },
          parent,
        ),
    );
    const logPolicy = new aws.cloudwatch.LogResourcePolicy(
      `${name}-log-policy`,
      {
        policyName: context.name("opensearch-logs"),
        policyDocument: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { Service: "es.amazonaws.com" },
              Action: ["logs:PutLogEvents", "logs:CreateLogStream"],
              Resource: logGroups.map((g) => pulumi.interpolate`${g.arn}:*`),
            },
          ],
        }),
      },
      parent,
    );

    const domainName = context.name("search", NAME_LIMITS.opensearch);
    // The prerequisite is looked up, not created: without it the domain fails after everything before it was built.
    // Its name waits for the look-up, so a missing role stops the deploy at the preview with what to run.
    const serviceRole = aws.iam.getRolesOutput({ pathPrefix: OPENSEARCH_SERVICE_ROLE.pathPrefix }, { parent: this });
    const checkedName = serviceRole.names.apply((names) => {
      if (!names.includes(OPENSEARCH_SERVICE_ROLE.name)) throw new pulumi.RunError(missingServiceRoleMessage());
      return domainName;
    });
    const domain = new aws.opensearch.Domain(
      `${name}-domain`,
      {
        domainName: checkedName,
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
          internalUserDatabaseEnabled: false,
          masterUserOptions: { masterUserArn: clientRole.arn },
        },
        logPublishingOptions: logTypes.map((logType, i) => ({
          logType,
          cloudwatchLogGroupArn: logGroups[i].arn,
          enabled: true,
        })),
        softwareUpdateOptions: { autoSoftwareUpdateEnabled: true },
        tags: context.tags({ Name: domainName }),
      },
      { parent: this, dependsOn: [logPolicy] },
    );
    this.endpoint = domain.endpoint;
    this.domainArn = domain.arn;
    this.domainName = domain.domainName;

    // Inside the VPC every principal may send HTTP requests; fine-grained access control decides what each may do.
    new aws.opensearch.DomainPolicy(
      `${name}-access`,
      {
        domainName: domain.domainName,
        accessPolicies: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { AWS: "*" },
              Action: "es:ESHttp*",
              Resource: pulumi.interpolate`${domain.arn}/*`,
            },
          ],
        }),
      },
      parent,
    );

    const clientPolicy = new aws.iam.RolePolicy(
      `${name}-client-policy`,
      {
        role: clientRole.role.id,
        name: "opensearch-http",
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            { Effect: "Allow", Action: [...SEARCH_CLIENT_ACTIONS], Resource: pulumi.interpolate`${domain.arn}/*` },
          ],
        }),
      },
      parent,
    );
    this.clientGrants = [clientPolicy];

    this.registerOutputs({
      endpoint: this.endpoint,
      clientRoleArn: this.clientRoleArn,
      securityGroupId: this.securityGroupId,
    });
  }
}

import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { type StackContext } from "../lib/context";
import { NAME_LIMITS } from "../lib/naming";
import { type SearchTier } from "../../stacks/tiers";
import { deputyCondition } from "../lib/trust";
import { encryptionKey, serviceSecurityGroup, type TrafficSource } from "./access";
import { type OidcIdentity, serviceAccountRole } from "./irsa";
import { type Network } from "./network";
import { SearchSecurity, searchAdminFunctionGroup, searchAdminRole } from "./search-security";
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
  /** The workloads that use the domain: they get the client role, mapped to the app's index-scoped role. */
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
 * OpenSearch for scene search (seed 000 §6): data nodes of the tier (a multiple of the zones), three dedicated
 * cluster managers, dedicated coordinators per the tier (v2: one per zone, holding the domain's network interfaces),
 * zone awareness across the tier's zones, encryption at rest and node to node, HTTPS only with TLS 1.2 or newer,
 * VPC-only, gp3. Fine-grained access control has an IAM master user and no internal user database. The master user
 * is `search-admin` (search-security.ts), a role only the Lambda service and the configured operators' role can
 * assume; the deploy runs a VPC-attached function as that role to create the app's OpenSearch role (`crud` and
 * `create_index` on the scene indices) and map the client IRSA role (`clientRoleArn`, assumed by the API and the
 * worker) to it. A compromised pod can therefore read and write scenes, but not change security settings or other
 * indices.
 * The domain is `protect`ed: OpenSearch Service has no final snapshot, and its automated snapshots are deleted with
 * the domain, so `pulumi destroy` must be a decision (unprotect first, take a manual snapshot to S3 if the data
 * matters).
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
  /** The IRSA role of the clients, mapped to the app's OpenSearch role. */
  readonly clientRoleArn: pulumi.Output<string>;
  /** The fine-grained access control master user (no workload can assume it). */
  readonly adminRoleArn: pulumi.Output<string>;
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
    const region = context.config.region;
    const account = aws.getCallerIdentityOutput({}, parent).accountId;
    const partition = aws.getPartitionOutput({}, parent).partition;

    const key = encryptionKey(name, context, "search", this);
    const adminFunctionGroup = searchAdminFunctionGroup(name, context, network.vpcId, this);
    const { group: securityGroup, ingress } = serviceSecurityGroup(name, {
      context,
      vpcId: network.vpcId,
      part: "search",
      port: OPENSEARCH_PORT,
      sources: [
        { label: "workloads", securityGroupId: network.workloadSecurityGroup.id },
        { label: "search-admin", securityGroupId: adminFunctionGroup.id },
        ...(args.extraSources ?? []),
      ],
      parent: this,
    });
    this.securityGroupId = securityGroup.id;

    // The master user before the domain, which names it; its permissions after the domain, whose ARN they name.
    const adminRole = searchAdminRole(name, context, this);
    this.adminRoleArn = adminRole.arn;
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
    const domainName = context.name("search", NAME_LIMITS.opensearch);
    // OpenSearch Service guide ("Monitoring OpenSearch logs"): the service sends both keys; the domain's ARN is
    // known from its name before the domain exists, so the policy can come first.
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
              Condition: deputyCondition({
                sourceAccount: account,
                sourceArn: pulumi.interpolate`arn:${partition}:es:${region}:${account}:domain/${domainName}`,
              }),
            },
          ],
        }),
      },
      parent,
    );

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
          // Stated, so a provider default cannot flip it: standby needs a multiple of three and other limits.
          multiAzWithStandbyEnabled: false,
          ...(spec.coordinatorNodes > 0
            ? {
                nodeOptions: [
                  {
                    nodeType: "coordinator",
                    nodeConfig: { enabled: true, count: spec.coordinatorNodes, type: spec.coordinatorInstanceClass },
                  },
                ],
              }
            : {}),
        },
        ebsOptions: { ebsEnabled: true, volumeType: "gp3", volumeSize: spec.volumeGb },
        encryptAtRest: { enabled: true, kmsKeyId: key.arn },
        nodeToNodeEncryption: { enabled: true },
        domainEndpointOptions: { enforceHttps: true, tlsSecurityPolicy: "Policy-Min-TLS-1-2-PFS-2023-10" },
        vpcOptions: { subnetIds: network.dataSubnetIds, securityGroupIds: [securityGroup.id] },
        advancedSecurityOptions: {
          enabled: true,
          internalUserDatabaseEnabled: false,
          masterUserOptions: { masterUserArn: adminRole.arn },
        },
        logPublishingOptions: logTypes.map((logType, i) => ({
          logType,
          cloudwatchLogGroupArn: logGroups[i].arn,
          enabled: true,
        })),
        softwareUpdateOptions: { autoSoftwareUpdateEnabled: true },
        tags: context.tags({ Name: domainName }),
      },
      { parent: this, dependsOn: [logPolicy], protect: true },
    );
    this.endpoint = domain.endpoint;
    this.domainArn = domain.arn;
    this.domainName = domain.domainName;

    // Only the two roles may send requests at all; fine-grained access control decides what each may do.
    const access = new aws.opensearch.DomainPolicy(
      `${name}-access`,
      {
        domainName: domain.domainName,
        accessPolicies: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { AWS: [clientRole.arn, adminRole.arn] },
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

    new SearchSecurity(
      `${name}-security`,
      {
        context,
        subnetIds: network.privateSubnetIds,
        domain: { endpoint: domain.endpoint, arn: domain.arn },
        adminRole,
        functionGroup: adminFunctionGroup,
        domainGroupId: securityGroup.id,
        clientRoleArn: clientRole.arn,
        // the function's requests need the domain to admit its group and its role
        domainAccess: [access, ingress["search-admin"]],
      },
      parent,
    );

    this.registerOutputs({
      endpoint: this.endpoint,
      clientRoleArn: this.clientRoleArn,
      adminRoleArn: this.adminRoleArn,
      securityGroupId: this.securityGroupId,
    });
  }
}

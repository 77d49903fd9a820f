/**
 * Every `storyforge:*` stack config key, declared once: its type, description, bounds and, for a tier override, the
 * path into the tier it replaces. Pulumi.yaml is generated from this list (`npm run gen:project-config`).
 *
 * Pulumi requires a value for every key declared without a default (pulumi/pulumi#21797), so override keys are
 * declared with an "inherit" default: `-1` for integers, `""` for strings and for the true/false overrides. Such a
 * value means "the tier's value".
 */
import { TIER_NAMES } from "../tiers";
import { DEFAULT_KUBERNETES_VERSION, KUBERNETES_VERSIONS } from "../kubernetes";

export const PROJECT = "storyforge";

export type ConfigKeyType = "string" | "integer" | "boolean" | "flag" | "array";

export interface ConfigKeyDef {
  /** Key without the `storyforge:` namespace. */
  key: string;
  /**
   * `flag` is a true/false override declared to Pulumi as a string (`"true"`, `"false"`, or `""` to inherit),
   * because a boolean cannot say "inherit the tier's value".
   */
  type: ConfigKeyType;
  description: string;
  /** Dotted path into the TierSpec that this key overrides. Keys without a path are stack settings. */
  tierPath?: string;
  /** Default declared in Pulumi.yaml (for tier overrides: the "inherit" sentinel). */
  default?: string | number | boolean | string[];
  /** Smallest accepted value of an integer key. */
  min?: number;
  /** Largest accepted value of an integer key. */
  max?: number;
  /** For string keys: the accepted values. */
  oneOf?: readonly string[];
}

export const INHERIT_INT = -1;
export const INHERIT_STR = "";

function override(
  key: string,
  type: "integer" | "string" | "flag",
  tierPath: string,
  description: string,
  bounds: { min?: number; max?: number } = {},
): ConfigKeyDef {
  const inherit = type === "integer" ? INHERIT_INT : INHERIT_STR;
  const suffix = type === "integer" ? " (-1: the tier's value)" : " (empty: the tier's value)";
  return { key, type, tierPath, description: description + suffix, default: inherit, ...bounds };
}

/**
 * How `pulumi up` reaches the Kubernetes API of the cluster it is creating, a choice each stack must make: the same
 * deploy installs Helm releases and workloads through that API. `public-cidrs`: the endpoint is also public, to
 * `clusterPublicAccessCidrs` only (the deployer's egress addresses). `in-vpc`: the endpoint stays private and the
 * deploy runs inside the stack's VPC (a runner in its private subnets), which may reach it on 443.
 */
export const DEPLOYER_ACCESS = ["public-cidrs", "in-vpc"] as const;

/** Where VPC flow logs go (EC2 CreateFlowLogs `LogDestinationType`; Firehose is not offered). */
export const FLOW_LOG_DESTINATIONS = ["cloud-watch-logs", "s3"] as const;
export type FlowLogDestination = (typeof FLOW_LOG_DESTINATIONS)[number];
export type DeployerAccess = (typeof DEPLOYER_ACCESS)[number];

/** Every `storyforge:*` config key. Pulumi.yaml is generated from this list; a test keeps them equal. */
export const CONFIG_KEYS: readonly ConfigKeyDef[] = [
  {
    key: "tier",
    type: "string",
    description:
      "Capacity tier of the stack (seed 000 §8): mvp, v1 or v2 (preview stacks are the previews project's, previews/)",
    oneOf: TIER_NAMES,
  },
  {
    key: "owner",
    type: "string",
    description: "Team that owns the stack; tags every AWS resource",
    default: "platform",
  },
  // CDN custom domain (both or neither; empty: the distribution's *.cloudfront.net name only)
  {
    key: "domainName",
    type: "string",
    description: "Custom domain of the CDN, e.g. app.example.com (empty: none)",
    default: "",
  },
  {
    key: "certificateArn",
    type: "string",
    description: "ACM certificate for domainName, in us-east-1 as CloudFront requires (empty: none)",
    default: "",
  },
  // The API origin's TLS (both or neither; empty: CloudFront reaches the internal ALB over HTTP through its VPC origin)
  {
    key: "originCertificateArn",
    type: "string",
    description:
      "ACM certificate in the stack's region for the internal API load balancer, covering originDomainName: CloudFront then reaches it over HTTPS (empty: HTTP inside the VPC origin)",
    default: "",
  },
  {
    key: "originDomainName",
    type: "string",
    description:
      "Name on originCertificateArn that CloudFront asks the API load balancer for, e.g. origin.app.example.com (empty: none)",
    default: "",
  },
  // Network
  {
    key: "flowLogDestination",
    type: "string",
    description:
      "Where VPC flow logs go: cloud-watch-logs (a log group kept 30 days) or s3 (a bucket of the stack, objects expired after 30 days, priced at the vended-logs S3 delivery rate)",
    default: "cloud-watch-logs",
    oneOf: FLOW_LOG_DESTINATIONS,
  },
  override("azCount", "integer", "network.azCount", "Availability zones used", { min: 2, max: 3 }),
  override("natGateways", "integer", "network.natGateways", "NAT gateways (1 for mvp, one per zone above)", {
    min: 1,
    max: 3,
  }),
  override("vpcCidr", "string", "network.vpcCidr", "IPv4 block of the VPC, a /16 to /20"),
  {
    key: "zoneIds",
    type: "array",
    description:
      "Availability zone ids of the VPC in subnet-slot order, the first azCount used, e.g. [use1-az1, use1-az2, use1-az4]; pin them so a deployed VPC never moves (empty: the lowest-numbered zone ids that offer every node class)",
    default: [],
  },
  // Compute (node counts and classes of seed 000 §8.1)
  override("apiNodes", "integer", "compute.api.nodes", "API nodes (seed 000 §8.1 API servers)", { min: 1, max: 100 }),
  override("apiInstanceClass", "string", "compute.api.instanceClass", "EC2 class of the API nodes"),
  override("workerNodes", "integer", "compute.workers.nodes", "Worker nodes (seed 000 §8.1 Workers)", {
    min: 1,
    max: 200,
  }),
  override("workerInstanceClass", "string", "compute.workers.instanceClass", "EC2 class of the worker nodes"),
  // EKS control plane (infra/components/cluster.ts)
  {
    key: "kubernetesVersion",
    type: "string",
    description: "EKS Kubernetes minor version, pinned; one the cluster has add-on pins for",
    default: DEFAULT_KUBERNETES_VERSION,
    oneOf: KUBERNETES_VERSIONS,
  },
  {
    key: "clusterPublicAccessCidrs",
    type: "array",
    description: "IPv4 CIDRs that may reach the EKS API endpoint from the internet (empty: private endpoint only)",
    default: [],
  },
  {
    key: "deployerAccess",
    type: "string",
    description:
      "Required: how `pulumi up` reaches the EKS API it creates. public-cidrs: the endpoint is also public, to clusterPublicAccessCidrs (your egress CIDRs); in-vpc: it stays private and the deploy runs inside the stack's VPC",
    oneOf: DEPLOYER_ACCESS,
    // Empty means "not chosen": the program, not the CLI's generic "missing configuration value", then stops the
    // deploy with what each choice means.
    default: "",
  },
  {
    key: "clusterAdminRoleArn",
    type: "string",
    description: "IAM role given cluster-admin through an EKS access entry (empty: only the identity that deploys)",
    default: "",
  },
  {
    key: "clusterDeveloperRoleArn",
    type: "string",
    description:
      "IAM role developers deploy previews with: an EKS access entry with AmazonEKSEditPolicy on `preview-*` namespaces only (empty: none)",
    default: "",
  },
  {
    key: "hostsPreviews",
    type: "boolean",
    description:
      "The cluster hosts preview stacks (their storyforge:baseStack): the Load Balancer Controller may build the previews' ALB from their Ingresses (false: TargetGroupBinding rights only)",
    default: false,
  },
  // Workloads (HPA bounds, PgBouncer, throughput of issue 3 §6's capacity check)
  override("apiMinReplicas", "integer", "workloads.api.minReplicas", "API HPA minimum pods", { min: 2, max: 500 }),
  override("apiMaxReplicas", "integer", "workloads.api.maxReplicas", "API HPA maximum pods", { min: 2, max: 1000 }),
  override("workerMaxReplicas", "integer", "workloads.worker.maxReplicas", "Worker autoscaler maximum pods", {
    min: 2,
    max: 1000,
  }),
  override("pgbouncerReplicas", "integer", "workloads.pgbouncer.replicas", "PgBouncer pods (at least 2)", {
    min: 2,
    max: 50,
  }),
  override(
    "apiPodRps",
    "integer",
    "workloads.apiPodRps",
    "Requests per second one API pod serves (docs/benchmarks.md)",
    { min: 1 },
  ),
  override("targetRps", "integer", "workloads.targetRps", "Peak edge requests per second the tier must serve", {
    min: 1,
  }),
  {
    key: "pgbouncerImage",
    type: "string",
    description:
      "PgBouncer image ≥ 1.24, pinned by tag or digest (empty: the default of infra/components/pgbouncer.ts)",
    default: "",
  },
  {
    key: "imageTag",
    type: "string",
    description:
      "Rollback: run the image already in the stack's repository under this tag (src-<hash>, `npm run image -- tag` in the older checkout) instead of building one (empty: build this checkout)",
    default: "",
  },
  // PostgreSQL
  override("dbInstanceClass", "string", "database.primary.instanceClass", "RDS class of the PostgreSQL primary"),
  override("dbStorageGb", "integer", "database.primary.storageGb", "gp3 storage of the primary in GB", {
    min: 20,
    max: 65536,
  }),
  override("dbReplicaCount", "integer", "database.replicas.count", "Read replicas of the primary", { min: 0, max: 5 }),
  override("dbReplicaInstanceClass", "string", "database.replicas.instanceClass", "RDS class of the read replicas"),
  override("dbMultiAz", "flag", "database.multiAz", "Multi-AZ standby for the primary: true or false"),
  override("dbBackupRetentionDays", "integer", "database.backupRetentionDays", "Days of automated backups", {
    min: 1,
    max: 35,
  }),
  override(
    "deletionProtection",
    "flag",
    "database.deletionProtection",
    "Deletion protection on the primary: true or false",
  ),
  override(
    "finalSnapshot",
    "flag",
    "database.finalSnapshot",
    "Final snapshot when the primary is deleted: true or false",
  ),
  // Redis
  override("redisNodeType", "string", "cache.instanceClass", "ElastiCache node type"),
  override("redisShards", "integer", "cache.shards", "Redis cluster-mode shards", { min: 1, max: 500 }),
  override("redisReplicasPerShard", "integer", "cache.replicasPerShard", "Replicas per shard (at least 1)", {
    min: 1,
    max: 5,
  }),
  override(
    "redisFinalSnapshot",
    "flag",
    "cache.finalSnapshot",
    "Final snapshot, protect and a retained key for the Redis group: true or false",
  ),
  // OpenSearch
  override("searchDataNodes", "integer", "search.dataNodes", "OpenSearch data nodes; 0 removes the domain", {
    min: 0,
    max: 80,
  }),
  override("searchInstanceClass", "string", "search.instanceClass", "OpenSearch data node class"),
  override("searchMasterInstanceClass", "string", "search.masterInstanceClass", "OpenSearch dedicated master class"),
  override(
    "searchCoordinatorNodes",
    "integer",
    "search.coordinatorNodes",
    "OpenSearch dedicated coordinator nodes, 0 or a multiple of azCount",
    { min: 0, max: 30 },
  ),
  override(
    "searchCoordinatorInstanceClass",
    "string",
    "search.coordinatorInstanceClass",
    "OpenSearch dedicated coordinator class",
  ),
  override("searchVolumeGb", "integer", "search.volumeGb", "gp3 volume per OpenSearch data node in GB", {
    min: 10,
    max: 24576,
  }),
  // Budget and usage assumptions (cost estimate)
  override("monthlyBudgetUsd", "integer", "budget.monthlyCeilingUsd", "Monthly cost ceiling in USD", { min: 0 }),
  override("usageCdnEgressGb", "integer", "usage.cdnEgressGb", "CloudFront egress, GB per month", { min: 0 }),
  override(
    "usageCdnRequestsMillions",
    "integer",
    "usage.cdnRequestsMillions",
    "CloudFront requests, millions per month",
    { min: 0 },
  ),
  override("usageNatProcessedGb", "integer", "usage.natProcessedGb", "NAT gateway traffic, GB per month", { min: 0 }),
  override("usageAlbProcessedGb", "integer", "usage.albProcessedGb", "Load balancer traffic, GB per month", { min: 0 }),
  override("usageFlowLogGb", "integer", "usage.flowLogGb", "VPC flow logs delivered, GB per month", { min: 0 }),
  override("usageControlPlaneLogGb", "integer", "usage.controlPlaneLogGb", "EKS control-plane logs, GB per month", {
    min: 0,
  }),
  override("usageDatabaseLogGb", "integer", "usage.databaseLogGb", "RDS exported logs, GB per month", { min: 0 }),
  override("usageSearchLogGb", "integer", "usage.searchLogGb", "OpenSearch logs, GB per month", { min: 0 }),
  override("usageLogIngestGb", "integer", "usage.logIngestGb", "Other CloudWatch Logs ingested, GB per month", {
    min: 0,
  }),
  override("usageS3StoredGb", "integer", "usage.s3StoredGb", "S3 data stored, GB", { min: 0 }),
  override("usageEcrStoredGb", "integer", "usage.ecrStoredGb", "ECR images stored, GB", { min: 0 }),
  override("usageDbBackupGb", "integer", "usage.dbBackupGb", "RDS backup storage, GB", { min: 0 }),
  override(
    "usageMetricsSamplesMillions",
    "integer",
    "usage.metricsSamplesMillions",
    "Prometheus samples ingested, millions per month",
    { min: 0 },
  ),
  override("usageMetricsStoredGb", "integer", "usage.metricsStoredGb", "Prometheus samples stored, GB", { min: 0 }),
  override(
    "usageMetricsQuerySamplesBillions",
    "integer",
    "usage.metricsQuerySamplesBillions",
    "Prometheus query samples processed (rules, autoscaler, dashboards), billions per month",
    { min: 0 },
  ),
  // Alarm notifications (infra/components/alerting.ts): who hears from the SNS topics
  {
    key: "alarmEmails",
    type: "array",
    description:
      "Email addresses subscribed to the warning and critical alarm topics (each confirms by email; empty: none)",
    default: [],
  },
  {
    key: "alarmHttpsEndpoints",
    type: "array",
    description:
      "HTTPS endpoints (a pager's SNS integration URL) subscribed to the critical topic; each must confirm SNS subscriptions itself (empty: none)",
    default: [],
  },
];

export const KEY_INDEX: ReadonlyMap<string, ConfigKeyDef> = new Map(CONFIG_KEYS.map((d) => [d.key, d]));

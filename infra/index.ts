/**
 * The tier program (Pulumi.yaml `main: infra/`), for a tier stack (mvp, v1, v2): wires the components together and
 * exports what the compute tier, the app and the reviewers need, typed once as TierStackOutputs (infra/outputs.ts).
 * Sizing comes from the tier model (stacks/tiers.ts) through the validated stack config. Preview stacks are another
 * project (previews/).
 */
import * as pulumi from "@pulumi/pulumi";
import type * as self from "./index";
import { type AssertTrue, type ExportsMatch, type TierStackOutputs } from "./outputs";
import { inventory } from "./lib/inventory";
import { estimateCost } from "./lib/cost/estimate";
import { loadProfile } from "./lib/cost/load";
import { loadStackConfig } from "../stacks/config";
import { createContext } from "./lib/context";
import { Network } from "./components/network";
import { Database } from "./components/database";
import { DatabaseAccess } from "./components/database-access";
import { Cache } from "./components/cache";
import { Search } from "./components/search";
import { Cluster } from "./components/cluster";
import { Addons } from "./components/addons";
import { Image } from "./components/image";
import { NAMESPACE, Workloads } from "./components/workloads";
import { API_PORT } from "./lib/app-pods";
import { LoadBalancer } from "./components/load-balancer";
import { Cdn } from "./components/cdn";
import { assertCapacity, checkCapacity } from "./lib/capacity";
import { MetricsStore } from "./components/metrics-store";
import { Alerting } from "./components/alerting";
import { Alarms } from "./components/alarms";
import { Dashboard } from "./components/dashboard";

// First, so every resource below is in the inventory the cost estimate reads.
inventory.start();

const config = loadStackConfig();
const context = createContext(config);

const network = new Network("network", { context, flowLogDestination: config.flowLogDestination });
const database = new Database("database", { context, network });
const cache = new Cache("cache", { context, network });
// The cluster before the search domain: the domain's master user is an IRSA role its OIDC provider vouches for.
const cluster = new Cluster("cluster", { context, network });
const search = config.tier.search
  ? new Search("search", {
      context,
      network,
      cluster,
      spec: config.tier.search,
      clients: { namespace: NAMESPACE, serviceAccounts: ["api", "worker"] },
    })
  : undefined;
// Issue 16: the metrics store before the add-ons, whose KEDA operator gets a role to query it.
const metrics = new MetricsStore("metrics", {
  context,
  cluster,
  network,
  // The container ports app-pods.ts names for the API (`http`) and the worker (`metrics`).
  app: { namespace: NAMESPACE, apiPortName: "http", workerPortName: "metrics" },
});
const alerting = new Alerting("alerting", {
  context,
  workspace: { arn: metrics.workspaceArn, id: metrics.workspaceId },
});
const addons = new Addons("addons", { context, cluster, network, prometheus: { workspaceArn: metrics.workspaceArn } });
// Issue 3 §6: the tier must add up (node groups, PgBouncer, RDS connections, throughput) or nothing is deployed.
const capacityReport = assertCapacity(checkCapacity(config.tier, { nodeGroups: cluster.nodeGroups }));
const image = new Image("image", { context });
// Issue 12: the roles the workloads log in as, created by a Job that alone uses the master password.
const databaseAccess = new DatabaseAccess("database-access", { context, cluster, database });
// Before the workloads: the API's TargetGroupBinding, created ahead of the API pods, names its target group.
const loadBalancer = new LoadBalancer("load-balancer", {
  context,
  network,
  apiPort: API_PORT,
  controller: { roleName: addons.loadBalancerControllerRoleName, hostsPreviews: addons.hostsPreviews },
  certificate: config.originCertificate
    ? { arn: config.originCertificate.certificateArn, originDomainName: config.originCertificate.domainName }
    : undefined,
});
const workloads = new Workloads("workloads", {
  context,
  cluster,
  image,
  database,
  databaseAccess,
  cache,
  search,
  addons,
  metrics: { prometheusEndpoint: metrics.prometheusEndpoint },
  apiTargetGroup: loadBalancer.apiTargetGroup,
});
const cdn = new Cdn("cdn", { context, loadBalancer });
const alarms = new Alarms("alarms", { context, alerting, database, cache, search, loadBalancer, cdn });
const dashboard = new Dashboard("dashboard", { context, alarms, metrics });

export const tier = config.tier.name;
export const region = config.region;
export const vpc = {
  id: network.vpcId,
  cidr: network.vpcCidr,
  zones: network.zones,
  publicSubnetIds: network.publicSubnetIds,
  privateSubnetIds: network.privateSubnetIds,
  dataSubnetIds: network.dataSubnetIds,
  workloadSecurityGroupId: network.workloadSecurityGroup.id,
};
export const postgres = {
  primaryAddress: database.primaryAddress,
  replicaAddresses: database.replicaAddresses,
  port: database.port,
  database: database.databaseName,
  username: database.masterUsername,
  roles: {
    owner: databaseAccess.owner.user,
    app: databaseAccess.app.user,
    pgbouncer: databaseAccess.pgbouncerAuth.user,
  },
  secretArn: database.secretArn,
  securityGroupId: database.securityGroupId,
};
export const redis = {
  configurationEndpoint: cache.configurationEndpoint,
  port: cache.port,
  tls: true,
  secretArn: cache.secretArn,
  securityGroupId: cache.securityGroupId,
};
export const opensearch = search
  ? {
      endpoint: search.endpoint,
      port: search.port,
      clientRoleArn: search.clientRoleArn,
      adminRoleArn: search.adminRoleArn,
      securityGroupId: search.securityGroupId,
    }
  : null;
const clusterOutput = {
  name: cluster.clusterName,
  endpoint: cluster.endpoint,
  kubernetesVersion: cluster.kubernetesVersion,
  oidcProviderArn: cluster.oidcProviderArn,
  nodeGroups: cluster.nodeGroups,
  /** Preview stacks may deploy here: the Load Balancer Controller serves their ALB Ingresses. */
  hostsPreviews: config.cluster.hostsPreviews,
};
// Exported as `cluster`; the local name `cluster` is the component, which later wiring passes around.
export { clusterOutput as cluster };
/** Issue 3 §6: the figures of every capacity inequality (the program stops before this when one fails). */
export const capacity = capacityReport.figures;
export const app = {
  imageRef: image.imageRef,
  namespace: workloads.namespace,
  apiService: workloads.apiServiceName,
  pgbouncer: workloads.pgbouncer.host,
  migrationJob: workloads.migrationJobName,
  loadBalancer: {
    originDomainName: loadBalancer.originDomainName,
    originProtocol: loadBalancer.originProtocol,
    vpcOriginId: loadBalancer.vpcOriginId,
    targetGroupArn: loadBalancer.targetGroupArn,
  },
};
const cdnOutput = { domainName: cdn.domainName, distributionId: cdn.distributionId, bucketName: cdn.bucketName };
export { cdnOutput as cdn };
/** Issue 16: where the tier is watched from. */
export const monitoring = {
  prometheusEndpoint: metrics.prometheusEndpoint,
  workspaceArn: metrics.workspaceArn,
  scraperArn: metrics.scraperArn,
  alarmTopicArns: alerting.topicArns,
  dashboardName: dashboard.dashboardName,
  alarmCount: alarms.alarmArns.length,
};
/** Secret values, for consumers that must have them (preview stacks, operators); always encrypted in state. */
export const secrets = pulumi.secret({ postgresPassword: database.masterPassword, redisAuthToken: cache.authToken });

/**
 * The cost review (issue 5): every declared resource priced with the tier's usage assumptions, as a range.
 * `pulumi stack output cost --json` after a deploy; equal to `npm run cost -- --stack <stack>` offline.
 * Keep this last: the inventory is complete only after every component above has been declared.
 */
export const cost = inventory.resources().apply((resources) =>
  estimateCost(resources, config.tier.usage, {
    region: config.region,
    stack: pulumi.getStack(),
    load: loadProfile(config.tier),
  }),
);

// The exports above are the stack's outputs: this fails to compile unless they resolve to TierStackOutputs.
export type OutputsAreDeclared = AssertTrue<ExportsMatch<typeof self, TierStackOutputs>>;

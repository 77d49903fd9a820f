import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import {
  apiEnv,
  apiServiceSpec,
  API_SECRET_KEYS,
  appDeploymentSpec,
  appLabels,
  APP_UID,
  commonEnv,
  disruptionBudgetSpec,
  MIGRATION_SECRET_KEYS,
  migrationJobName,
  secretEnv,
  WORKER_SECRET_KEYS,
  workerEnv,
  API_PORT,
} from "../lib/app-pods";
import { POOLS_PER_PROCESS, workerPoolSize } from "../lib/capacity";
import { type StackContext } from "../lib/context";
import { migrationPodSpec } from "../lib/pod-spec";
import { type Cache } from "./cache";
import { type Database } from "./database";
import { type OidcIdentity, ROLE_ARN_ANNOTATION } from "./irsa";
import { apiScaledObjectSpec } from "../lib/api-scaling";
import { PgBouncer } from "./pgbouncer";
import { type Search } from "./search";

export const NAMESPACE = "storyforge";

type HpaBehavior = k8s.types.input.autoscaling.v2.HorizontalPodAutoscalerBehavior;

export { API_HPA_BEHAVIOR, API_CPU_TARGET, API_MEMORY_TARGET } from "../lib/api-scaling";
/** Worker behaviour of seed 000 §4.1: up at most 4 pods per 60 s after 60 s, down at most 25 % per 120 s after 300 s. */
export const WORKER_HPA_BEHAVIOR: HpaBehavior = {
  scaleUp: {
    stabilizationWindowSeconds: 60,
    selectPolicy: "Max",
    policies: [{ type: "Pods", value: 4, periodSeconds: 60 }],
  },
  scaleDown: {
    stabilizationWindowSeconds: 300,
    selectPolicy: "Max",
    policies: [{ type: "Percent", value: 25, periodSeconds: 120 }],
  },
};
/** The worker's CPU target of seed 000 §4.1 (the API's are in infra/lib/api-scaling.ts). */
export const WORKER_CPU_TARGET = 70;

/** The cluster as the workloads use it (`Cluster` satisfies it). */
export interface WorkloadCluster extends OidcIdentity {
  readonly provider: k8s.Provider;
}

export interface WorkloadsArgs {
  context: StackContext;
  cluster: WorkloadCluster;
  /** The image the API, the worker and the migrations run (by digest). */
  image: { imageRef: pulumi.Input<string> };
  database: Database;
  cache: Cache;
  /** OpenSearch; absent for tiers without one (the API searches with PostgreSQL). */
  search?: Search;
  /**
   * The cluster's add-ons: the worker's ScaledObject waits for KEDA, whose chart installs its CRD.
   * @default none (the CRD must already exist)
   */
  addons?: { keda: pulumi.Resource };
  /**
   * The Prometheus workspace the API's requests-per-second trigger queries (seed 000 §5.1).
   * @default none (the API scales on CPU and memory only)
   */
  metrics?: { prometheusEndpoint: pulumi.Output<string> };
  /**
   * Log level of the API and the worker.
   * @default "info"
   */
  logLevel?: "debug" | "info" | "warn" | "error";
}

export interface ConnectionInput {
  user: string;
  password: string;
  pgbouncerHost: string;
  pgbouncerPort: number;
  primaryDatabase: string;
  replicaDatabase: string;
  /** RDS primary endpoint, port and database, for migrations only. */
  primaryAddress: string;
  postgresPort: number;
  databaseName: string;
  redisEndpoint: string;
  redisPort: number;
  redisToken: string;
}

/**
 * The connection strings the app reads (core/config.ts): reads and writes through PgBouncer's two logical
 * databases, migrations straight to the primary (DDL and advisory locks do not belong behind a transaction pooler;
 * RDS forces TLS, `no-verify` encrypts without the RDS CA bundle the image does not carry yet), Redis over TLS.
 */
export function connectionUrls(
  c: ConnectionInput,
): Record<"DATABASE_URL" | "DATABASE_REPLICA_URL" | "DATABASE_MIGRATION_URL" | "REDIS_URL", string> {
  const auth = `${encodeURIComponent(c.user)}:${encodeURIComponent(c.password)}`;
  return {
    DATABASE_URL: `postgres://${auth}@${c.pgbouncerHost}:${c.pgbouncerPort}/${c.primaryDatabase}`,
    DATABASE_REPLICA_URL: `postgres://${auth}@${c.pgbouncerHost}:${c.pgbouncerPort}/${c.replicaDatabase}`,
    DATABASE_MIGRATION_URL: `postgres://${auth}@${c.primaryAddress}:${c.postgresPort}/${c.databaseName}?sslmode=no-verify`,
    REDIS_URL: `rediss://:${encodeURIComponent(c.redisToken)}@${c.redisEndpoint}:${c.redisPort}`,
  };
}

/**
 * The product in the `storyforge` namespace (issue 3 §4): PgBouncer, the API (Deployment, Service, KEDA ScaledObject
 * on requests per second, CPU and memory, PDB), the
 * worker (Deployment, KEDA ScaledObject on queue depth and CPU, PDB), the migrations Job that runs before the API
 * rolls out, and the Secrets they read (fed by Pulumi secrets, never literals). Pods are non-root with a read-only
 * root filesystem, no privilege escalation, no capabilities, spread over zones, pinned to the image digest.
 *
 * Monthly cost: none of its own (pods run on the cluster's node groups).
 */
export class Workloads extends pulumi.ComponentResource {
  readonly namespace: pulumi.Output<string>;
  /** The API Service the load balancer binds its target group to. */
  readonly apiServiceName: pulumi.Output<string>;
  readonly apiPort = API_PORT;
  readonly pgbouncer: PgBouncer;
  readonly migrationJobName: pulumi.Output<string>;

  constructor(name: string, args: WorkloadsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("storyforge:compute:Workloads", name, {}, opts);
    const { context, cluster, database, cache, search } = args;
    const w = context.config.tier.workloads;
    const logLevel = args.logLevel ?? "info";
    if (w.api.minReplicas < 2)
      throw new Error(`workloads.api.minReplicas must be at least 2, got ${w.api.minReplicas}`);
    if (w.api.maxReplicas < w.api.minReplicas)
      throw new Error(
        `workloads.api.maxReplicas (${w.api.maxReplicas}) must be at least minReplicas (${w.api.minReplicas})`,
      );
    if (w.worker.maxReplicas < w.worker.minReplicas)
      throw new Error(
        `workloads.worker.maxReplicas (${w.worker.maxReplicas}) must be at least minReplicas (${w.worker.minReplicas})`,
      );
    const k8sOpts = { parent: this, provider: cluster.provider };
    const imageRef = pulumi.output(args.image.imageRef);

    const namespace = new k8s.core.v1.Namespace(
      `${name}-namespace`,
      {
        metadata: {
          name: NAMESPACE,
          labels: {
            "app.kubernetes.io/part-of": "storyforge",
            // Pod Security Admission: every pod here must meet the "restricted" profile.
            "pod-security.kubernetes.io/enforce": "restricted",
            "pod-security.kubernetes.io/enforce-version": "latest",
          },
        },
      },
      k8sOpts,
    );
    const ns = namespace.metadata.name;

    this.pgbouncer = new PgBouncer(
      `${name}-pgbouncer`,
      { context, cluster, database, namespace: ns },
      { parent: this },
    );
    const pgb = this.pgbouncer;

    // Secrets: built from secret Outputs, delivered as k8s Secrets, read with secretKeyRef.
    const jwt = new random.RandomPassword(`${name}-jwt-secret`, { length: 64, special: false }, { parent: this });
    const urls = pulumi.secret(
      pulumi
        .all([database.masterPassword, pgb.host, database.primaryAddress, cache.configurationEndpoint, cache.authToken])
        .apply(([password, pgbouncerHost, primaryAddress, redisEndpoint, redisToken]) =>
          connectionUrls({
            user: database.masterUsername,
            password,
            pgbouncerHost,
            pgbouncerPort: pgb.port,
            primaryDatabase: pgb.primaryDatabase,
            replicaDatabase: pgb.replicaDatabase,
            primaryAddress,
            postgresPort: database.port,
            databaseName: database.databaseName,
            redisEndpoint,
            redisPort: cache.port,
            redisToken,
          }),
        ),
    );
    const appSecret = new k8s.core.v1.Secret(
      `${name}-app-secret`,
      {
        metadata: { name: "storyforge-app", namespace: ns },
        type: "Opaque",
        stringData: {
          DATABASE_URL: urls.DATABASE_URL,
          DATABASE_REPLICA_URL: urls.DATABASE_REPLICA_URL,
          REDIS_URL: urls.REDIS_URL,
          JWT_SECRET: pulumi.secret(jwt.result),
        },
      },
      k8sOpts,
    );
    // Migrations only: the primary directly, in a Secret only the migrations Job reads.
    const migrationSecret = new k8s.core.v1.Secret(
      `${name}-migration-secret`,
      {
        metadata: { name: "storyforge-migrations", namespace: ns },
        type: "Opaque",
        stringData: { DATABASE_MIGRATION_URL: urls.DATABASE_MIGRATION_URL },
      },
      k8sOpts,
    );

    // Service accounts: the API and the worker sign OpenSearch requests (SigV4) with the search client role, which
    // is the domain's master user (see search.ts); the migrations call no AWS API.
    const accountFor = (role: "api" | "worker" | "migrations") => {
      const usesSearch = search !== undefined && role !== "migrations";
      if (usesSearch && (search.clients.namespace !== NAMESPACE || !search.clients.serviceAccounts.includes(role))) {
        throw new Error(
          `search.clients must include ${NAMESPACE}/${role} (its service account signs OpenSearch requests with the client role), got ${search.clients.namespace}/${search.clients.serviceAccounts.join(",")}`,
        );
      }
      const annotations = usesSearch ? { [ROLE_ARN_ANNOTATION]: search.clientRoleArn } : undefined;
      return new k8s.core.v1.ServiceAccount(
        `${name}-${role}-sa`,
        {
          metadata: { name: role, namespace: ns, ...(annotations ? { annotations } : {}) },
          // Only IRSA needs the projected token; the webhook mounts it itself.
          automountServiceAccountToken: false,
        },
        k8sOpts,
      );
    };

    const common = commonEnv({
      logLevel,
      redisCluster: true,
      region: context.config.region,
      ...(search !== undefined ? { openSearchUrl: pulumi.interpolate`https://${search.endpoint}` } : {}),
    });

    // Pods that sign OpenSearch requests start after the client role's policy, or their first searches are refused.
    const searchGrants = search?.clientGrants ?? [];

    // Migrations: one Job per image digest, on the API nodes, before the API rolls out.
    const migrationAccount = accountFor("migrations");
    const jobName = imageRef.apply(migrationJobName);
    const migrationLabels = appLabels("migrations");
    const migration = new k8s.batch.v1.Job(
      `${name}-migrate`,
      {
        metadata: { name: jobName, namespace: ns, labels: migrationLabels },
        spec: {
          backoffLimit: 2,
          activeDeadlineSeconds: 900,
          template: {
            metadata: { labels: migrationLabels },
            spec: migrationPodSpec({
              image: imageRef,
              uid: APP_UID,
              role: "api",
              serviceAccountName: migrationAccount.metadata.name,
              env: [
                { name: "LOG_LEVEL", value: logLevel },
                ...secretEnv(migrationSecret.metadata.name, MIGRATION_SECRET_KEYS),
              ],
              pod: w.api.pod,
            }),
          },
        },
      },
      { ...k8sOpts, dependsOn: [pgb] },
    );

    // API
    const apiLabels = appLabels("api");
    const apiAccount = accountFor("api");
    const api = new k8s.apps.v1.Deployment(
      `${name}-api`,
      {
        metadata: { name: "api", namespace: ns, labels: apiLabels },
        // No `replicas`: KEDA's HPA owns the count.
        spec: appDeploymentSpec("api", {
          image: imageRef,
          labels: apiLabels,
          role: "api",
          pod: w.api.pod,
          serviceAccountName: apiAccount.metadata.name,
          maxSurge: "25%",
          env: apiEnv({
            common,
            dbPoolMax: w.api.dbPoolSize,
            // CloudFront and the ALB are the two proxies in front of the API.
            trustProxy: 2,
            secrets: secretEnv(appSecret.metadata.name, API_SECRET_KEYS),
          }),
        }),
      },
      { ...k8sOpts, dependsOn: [migration, ...searchGrants] },
    );
    const apiService = new k8s.core.v1.Service(
      `${name}-api-service`,
      {
        metadata: { name: "api", namespace: ns, labels: apiLabels },
        spec: apiServiceSpec(apiLabels),
      },
      k8sOpts,
    );
    // seed 000 §5.1: requests per second (apiPodRps per pod, the capacity check's figure), CPU and memory, through
    // KEDA, which reads the rate from the Prometheus workspace with SigV4 as its operator's IRSA role.
    const rpsAuth =
      args.metrics === undefined
        ? undefined
        : new k8s.apiextensions.CustomResource(
            `${name}-api-prometheus-auth`,
            {
              apiVersion: "keda.sh/v1alpha1",
              kind: "TriggerAuthentication",
              metadata: { name: "prometheus-workspace", namespace: ns, labels: apiLabels },
              spec: { podIdentity: { provider: "aws", identityOwner: "keda" } },
            },
            { ...k8sOpts, dependsOn: args.addons ? [args.addons.keda] : [] },
          );
    new k8s.apiextensions.CustomResource(
      `${name}-api-scaler`,
      {
        apiVersion: "keda.sh/v1alpha1",
        kind: "ScaledObject",
        metadata: { name: "api", namespace: ns, labels: apiLabels },
        spec: apiScaledObjectSpec({
          deployment: api.metadata.name,
          workloads: w,
          ...(args.metrics === undefined || rpsAuth === undefined
            ? {}
            : {
                prometheus: {
                  region: context.config.region,
                  serverAddress: args.metrics.prometheusEndpoint.apply((e) => e.replace(/\/+$/, "")),
                  authentication: rpsAuth.metadata.name,
                },
              }),
        }),
      },
      { ...k8sOpts, dependsOn: [...(args.addons ? [args.addons.keda] : []), ...(rpsAuth ? [rpsAuth] : [])] },
    );
    new k8s.policy.v1.PodDisruptionBudget(
      `${name}-api-pdb`,
      {
        metadata: { name: "api", namespace: ns, labels: apiLabels },
        spec: disruptionBudgetSpec(apiLabels, w.api.minReplicas),
      },
      k8sOpts,
    );

    // Worker
    const workerLabels = appLabels("worker");
    const workerAccount = accountFor("worker");
    const worker = new k8s.apps.v1.Deployment(
      `${name}-worker`,
      {
        metadata: { name: "worker", namespace: ns, labels: workerLabels },
        // No `replicas`: KEDA's HPA owns the count.
        spec: appDeploymentSpec("worker", {
          image: imageRef,
          labels: workerLabels,
          role: "worker",
          pod: w.worker.pod,
          serviceAccountName: workerAccount.metadata.name,
          maxSurge: "25%",
          env: workerEnv({
            common,
            concurrency: w.worker.concurrency,
            // One connection per concurrent job in each of the two pools (the capacity check counts POOLS_PER_PROCESS).
            dbPoolMax: workerPoolSize(context.config.tier),
            secrets: secretEnv(appSecret.metadata.name, WORKER_SECRET_KEYS),
          }),
        }),
      },
      { ...k8sOpts, dependsOn: [migration, ...searchGrants] },
    );
    new k8s.apiextensions.CustomResource(
      `${name}-worker-scaler`,
      {
        apiVersion: "keda.sh/v1alpha1",
        kind: "ScaledObject",
        metadata: { name: "worker", namespace: ns, labels: workerLabels },
        spec: {
          scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: worker.metadata.name },
          pollingInterval: 15,
          cooldownPeriod: 300,
          minReplicaCount: w.worker.minReplicas,
          maxReplicaCount: w.worker.maxReplicas,
          advanced: { horizontalPodAutoscalerConfig: { name: "worker", behavior: WORKER_HPA_BEHAVIOR } },
          triggers: [
            {
              // waiting + delayed + prioritized, as the API counts them (a Redis list trigger misses the sorted sets).
              type: "metrics-api",
              name: "queue-depth",
              metricType: "AverageValue",
              metadata: {
                url: pulumi.interpolate`http://${apiService.metadata.name}.${ns}.svc.cluster.local:${API_PORT}/internal/queue-depth`,
                format: "json",
                valueLocation: "depth",
                targetValue: String(w.worker.jobsPerWorker),
              },
            },
            { type: "cpu", name: "cpu", metricType: "Utilization", metadata: { value: String(WORKER_CPU_TARGET) } },
          ],
        },
      },
      { ...k8sOpts, dependsOn: args.addons ? [args.addons.keda] : [] },
    );
    new k8s.policy.v1.PodDisruptionBudget(
      `${name}-worker-pdb`,
      {
        metadata: { name: "worker", namespace: ns, labels: workerLabels },
        spec: disruptionBudgetSpec(workerLabels, w.worker.minReplicas),
      },
      k8sOpts,
    );

    this.namespace = ns;
    this.apiServiceName = apiService.metadata.name;
    this.migrationJobName = jobName;
    this.registerOutputs({
      namespace: this.namespace,
      apiServiceName: this.apiServiceName,
      migrationJobName: jobName,
      poolsPerProcess: POOLS_PER_PROCESS,
    });
  }
}

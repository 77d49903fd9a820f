import * as aws from "@pulumi/aws";
import * as dockerBuild from "@pulumi/docker-build";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { join } from "node:path";
import type { PreviewConfig } from "../../stacks/preview/config";
import { previewCost, type PreviewCost } from "../lib/cost/preview";
import { labelValue } from "../../stacks/preview/naming";
import { checkQuota, PREVIEW_SPEC, type PreviewNodeRole, type PreviewSpec } from "../../stacks/preview/spec";
import { NODE_ROLES } from "../../stacks/tiers";
import {
  hardenedContainer,
  migrationPodSpec,
  podSecurity,
  resourcesOf,
  roleScheduling,
  TMP_MOUNT,
  TMP_VOLUME,
  zoneSpread,
} from "../lib/pod-spec";
import { sourceHash } from "./image";
import { eksKubeconfig } from "../lib/kubeconfig";
import { API_PORT, APP_UID, migrationJobName, WORKER_METRICS_PORT } from "./workloads";

/** Repository root: the build context of the app image (the same Dockerfile the tiers build). */
const REPO_ROOT = join(__dirname, "..", "..");
/** Every preview joins this ALB group, so all previews share one load balancer, routed by host. */
export const PREVIEW_ALB_GROUP = "storyforge-previews";
const POSTGRES_PORT = 5432;
const REDIS_PORT = 6379;
const DB_NAME = "storyforge";
const DB_USER = "storyforge";

/** What the preview reads from its base stack's outputs (infra/tier.ts). */
export interface BaseStackOutputs {
  cluster: { name: string; nodeGroups: Record<PreviewNodeRole, { instanceClass: string }> };
  /** `<repository url>@sha256:<digest>`: the base stack's image, whose repository previews push to. */
  app: { imageRef: string };
}

export interface PreviewArgs {
  /** The validated preview config (stacks/preview/config.ts). */
  config: PreviewConfig;
  /**
   * Pods, volumes, quota and limit range.
   * @default PREVIEW_SPEC (stacks/preview/spec.ts)
   */
  spec?: PreviewSpec;
  /**
   * Build context of the image.
   * @default the repository root
   */
  contextPath?: string;
}

/** The ECR repository URL of an image reference `<repo>@sha256:...` or `<repo>:<tag>`. */
export function repositoryOf(imageRef: string): string {
  const repo = imageRef.split("@")[0].replace(/:[^/:]+$/, "");
  if (!/^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com\/.+$/.test(repo)) {
    throw new Error(`the base stack's app.imageRef must be an ECR image reference, got ${JSON.stringify(imageRef)}`);
  }
  return repo;
}

/** `2026-11-23T12:00:00.000Z` → `20261123T120000Z`: a time Kubernetes accepts as a label value. */
export function labelTime(iso: string): string {
  return iso === ""
    ? ""
    : new Date(iso)
        .toISOString()
        .replace(/[-:]/g, "")
        .replace(/\.\d{3}Z$/, "Z");
}

/**
 * A preview of a branch (issue 7): its own namespace in the base stack's EKS cluster holding the API and the
 * worker (one pod each, the branch's image by digest), a single-instance PostgreSQL and Redis as StatefulSets
 * whose volumes are deleted with the namespace, an Ingress on the shared preview ALB (host
 * `<namespace>.<previewDomain>`), and a ResourceQuota and LimitRange so it cannot starve the cluster. No
 * OpenSearch: the API searches with PostgreSQL. It creates no AWS resource besides the image pushed to the base
 * stack's ECR repository.
 *
 * Monthly cost: no node of its own; its pods take ≈ $28 of the base stack's node capacity at every tier (mvp $28.88,
 * v1 $27.91, v2 $27.66 including 12 GiB of gp3: the `incrementalCost` output, priced by infra/lib/cost/preview.ts),
 * plus a share of the one preview ALB (≈ $16/month + LCUs while any preview exists).
 */
export class Preview extends pulumi.ComponentResource {
  /** `https://<namespace>.<previewDomain>`. */
  readonly url: pulumi.Output<string>;
  readonly namespace: pulumi.Output<string>;
  /** `sha256:<hex>` of the image built from the branch. */
  readonly imageDigest: pulumi.Output<string>;
  readonly imageRef: pulumi.Output<string>;
  /** Its pods' requests priced at the base stack's node-group rates, plus its volumes. */
  readonly incrementalCost: pulumi.Output<PreviewCost>;

  constructor(name: string, args: PreviewArgs, opts?: pulumi.ComponentResourceOptions) {
    super("storyforge:preview:Preview", name, {}, opts);
    const { config } = args;
    const spec = args.spec ?? PREVIEW_SPEC;
    const contextPath = args.contextPath ?? REPO_ROOT;
    const quotaProblems = checkQuota(spec);
    if (quotaProblems.length > 0) throw new Error(`preview spec: ${quotaProblems.join("; ")}`);
    const host = `${config.stack}.${config.domain}`;

    // The base stack: its cluster, node classes and image repository (read, never modified).
    const base = new pulumi.StackReference(`${name}-base`, { name: config.baseStack }, { parent: this });
    const cluster = base.requireOutput("cluster") as pulumi.Output<BaseStackOutputs["cluster"]>;
    const app = base.requireOutput("app") as pulumi.Output<BaseStackOutputs["app"]>;
    const clusterName = cluster.apply((c) => c.name);
    const eks = aws.eks.getClusterOutput({ name: clusterName }, { parent: this });
    // Token auth through the AWS CLI, as the base stack's own provider does: no credential is stored.
    const kubeconfig = pulumi
      .all([eks.name, eks.endpoint, eks.certificateAuthorities])
      .apply(([n, server, cas]) =>
        eksKubeconfig({ name: n, endpoint: server, certificateAuthority: cas[0]?.data ?? "", region: config.region }),
      );
    const provider = new k8s.Provider(`${name}-k8s`, { kubeconfig, enableServerSideApply: true }, { parent: this });
    const k8sOpts = { parent: this, provider };

    // The branch's image, pushed to the base stack's repository under a preview tag (ECR tags are immutable,
    // so the tag carries the namespace and the source hash); pods run it by digest.
    const repository = app.apply((a) => repositoryOf(a.imageRef));
    const auth = aws.ecr.getAuthorizationTokenOutput(
      { registryId: repository.apply((r) => r.split(".")[0]) },
      { parent: this },
    );
    const image = new dockerBuild.Image(
      `${name}-image`,
      {
        context: { location: contextPath },
        dockerfile: { location: join(contextPath, "Dockerfile") },
        platforms: [dockerBuild.Platform.Linux_arm64],
        push: true,
        tags: [pulumi.interpolate`${repository}:${config.stack}-${sourceHash(contextPath)}`],
        registries: [{ address: repository, username: auth.userName, password: pulumi.secret(auth.password) }],
        buildOnPreview: false,
      },
      { parent: this },
    );
    const imageRef = pulumi.interpolate`${repository}@${image.digest}`;

    // The namespace, labelled with who deployed what and when (label values are restricted; the exact
    // values are annotations).
    const namespace = new k8s.core.v1.Namespace(
      `${name}-namespace`,
      {
        metadata: {
          name: config.stack,
          labels: {
            "app.kubernetes.io/part-of": "storyforge",
            "storyforge.io/preview": "true",
            "storyforge.io/owner": labelValue(config.deployedBy),
            "storyforge.io/branch": labelValue(config.branch),
            "storyforge.io/commit": labelValue(config.commit),
            "storyforge.io/last-deploy": labelTime(config.deployedAt),
            "pod-security.kubernetes.io/enforce": "restricted",
            "pod-security.kubernetes.io/enforce-version": "latest",
          },
          annotations: {
            "storyforge.io/owner": config.deployedBy,
            "storyforge.io/branch": config.branch,
            "storyforge.io/commit": config.commit,
            "storyforge.io/last-deploy": config.deployedAt,
            "storyforge.io/base-stack": config.baseStack,
          },
        },
      },
      k8sOpts,
    );
    const ns = namespace.metadata.name;

    const q = spec.quota;
    const quota = new k8s.core.v1.ResourceQuota(
      `${name}-quota`,
      {
        metadata: { name: "preview", namespace: ns },
        spec: {
          hard: {
            "requests.cpu": `${q.requestsCpuMillicores}m`,
            "requests.memory": `${q.requestsMemoryMiB}Mi`,
            "limits.cpu": `${q.limitsCpuMillicores}m`,
            "limits.memory": `${q.limitsMemoryMiB}Mi`,
            pods: String(q.pods),
            persistentvolumeclaims: String(q.persistentVolumeClaims),
            "requests.storage": `${q.storageGiB}Gi`,
            // Reached through the shared ALB only.
            "services.loadbalancers": "0",
            "services.nodeports": "0",
          },
        },
      },
      k8sOpts,
    );
    const lr = spec.limitRange;
    const limits = new k8s.core.v1.LimitRange(
      `${name}-limits`,
      {
        metadata: { name: "preview", namespace: ns },
        spec: {
          limits: [
            {
              type: "Container",
              defaultRequest: resourcesOf(lr.defaultRequest).requests,
              default: resourcesOf(lr.defaultRequest).limits,
              max: { cpu: `${lr.maxCpuMillicores}m`, memory: `${lr.maxMemoryMiB}Mi` },
            },
          ],
        },
      },
      k8sOpts,
    );
    // Pods are created after the quota and limit range, so both apply to every one of them.
    const guarded = { ...k8sOpts, dependsOn: [quota, limits] };

    // Secrets: generated, kept secret in state, delivered as a k8s Secret.
    const dbPassword = new random.RandomPassword(
      `${name}-postgres-password`,
      { length: 32, special: false },
      { parent: this },
    );
    const redisPassword = new random.RandomPassword(
      `${name}-redis-password`,
      { length: 32, special: false },
      { parent: this },
    );
    const jwt = new random.RandomPassword(`${name}-jwt-secret`, { length: 64, special: false }, { parent: this });
    const databaseUrl = pulumi.secret(
      pulumi.interpolate`postgres://${DB_USER}:${dbPassword.result}@postgres.${ns}.svc.cluster.local:${POSTGRES_PORT}/${DB_NAME}`,
    );
    const secret = new k8s.core.v1.Secret(
      `${name}-secret`,
      {
        metadata: { name: "storyforge-preview", namespace: ns },
        type: "Opaque",
        stringData: {
          POSTGRES_PASSWORD: pulumi.secret(dbPassword.result),
          REDIS_PASSWORD: pulumi.secret(redisPassword.result),
          DATABASE_URL: databaseUrl,
          DATABASE_MIGRATION_URL: databaseUrl,
          REDIS_URL: pulumi.secret(
            pulumi.interpolate`redis://:${redisPassword.result}@redis.${ns}.svc.cluster.local:${REDIS_PORT}`,
          ),
          JWT_SECRET: pulumi.secret(jwt.result),
        },
      },
      k8sOpts,
    );
    const secretEnv = (...keys: string[]) =>
      keys.map((key) => ({ name: key, valueFrom: { secretKeyRef: { name: secret.metadata.name, key } } }));
    const labelsOf = (app: string) => ({
      "app.kubernetes.io/name": app,
      "app.kubernetes.io/part-of": "storyforge",
      "app.kubernetes.io/instance": config.stack,
    });
    const volumeClaim = (size: number) => ({
      metadata: { name: "data" },
      spec: {
        accessModes: ["ReadWriteOnce"],
        storageClassName: spec.storageClass,
        resources: { requests: { storage: `${size}Gi` } },
      },
    });
    // Deleting the StatefulSet (or the namespace) deletes its claims: a preview leaves no volume behind.
    const deleteClaims = { whenDeleted: "Delete", whenScaled: "Delete" };

    // PostgreSQL: single instance, the same major version as the tiers' RDS (16).
    const pgLabels = labelsOf("postgres");
    const pgService = new k8s.core.v1.Service(
      `${name}-postgres-service`,
      {
        metadata: { name: "postgres", namespace: ns, labels: pgLabels },
        spec: {
          clusterIP: "None",
          selector: pgLabels,
          ports: [{ name: "postgres", port: POSTGRES_PORT, targetPort: POSTGRES_PORT }],
        },
      },
      k8sOpts,
    );
    const postgres = new k8s.apps.v1.StatefulSet(
      `${name}-postgres`,
      {
        metadata: { name: "postgres", namespace: ns, labels: pgLabels },
        spec: {
          serviceName: pgService.metadata.name,
          replicas: 1,
          selector: { matchLabels: pgLabels },
          persistentVolumeClaimRetentionPolicy: deleteClaims,
          template: {
            metadata: { labels: pgLabels },
            spec: {
              automountServiceAccountToken: false,
              ...roleScheduling(spec.postgres.role),
              topologySpreadConstraints: zoneSpread(pgLabels),
              securityContext: podSecurity(spec.postgres.uid),
              containers: [
                {
                  ...hardenedContainer(),
                  name: "postgres",
                  image: spec.postgres.image,
                  ports: [{ name: "postgres", containerPort: POSTGRES_PORT }],
                  env: [
                    { name: "POSTGRES_USER", value: DB_USER },
                    { name: "POSTGRES_DB", value: DB_NAME },
                    // A subdirectory: the volume's root holds lost+found, which initdb refuses.
                    { name: "PGDATA", value: "/var/lib/postgresql/data/pgdata" },
                    ...secretEnv("POSTGRES_PASSWORD"),
                  ],
                  resources: resourcesOf(spec.postgres.pod),
                  readinessProbe: {
                    exec: { command: ["pg_isready", "-h", "127.0.0.1", "-U", DB_USER, "-d", DB_NAME] },
                    periodSeconds: 5,
                    failureThreshold: 3,
                  },
                  livenessProbe: {
                    tcpSocket: { port: POSTGRES_PORT },
                    initialDelaySeconds: 30,
                    periodSeconds: 15,
                    failureThreshold: 4,
                  },
                  volumeMounts: [
                    { name: "data", mountPath: "/var/lib/postgresql/data" },
                    { name: "run", mountPath: "/var/run/postgresql" },
                    TMP_MOUNT,
                  ],
                },
              ],
              volumes: [{ name: "run", emptyDir: {} }, TMP_VOLUME],
            },
          },
          volumeClaimTemplates: [volumeClaim(spec.postgres.storageGiB)],
        },
      },
      guarded,
    );

    // Redis: single instance (REDIS_CLUSTER=false), append-only, never evicting (BullMQ needs every key).
    const redisLabels = labelsOf("redis");
    const redisService = new k8s.core.v1.Service(
      `${name}-redis-service`,
      {
        metadata: { name: "redis", namespace: ns, labels: redisLabels },
        spec: {
          clusterIP: "None",
          selector: redisLabels,
          ports: [{ name: "redis", port: REDIS_PORT, targetPort: REDIS_PORT }],
        },
      },
      k8sOpts,
    );
    const redis = new k8s.apps.v1.StatefulSet(
      `${name}-redis`,
      {
        metadata: { name: "redis", namespace: ns, labels: redisLabels },
        spec: {
          serviceName: redisService.metadata.name,
          replicas: 1,
          selector: { matchLabels: redisLabels },
          persistentVolumeClaimRetentionPolicy: deleteClaims,
          template: {
            metadata: { labels: redisLabels },
            spec: {
              automountServiceAccountToken: false,
              ...roleScheduling(spec.redis.role),
              topologySpreadConstraints: zoneSpread(redisLabels),
              securityContext: podSecurity(spec.redis.uid),
              containers: [
                {
                  ...hardenedContainer(),
                  name: "redis",
                  image: spec.redis.image,
                  // $(REDIS_PASSWORD) is expanded by the kubelet from the Secret; the spec holds no password.
                  args: [
                    "redis-server",
                    "--dir",
                    "/data",
                    "--appendonly",
                    "yes",
                    "--requirepass",
                    "$(REDIS_PASSWORD)",
                    "--maxmemory",
                    `${spec.redis.maxMemoryMiB}mb`,
                    "--maxmemory-policy",
                    "noeviction",
                  ],
                  ports: [{ name: "redis", containerPort: REDIS_PORT }],
                  env: secretEnv("REDIS_PASSWORD"),
                  resources: resourcesOf(spec.redis.pod),
                  readinessProbe: {
                    exec: {
                      command: ["sh", "-c", 'redis-cli --no-auth-warning -a "$REDIS_PASSWORD" ping | grep -q PONG'],
                    },
                    periodSeconds: 5,
                    failureThreshold: 3,
                  },
                  livenessProbe: {
                    tcpSocket: { port: REDIS_PORT },
                    initialDelaySeconds: 15,
                    periodSeconds: 15,
                    failureThreshold: 4,
                  },
                  volumeMounts: [{ name: "data", mountPath: "/data" }, TMP_MOUNT],
                },
              ],
              volumes: [TMP_VOLUME],
            },
          },
          volumeClaimTemplates: [volumeClaim(spec.redis.storageGiB)],
        },
      },
      guarded,
    );

    const commonEnv = [
      { name: "NODE_ENV", value: "production" },
      { name: "LOG_LEVEL", value: "debug" },
      { name: "REDIS_CLUSTER", value: "false" },
      { name: "AWS_REGION", value: config.region },
      // No OPENSEARCH_URL: search falls back to PostgreSQL full-text search.
    ];

    // Migrations: one Job per image digest, before the API and the worker start.
    const migrationLabels = labelsOf("migrations");
    const migration = new k8s.batch.v1.Job(
      `${name}-migrate`,
      {
        metadata: { name: imageRef.apply(migrationJobName), namespace: ns, labels: migrationLabels },
        spec: {
          backoffLimit: 3,
          activeDeadlineSeconds: 600,
          template: {
            metadata: { labels: migrationLabels },
            spec: migrationPodSpec({
              image: imageRef,
              uid: APP_UID,
              role: spec.api.role,
              env: [{ name: "LOG_LEVEL", value: "info" }, ...secretEnv("DATABASE_MIGRATION_URL")],
              pod: spec.migrations.pod,
            }),
          },
        },
      },
      { ...guarded, dependsOn: [quota, limits, postgres] },
    );

    // API: one replica, a plain Deployment (no HPA: a preview is for trying, not for load).
    const apiLabels = labelsOf("api");
    const api = new k8s.apps.v1.Deployment(
      `${name}-api`,
      {
        metadata: { name: "api", namespace: ns, labels: apiLabels },
        spec: {
          replicas: 1,
          selector: { matchLabels: apiLabels },
          strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
          template: {
            metadata: { labels: apiLabels },
            spec: {
              automountServiceAccountToken: false,
              ...roleScheduling(spec.api.role),
              topologySpreadConstraints: zoneSpread(apiLabels),
              securityContext: podSecurity(APP_UID),
              containers: [
                {
                  ...hardenedContainer(),
                  name: "api",
                  image: imageRef,
                  command: ["node", "dist/app/main.js"],
                  ports: [{ name: "http", containerPort: API_PORT }],
                  env: [
                    ...commonEnv,
                    { name: "PORT", value: String(API_PORT) },
                    { name: "DATABASE_POOL_MAX", value: "5" },
                    // The ALB is the one proxy in front of a preview.
                    { name: "TRUST_PROXY", value: "1" },
                    ...secretEnv("DATABASE_URL", "REDIS_URL", "JWT_SECRET"),
                  ],
                  resources: resourcesOf(spec.api.pod),
                  readinessProbe: {
                    httpGet: { path: "/health/ready", port: API_PORT },
                    periodSeconds: 5,
                    failureThreshold: 2,
                  },
                  livenessProbe: {
                    httpGet: { path: "/health/live", port: API_PORT },
                    initialDelaySeconds: 10,
                    periodSeconds: 15,
                    failureThreshold: 3,
                  },
                  volumeMounts: [TMP_MOUNT],
                },
              ],
              volumes: [TMP_VOLUME],
            },
          },
        },
      },
      { ...guarded, dependsOn: [quota, limits, migration, redis] },
    );
    const apiService = new k8s.core.v1.Service(
      `${name}-api-service`,
      {
        metadata: { name: "api", namespace: ns, labels: apiLabels },
        spec: {
          type: "ClusterIP",
          selector: apiLabels,
          ports: [{ name: "http", port: API_PORT, targetPort: API_PORT }],
        },
      },
      k8sOpts,
    );

    // Worker: one replica, a few concurrent jobs.
    const workerLabels = labelsOf("worker");
    const worker = new k8s.apps.v1.Deployment(
      `${name}-worker`,
      {
        metadata: { name: "worker", namespace: ns, labels: workerLabels },
        spec: {
          replicas: 1,
          selector: { matchLabels: workerLabels },
          strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
          template: {
            metadata: { labels: workerLabels },
            spec: {
              automountServiceAccountToken: false,
              ...roleScheduling(spec.worker.role),
              topologySpreadConstraints: zoneSpread(workerLabels),
              securityContext: podSecurity(APP_UID),
              containers: [
                {
                  ...hardenedContainer(),
                  name: "worker",
                  image: imageRef,
                  command: ["node", "dist/worker/main.js"],
                  ports: [{ name: "metrics", containerPort: WORKER_METRICS_PORT }],
                  env: [
                    ...commonEnv,
                    { name: "WORKER_METRICS_PORT", value: String(WORKER_METRICS_PORT) },
                    { name: "WORKER_CONCURRENCY", value: String(spec.worker.concurrency) },
                    { name: "DATABASE_POOL_MAX", value: String(spec.worker.concurrency * 2) },
                    ...secretEnv("DATABASE_URL", "REDIS_URL"),
                  ],
                  resources: resourcesOf(spec.worker.pod),
                  readinessProbe: {
                    httpGet: { path: "/health/ready", port: WORKER_METRICS_PORT },
                    periodSeconds: 10,
                    failureThreshold: 3,
                  },
                  livenessProbe: {
                    httpGet: { path: "/health/live", port: WORKER_METRICS_PORT },
                    initialDelaySeconds: 15,
                    periodSeconds: 20,
                    failureThreshold: 3,
                  },
                  volumeMounts: [TMP_MOUNT],
                },
              ],
              volumes: [TMP_VOLUME],
            },
          },
        },
      },
      { ...guarded, dependsOn: [quota, limits, migration, redis] },
    );

    // One pod each: a budget that lets a node drain evict it (a preview may blink; a node upgrade must not stall).
    for (const [part, labels] of [
      ["api", apiLabels],
      ["worker", workerLabels],
    ] as const) {
      new k8s.policy.v1.PodDisruptionBudget(
        `${name}-${part}-pdb`,
        {
          metadata: { name: part, namespace: ns, labels },
          spec: { maxUnavailable: 1, selector: { matchLabels: labels } },
        },
        k8sOpts,
      );
    }

    // A host rule on the shared preview ALB: the AWS Load Balancer Controller (a base-stack add-on) merges every
    // Ingress of the group into one ALB, and finds the certificate for the host in ACM (a wildcard for
    // *.<previewDomain>).
    const ingress = new k8s.networking.v1.Ingress(
      `${name}-ingress`,
      {
        metadata: {
          name: "api",
          namespace: ns,
          labels: apiLabels,
          annotations: {
            "alb.ingress.kubernetes.io/group.name": PREVIEW_ALB_GROUP,
            "alb.ingress.kubernetes.io/scheme": "internet-facing",
            "alb.ingress.kubernetes.io/target-type": "ip",
            "alb.ingress.kubernetes.io/listen-ports": JSON.stringify([{ HTTPS: 443 }]),
            "alb.ingress.kubernetes.io/ssl-policy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
            "alb.ingress.kubernetes.io/healthcheck-path": "/health/ready",
          },
        },
        spec: {
          ingressClassName: "alb",
          rules: [
            {
              host,
              http: {
                paths: [
                  {
                    path: "/",
                    pathType: "Prefix",
                    backend: { service: { name: apiService.metadata.name, port: { number: API_PORT } } },
                  },
                ],
              },
            },
          ],
        },
      },
      k8sOpts,
    );

    // The URL is worth printing once its route, the API (after migrations, PostgreSQL and Redis) and the worker exist.
    this.url = pulumi
      .all([ingress.metadata.name, api.metadata.name, worker.metadata.name])
      .apply(() => `https://${host}`);
    this.namespace = ns;
    this.imageDigest = image.digest;
    this.imageRef = imageRef;
    this.incrementalCost = cluster.apply((c) => {
      const classes = {} as Record<PreviewNodeRole, string>;
      for (const role of NODE_ROLES) {
        const group = c.nodeGroups?.[role];
        if (group === undefined)
          throw new Error(`base stack ${config.baseStack}: cluster.nodeGroups.${role} is missing from its outputs`);
        classes[role] = group.instanceClass;
      }
      return previewCost(classes, config.region, spec);
    });
    // `url` is left out: it resolves last (after the pods' objects), and the stack exports it anyway.
    this.registerOutputs({
      namespace: this.namespace,
      imageDigest: this.imageDigest,
      incrementalCost: this.incrementalCost,
    });
  }
}

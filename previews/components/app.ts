/**
 * The app in a preview: the migrations Job, the API and the worker (one pod each, the branch's image by digest),
 * their disruption budgets, and the API's host rule on the shared preview ALB.
 */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import {
  hardenedContainer,
  migrationPodSpec,
  podSecurity,
  resourcesOf,
  roleScheduling,
  TMP_MOUNT,
  TMP_VOLUME,
  zoneSpread,
} from "../../infra/lib/pod-spec";
import { API_PORT, APP_UID, migrationJobName, WORKER_METRICS_PORT } from "../../infra/components/workloads";
import { type PreviewConfig } from "../../stacks/preview/config";
import { type PreviewSpec } from "../../stacks/preview/spec";
import { type PreviewDataStores, type PreviewLabels } from "./data-stores";

/** Every preview joins this ALB group, so all previews share one load balancer, routed by host. */
export const PREVIEW_ALB_GROUP = "storyforge-previews";

export interface PreviewApp {
  api: k8s.apps.v1.Deployment;
  worker: k8s.apps.v1.Deployment;
  ingress: k8s.networking.v1.Ingress;
}

export function previewApp(
  name: string,
  args: {
    config: PreviewConfig;
    spec: PreviewSpec;
    namespace: pulumi.Output<string>;
    host: string;
    imageRef: pulumi.Output<string>;
    labels: PreviewLabels;
    data: PreviewDataStores;
    guards: pulumi.Resource[];
  },
  opts: { parent: pulumi.Resource; provider: k8s.Provider },
): PreviewApp {
  const { config, spec, namespace: ns, host, imageRef, labels: labelsOf, data, guards } = args;
  const { secretEnv } = data;
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
    { ...opts, dependsOn: [...guards, data.postgres] },
  );

  const started = { ...opts, dependsOn: [...guards, migration, data.redis] };

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
    started,
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
    opts,
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
    started,
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
      opts,
    );
  }

  // A host rule on the shared preview ALB: the AWS Load Balancer Controller (a base-stack add-on) merges every
  // Ingress of the group into one ALB, and finds the certificate for the host in ACM (a wildcard for *.<domain>).
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
    opts,
  );
  return { api, worker, ingress };
}

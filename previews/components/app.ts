/**
 * The app in a preview: the migrations Job, the API and the worker (one pod each, the branch's image by digest), the
 * API's Service, their disruption budgets, and the API's host rule on the shared preview ALB. How the API and the
 * worker run (commands, ports, probes, environment, security) is the tiers' own definition (infra/lib/app-pods.ts);
 * what differs is said here: one replica, no autoscaler, no OpenSearch, a single Redis node, the ALB as the one proxy.
 */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import {
  apiEnv,
  API_PORT,
  API_SECRET_KEYS,
  apiServiceSpec,
  appDeploymentSpec,
  APP_UID,
  commonEnv,
  disruptionBudgetSpec,
  MIGRATION_SECRET_KEYS,
  migrationJobName,
  READY_PATH,
  WORKER_SECRET_KEYS,
  workerEnv,
} from "../../infra/lib/app-pods";
import { migrationPodSpec } from "../../infra/lib/pod-spec";
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
  // No OpenSearch: search falls back to PostgreSQL full-text search.
  const common = commonEnv({ logLevel: "debug", redisCluster: false, region: config.region });

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
            env: [{ name: "LOG_LEVEL", value: "info" }, ...secretEnv(...MIGRATION_SECRET_KEYS)],
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
      spec: appDeploymentSpec("api", {
        image: imageRef,
        labels: apiLabels,
        role: spec.api.role,
        pod: spec.api.pod,
        replicas: 1,
        maxSurge: 1,
        env: apiEnv({
          common,
          dbPoolMax: spec.api.dbPoolMax,
          // The ALB is the one proxy in front of a preview.
          trustProxy: 1,
          secrets: secretEnv(...API_SECRET_KEYS),
        }),
      }),
    },
    started,
  );
  const apiService = new k8s.core.v1.Service(
    `${name}-api-service`,
    { metadata: { name: "api", namespace: ns, labels: apiLabels }, spec: apiServiceSpec(apiLabels) },
    opts,
  );

  // Worker: one replica, a few concurrent jobs.
  const workerLabels = labelsOf("worker");
  const worker = new k8s.apps.v1.Deployment(
    `${name}-worker`,
    {
      metadata: { name: "worker", namespace: ns, labels: workerLabels },
      spec: appDeploymentSpec("worker", {
        image: imageRef,
        labels: workerLabels,
        role: spec.worker.role,
        pod: spec.worker.pod,
        replicas: 1,
        maxSurge: 1,
        env: workerEnv({
          common,
          concurrency: spec.worker.concurrency,
          dbPoolMax: spec.worker.concurrency * 2,
          secrets: secretEnv(...WORKER_SECRET_KEYS),
        }),
      }),
    },
    started,
  );

  // One pod each: a budget that lets a node drain evict it.
  for (const [part, labels] of [
    ["api", apiLabels],
    ["worker", workerLabels],
  ] as const) {
    new k8s.policy.v1.PodDisruptionBudget(
      `${name}-${part}-pdb`,
      { metadata: { name: part, namespace: ns, labels }, spec: disruptionBudgetSpec(labels, 1) },
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
          "alb.ingress.kubernetes.io/healthcheck-path": READY_PATH,
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

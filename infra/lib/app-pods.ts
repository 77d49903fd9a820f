/**
 * How the API and the worker run, written once for the tier's Workloads (infra/components/workloads.ts) and a
 * preview (previews/components/app.ts): their ports, commands, probes, environment, the Secret keys each reads, the
 * Deployment and pod specs, the API's Service and the disruption budgets. Plain data builders, no Pulumi runtime, so
 * tests and policies can check them directly. What differs between a tier and a preview (replicas, the proxies in
 * front, Redis cluster mode, search, pool sizes) is an argument; everything else is here.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { PodResources } from "../../stacks/tiers";
import type { NodeRole } from "./capacity";
import {
  hardenedContainer,
  podSecurity,
  resourcesOf,
  roleScheduling,
  TMP_MOUNT,
  TMP_VOLUME,
  zoneSpread,
} from "./pod-spec";

/** The API's HTTP port (core/config.ts `PORT`, the Dockerfile's EXPOSE). */
export const API_PORT = 3000;
/** The worker's metrics and health port (core/config.ts `WORKER_METRICS_PORT`). */
export const WORKER_METRICS_PORT = 9464;
/** uid of the image's `node` user (node:*-slim images); the Dockerfile runs as it. */
export const APP_UID = 1000;
/**
 * The API's V8 old-space cap. Its live heap is about 28 MB under load (after a full collection, docs/benchmarks.md),
 * but V8 let old space fill to 120 MB of garbage before compacting: peak RSS 213-229 MB, over issue 15's 200 MB.
 * Capped at 192 MB (7x the live set, a quarter of the smallest tier's 768 MiB limit), it collects sooner, in pauses of
 * 6-10 ms, and the process stays near 135 MB. Buffers (bodies, sockets) are outside it.
 */
export const API_NODE_FLAGS = ["--max-old-space-size=192"];
/** The image's entry points (Dockerfile). */
export const API_COMMAND = ["node", ...API_NODE_FLAGS, "dist/app/main.js"];
export const WORKER_COMMAND = ["node", "dist/worker/main.js"];
/** Health endpoints both processes serve (core/ops server). */
export const READY_PATH = "/health/ready";
export const LIVE_PATH = "/health/live";

/** The API drains for 10 s on SIGTERM (failing readiness, so the load balancer stops sending), then shuts down in 25 s. */
export const API_DRAIN_MS = 10_000;
export const API_SHUTDOWN_MS = 25_000;
/** Workers hand back or finish jobs within 90 s of SIGTERM. */
export const WORKER_SHUTDOWN_MS = 90_000;

/** Secret keys each process reads (core/config.ts). The migrations alone get the direct primary URL. */
export const API_SECRET_KEYS = ["DATABASE_URL", "DATABASE_REPLICA_URL", "REDIS_URL", "JWT_SECRET"] as const;
export const WORKER_SECRET_KEYS = ["DATABASE_URL", "DATABASE_REPLICA_URL", "REDIS_URL"] as const;
export const MIGRATION_SECRET_KEYS = ["DATABASE_MIGRATION_URL"] as const;

export type EnvVar =
  | { name: string; value: pulumi.Input<string> }
  | { name: string; valueFrom: { secretKeyRef: { name: pulumi.Input<string>; key: string } } };

/** Env entries read from `keys` of the Secret named `secretName`: credentials never appear as literals. */
export function secretEnv(secretName: pulumi.Input<string>, keys: readonly string[]): EnvVar[] {
  return keys.map((key) => ({ name: key, valueFrom: { secretKeyRef: { name: secretName, key } } }));
}

/** `app.kubernetes.io/*` labels of one workload; `instance` tells previews apart in a shared cluster. */
export function appLabels(name: string, instance?: string): Record<string, string> {
  return {
    "app.kubernetes.io/name": name,
    "app.kubernetes.io/part-of": "storyforge",
    ...(instance !== undefined ? { "app.kubernetes.io/instance": instance } : {}),
  };
}

/** The name of the migrations Job for an image: a new digest runs a new Job. */
export function migrationJobName(imageRef: string): string {
  const digest = /sha256:([0-9a-f]{64})$/.exec(imageRef)?.[1];
  if (digest === undefined) throw new Error(`imageRef must end with @sha256:<64 hex>, got ${JSON.stringify(imageRef)}`);
  return `migrate-${digest.slice(0, 12)}`;
}

export interface CommonEnvOptions {
  logLevel: string;
  /** Redis in cluster mode (ElastiCache) or a single node (a preview's). */
  redisCluster: boolean;
  region: pulumi.Input<string>;
  /** OpenSearch's URL, signed with SigV4; absent: the API searches with PostgreSQL. */
  openSearchUrl?: pulumi.Input<string>;
}

/** What both processes read from the environment, first in each. */
export function commonEnv(o: CommonEnvOptions): EnvVar[] {
  return [
    { name: "NODE_ENV", value: "production" },
    { name: "LOG_LEVEL", value: o.logLevel },
    { name: "REDIS_CLUSTER", value: String(o.redisCluster) },
    { name: "AWS_REGION", value: o.region },
    ...(o.openSearchUrl !== undefined
      ? [
          { name: "OPENSEARCH_URL", value: o.openSearchUrl },
          { name: "OPENSEARCH_SIGV4", value: "true" },
        ]
      : []),
  ];
}

/** The API's environment: the common part, its port, pool, the proxies in front of it, shutdown, its secrets. */
export function apiEnv(o: {
  common: EnvVar[];
  dbPoolMax: number;
  /** Proxies in front of the API: CloudFront and the ALB at a tier (2), the ALB alone for a preview (1). */
  trustProxy: number;
  secrets: EnvVar[];
}): EnvVar[] {
  return [
    ...o.common,
    { name: "PORT", value: String(API_PORT) },
    { name: "DATABASE_POOL_MAX", value: String(o.dbPoolMax) },
    { name: "TRUST_PROXY", value: String(o.trustProxy) },
    { name: "SHUTDOWN_DRAIN_MS", value: String(API_DRAIN_MS) },
    { name: "SHUTDOWN_TIMEOUT_MS", value: String(API_SHUTDOWN_MS) },
    ...o.secrets,
  ];
}

/** The worker's environment: the common part, its metrics port, concurrency, pool, shutdown, its secrets. */
export function workerEnv(o: {
  common: EnvVar[];
  concurrency: number;
  dbPoolMax: number;
  secrets: EnvVar[];
}): EnvVar[] {
  return [
    ...o.common,
    { name: "WORKER_METRICS_PORT", value: String(WORKER_METRICS_PORT) },
    { name: "WORKER_CONCURRENCY", value: String(o.concurrency) },
    { name: "DATABASE_POOL_MAX", value: String(o.dbPoolMax) },
    { name: "SHUTDOWN_TIMEOUT_MS", value: String(WORKER_SHUTDOWN_MS) },
    ...o.secrets,
  ];
}

const httpProbe = (path: string, port: number) => ({ httpGet: { path, port } });

/** The two processes: entry point, port, probes and how long Kubernetes waits for them to stop. */
const PROCESSES = {
  api: {
    command: API_COMMAND,
    port: { name: "http", containerPort: API_PORT, protocol: "TCP" },
    probes: {
      readinessProbe: { ...httpProbe(READY_PATH, API_PORT), periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 2 },
      livenessProbe: {
        ...httpProbe(LIVE_PATH, API_PORT),
        initialDelaySeconds: 10,
        periodSeconds: 15,
        timeoutSeconds: 2,
        failureThreshold: 3,
      },
      startupProbe: { ...httpProbe(LIVE_PATH, API_PORT), periodSeconds: 2, failureThreshold: 30 },
    },
    // Drain and shutdown, plus 10 s for the process to exit.
    terminationGracePeriodSeconds: Math.ceil((API_DRAIN_MS + API_SHUTDOWN_MS) / 1000) + 10,
  },
  worker: {
    command: WORKER_COMMAND,
    port: { name: "metrics", containerPort: WORKER_METRICS_PORT, protocol: "TCP" },
    probes: {
      readinessProbe: {
        ...httpProbe(READY_PATH, WORKER_METRICS_PORT),
        periodSeconds: 10,
        timeoutSeconds: 2,
        failureThreshold: 3,
      },
      livenessProbe: {
        ...httpProbe(LIVE_PATH, WORKER_METRICS_PORT),
        initialDelaySeconds: 15,
        periodSeconds: 20,
        timeoutSeconds: 2,
        failureThreshold: 3,
      },
    },
    terminationGracePeriodSeconds: WORKER_SHUTDOWN_MS / 1000 + 30,
  },
} as const;

export type AppProcess = keyof typeof PROCESSES;

export interface AppDeploymentOptions {
  /** The image, by digest. */
  image: pulumi.Input<string>;
  labels: Record<string, string>;
  /** The node group the pods run on. */
  role: NodeRole;
  pod: PodResources;
  env: EnvVar[];
  /** Its own service account (IRSA); absent: the namespace's default, with no token mounted. */
  serviceAccountName?: pulumi.Input<string>;
  /** Pods to keep; absent when an autoscaler owns the count (a Deployment under an HPA sets no replicas). */
  replicas?: number;
  /** Extra pods during a rollout (none is ever unavailable). */
  maxSurge: number | string;
}

/** The Deployment spec of the API or the worker. */
export function appDeploymentSpec(process: AppProcess, o: AppDeploymentOptions) {
  const p = PROCESSES[process];
  return {
    ...(o.replicas !== undefined ? { replicas: o.replicas } : {}),
    selector: { matchLabels: o.labels },
    strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: o.maxSurge } },
    template: {
      metadata: { labels: o.labels },
      spec: {
        ...(o.serviceAccountName !== undefined ? { serviceAccountName: o.serviceAccountName } : {}),
        automountServiceAccountToken: false,
        ...roleScheduling(o.role),
        topologySpreadConstraints: zoneSpread(o.labels),
        securityContext: podSecurity(APP_UID),
        terminationGracePeriodSeconds: p.terminationGracePeriodSeconds,
        containers: [
          {
            ...hardenedContainer(),
            name: process,
            image: o.image,
            command: [...p.command],
            ports: [{ ...p.port }],
            env: o.env,
            resources: resourcesOf(o.pod),
            ...p.probes,
            volumeMounts: [TMP_MOUNT],
          },
        ],
        volumes: [TMP_VOLUME],
      },
    },
  };
}

/** The API's ClusterIP Service (the load balancer's targets, the worker scaler's queue-depth source). */
export function apiServiceSpec(labels: Record<string, string>) {
  return {
    type: "ClusterIP",
    selector: labels,
    ports: [{ name: "http", port: API_PORT, targetPort: API_PORT, protocol: "TCP" }],
  };
}

/** A PodDisruptionBudget's minAvailable that still allows one disruption at the autoscaler's minimum. */
export function pdbMinAvailable(minReplicas: number): number {
  return Math.max(1, minReplicas - 1);
}

/**
 * A disruption budget that always lets a node drain evict one pod: one below the minimum pod count, or, for a single
 * pod (a preview), one unavailable (a preview may blink; a node upgrade must not stall).
 */
export function disruptionBudgetSpec(labels: Record<string, string>, minReplicas: number) {
  const selector = { matchLabels: labels };
  return minReplicas >= 2 ? { minAvailable: pdbMinAvailable(minReplicas), selector } : { maxUnavailable: 1, selector };
}

/**
 * What a preview runs, written once as data: one pod of each kind, small, on the base stack's node groups, and
 * the ResourceQuota and LimitRange that keep one preview from starving the shared cluster. The Preview component
 * (previews/components/preview.ts), its incremental cost and the tests read this table.
 */
import type { NodeRole, PodResources } from "../tiers";

/** The node group each preview pod lands on (cluster contract: `storyforge.io/role`). */
export type PreviewNodeRole = NodeRole;

export interface PreviewPod {
  /** Workload name inside the namespace. */
  name: "api" | "worker" | "postgres" | "redis";
  role: PreviewNodeRole;
  pod: PodResources;
}

export interface PreviewSpec {
  /** The API: one replica, on the API nodes, a small pool per process. */
  api: PreviewPod & { dbPoolMax: number };
  /** The worker: one replica, on the worker nodes, few concurrent jobs. */
  worker: PreviewPod & { concurrency: number };
  /** PostgreSQL 16 (the major version of the tiers' RDS), single instance, its volume deleted with the namespace. */
  postgres: PreviewPod & { image: string; uid: number; storageGiB: number };
  /** Redis, single instance (not cluster mode), append-only file on its volume. */
  redis: PreviewPod & { image: string; uid: number; storageGiB: number; maxMemoryMiB: number };
  /** The migrations Job, once per image. */
  migrations: { pod: PodResources };
  /** StorageClass of the volumes: the base cluster's default encrypted gp3 class (infra/components/addons.ts). */
  storageClass: string;
  quota: {
    requestsCpuMillicores: number;
    requestsMemoryMiB: number;
    limitsCpuMillicores: number;
    limitsMemoryMiB: number;
    pods: number;
    persistentVolumeClaims: number;
    storageGiB: number;
  };
  /** Defaults for a container that sets none, and the most one container may ask for. */
  limitRange: { defaultRequest: PodResources; maxCpuMillicores: number; maxMemoryMiB: number };
}

const pod = (
  cpuRequestMillicores: number,
  memoryRequestMiB: number,
  cpuLimitMillicores: number,
  memoryLimitMiB: number,
): PodResources => ({
  cpuRequestMillicores,
  memoryRequestMiB,
  cpuLimitMillicores,
  memoryLimitMiB,
});

export const PREVIEW_SPEC: PreviewSpec = {
  api: { name: "api", role: "api", pod: pod(250, 384, 1000, 768), dbPoolMax: 5 },
  worker: { name: "worker", role: "worker", pod: pod(250, 512, 1000, 1024), concurrency: 2 },
  // Official images pinned by tag; alpine variants run as uid 70 (postgres) and 999 (redis).
  postgres: {
    name: "postgres",
    role: "system",
    pod: pod(250, 512, 1000, 1024),
    image: "postgres:16.10-alpine",
    uid: 70,
    storageGiB: 10,
  },
  redis: {
    name: "redis",
    role: "system",
    pod: pod(100, 192, 500, 384),
    image: "redis:7.4.6-alpine",
    uid: 999,
    storageGiB: 2,
    maxMemoryMiB: 256,
  },
  migrations: { pod: pod(100, 256, 500, 512) },
  storageClass: "gp3",
  quota: {
    requestsCpuMillicores: 2000,
    requestsMemoryMiB: 4096,
    limitsCpuMillicores: 6000,
    limitsMemoryMiB: 8192,
    pods: 10,
    persistentVolumeClaims: 4,
    storageGiB: 30,
  },
  limitRange: { defaultRequest: pod(100, 128, 500, 512), maxCpuMillicores: 2000, maxMemoryMiB: 2048 },
};

/** The pods a preview keeps running (the migrations Job comes and goes). */
export function steadyPods(spec: PreviewSpec = PREVIEW_SPEC): PreviewPod[] {
  return [spec.api, spec.worker, spec.postgres, spec.redis];
}

/**
 * The quota must admit the preview at its peak: every steady pod, a surge pod of the API and the worker during a
 * rollout, and the migrations Job. Returns the problems, each naming the figure that does not fit.
 */
export function checkQuota(spec: PreviewSpec = PREVIEW_SPEC): string[] {
  const peak = [...steadyPods(spec).map((p) => p.pod), spec.api.pod, spec.worker.pod, spec.migrations.pod];
  const sum = (f: (p: PodResources) => number) => peak.reduce((total, p) => total + f(p), 0);
  const problems: string[] = [];
  const q = spec.quota;
  const need = {
    requestsCpuMillicores: sum((p) => p.cpuRequestMillicores),
    requestsMemoryMiB: sum((p) => p.memoryRequestMiB),
    limitsCpuMillicores: sum((p) => p.cpuLimitMillicores),
    limitsMemoryMiB: sum((p) => p.memoryLimitMiB),
    pods: peak.length,
    persistentVolumeClaims: 2,
    storageGiB: spec.postgres.storageGiB + spec.redis.storageGiB,
  };
  for (const [key, value] of Object.entries(need) as Array<[keyof typeof need, number]>) {
    if (q[key] < value) problems.push(`quota.${key} is ${q[key]}, the preview needs ${value} at a rollout`);
  }
  for (const p of [...steadyPods(spec), { name: "migrations", pod: spec.migrations.pod }]) {
    if (
      p.pod.cpuLimitMillicores > spec.limitRange.maxCpuMillicores ||
      p.pod.memoryLimitMiB > spec.limitRange.maxMemoryMiB
    ) {
      problems.push(
        `${p.name} limits exceed the LimitRange maximum (${spec.limitRange.maxCpuMillicores}m, ${spec.limitRange.maxMemoryMiB}Mi)`,
      );
    }
  }
  return problems;
}

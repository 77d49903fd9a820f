/**
 * Pieces every pod spec of ours repeats (PgBouncer, API, worker, migrations): the hardened security context,
 * requests and limits from the tier's PodResources, role scheduling on the cluster's node groups, and zone spread.
 * Plain data builders, no Pulumi runtime, so tests and policies can check them directly.
 */
import type { PodResources } from "../../stacks/tiers";
import type { NodeRole } from "./capacity";

/** Node label and taint key of the cluster's node groups (cluster contract). */
export const ROLE_LABEL = "storyforge.io/role";
export const ZONE_KEY = "topology.kubernetes.io/zone";
export const HOST_KEY = "kubernetes.io/hostname";

/** Requests and limits in Kubernetes quantities. */
export function resourcesOf(pod: PodResources): { requests: Record<string, string>; limits: Record<string, string> } {
  return {
    requests: { cpu: `${pod.cpuRequestMillicores}m`, memory: `${pod.memoryRequestMiB}Mi` },
    limits: { cpu: `${pod.cpuLimitMillicores}m`, memory: `${pod.memoryLimitMiB}Mi` },
  };
}

/** nodeSelector of the role, and the toleration of its taint (api and worker groups are tainted; system is not). */
export function roleScheduling(role: NodeRole): {
  nodeSelector: Record<string, string>;
  tolerations?: Array<Record<string, string>>;
} {
  const nodeSelector = { [ROLE_LABEL]: role };
  if (role === "system") return { nodeSelector };
  return { nodeSelector, tolerations: [{ key: ROLE_LABEL, operator: "Equal", value: role, effect: "NoSchedule" }] };
}

/**
 * Spread over zones (hard: a zone loss leaves the others serving; node-group maxima are sized per zone by
 * infra/lib/capacity/) and over nodes (soft).
 */
export interface SpreadConstraint {
  maxSkew: number;
  topologyKey: string;
  whenUnsatisfiable: "DoNotSchedule" | "ScheduleAnyway";
  labelSelector: { matchLabels: Record<string, string> };
}

export function zoneSpread(labels: Record<string, string>): SpreadConstraint[] {
  return [
    { maxSkew: 1, topologyKey: ZONE_KEY, whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: labels } },
    { maxSkew: 1, topologyKey: HOST_KEY, whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: labels } },
  ];
}

/** Pod-level security context: a fixed non-root user and the runtime's default seccomp profile. */
export function podSecurity(uid: number): Record<string, unknown> {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: uid,
    fsGroup: uid,
    seccompProfile: { type: "RuntimeDefault" },
  };
}

/** Container-level security context: read-only root, no privilege escalation, no capabilities. */
export function hardenedContainer(): { securityContext: Record<string, unknown> } {
  return {
    securityContext: {
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      privileged: false,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    },
  };
}

/** The writable scratch space of a read-only container. */
export const TMP_VOLUME = { name: "tmp", emptyDir: { sizeLimit: "256Mi" } };
export const TMP_MOUNT = { name: "tmp", mountPath: "/tmp" };

/** The image's migration entry point (Dockerfile: node dist/app/migrate.js). */
export const MIGRATE_COMMAND = ["node", "dist/app/migrate.js"];

/**
 * The pod of a migrations Job, the same for a tier and a preview: one hardened `migrate` container on the role's
 * nodes, never restarted in place (the Job retries it), with the environment the caller gives (the direct primary URL).
 */
export function migrationPodSpec<Image, Env>(opts: {
  image: Image;
  uid: number;
  role: NodeRole;
  env: Env[];
  pod: PodResources;
  serviceAccountName?: unknown;
}) {
  return {
    restartPolicy: "Never",
    ...(opts.serviceAccountName !== undefined ? { serviceAccountName: opts.serviceAccountName as string } : {}),
    automountServiceAccountToken: false,
    ...roleScheduling(opts.role),
    securityContext: podSecurity(opts.uid),
    containers: [
      {
        ...hardenedContainer(),
        name: "migrate",
        image: opts.image,
        command: MIGRATE_COMMAND,
        env: opts.env,
        resources: resourcesOf(opts.pod),
        volumeMounts: [TMP_MOUNT],
      },
    ],
    volumes: [TMP_VOLUME],
  };
}

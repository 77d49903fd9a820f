/**
 * Kubernetes workloads: containers (resources, probes, images, security context) and replica count and zone
 * spread of Deployments. Sources: kube-score, kube-linter, Polaris, CIS Kubernetes/EKS 4.2.x.
 */
import type { PolicyResource } from "@pulumi/policy";
import { isPinnedImage } from "../../stacks/config";
import { asArray, ofType, resourceRule, stackRule, type Props, type Rule } from "./kit";

export const DEPLOYMENT = ["kubernetes:apps/v1:Deployment"] as const;
const LONG_RUNNING = [
  "kubernetes:apps/v1:Deployment",
  "kubernetes:apps/v1:StatefulSet",
  "kubernetes:apps/v1:DaemonSet",
] as const;
const BATCH = ["kubernetes:batch/v1:Job", "kubernetes:batch/v1:CronJob"] as const;
export const POD_OWNERS = [...LONG_RUNNING, ...BATCH] as const;

const ZONE_KEY = "topology.kubernetes.io/zone";

/** The pod template's spec of any pod-owning workload. */
export function podSpecOf(type: string, props: Props): Props {
  if (type === "kubernetes:batch/v1:CronJob") return props.spec?.jobTemplate?.spec?.template?.spec ?? {};
  return props.spec?.template?.spec ?? {};
}

interface Container {
  name: string;
  props: Props;
  init: boolean;
}

function containersOf(type: string, props: Props): Container[] {
  const pod = podSpecOf(type, props);
  return [
    ...asArray(pod.initContainers).map((c: Props) => ({ name: String(c.name ?? "?"), props: c, init: true })),
    ...asArray(pod.containers).map((c: Props) => ({ name: String(c.name ?? "?"), props: c, init: false })),
  ];
}

export const containerResources = resourceRule({
  name: "k8s-container-resources",
  description: "Every container requests and limits CPU and memory.",
  level: "M",
  sources: [
    "kube-score container-resources",
    "kube-linter unset-cpu-requirements, unset-memory-requirements",
    "CKV_K8S_10",
    "CKV_K8S_11",
    "CKV_K8S_12",
    "CKV_K8S_13",
  ],
  types: POD_OWNERS,
  check: (props, ctx, report) => {
    for (const c of containersOf(ctx.type, props)) {
      const missing = [
        ["requests.cpu", c.props.resources?.requests?.cpu],
        ["requests.memory", c.props.resources?.requests?.memory],
        ["limits.cpu", c.props.resources?.limits?.cpu],
        ["limits.memory", c.props.resources?.limits?.memory],
      ]
        .filter(([, value]) => value === undefined || value === null || value === "")
        .map(([field]) => field);
      if (missing.length > 0) report(`container "${c.name}" sets no ${missing.join(", ")}`);
    }
  },
});

export const readinessProbe = resourceRule({
  name: "k8s-readiness-probe",
  description: "Every long-running container has a readiness probe.",
  level: "M",
  sources: ["kube-score pod-probes", "kube-linter no-readiness-probe", "CKV_K8S_9"],
  types: LONG_RUNNING,
  check: (props, ctx, report) => {
    for (const c of containersOf(ctx.type, props).filter((c) => !c.init)) {
      if (c.props.readinessProbe === undefined || c.props.readinessProbe === null)
        report(`container "${c.name}" has no readiness probe`);
    }
  },
});

/** What a probe checks, without its timings: two probes with the same handler restart pods on a busy spell. */
function probeHandler(probe: Props): string {
  return JSON.stringify({ httpGet: probe.httpGet, tcpSocket: probe.tcpSocket, exec: probe.exec, grpc: probe.grpc });
}

export const livenessProbe = resourceRule({
  name: "k8s-liveness-probe-differs",
  description:
    "Every long-running container has a liveness probe that checks something other than its readiness probe.",
  level: "T",
  sources: ["kube-score pod-probes-identical", "kube-linter no-liveness-probe", "CKV_K8S_8"],
  types: LONG_RUNNING,
  check: (props, ctx, report) => {
    for (const c of containersOf(ctx.type, props).filter((c) => !c.init)) {
      const liveness = c.props.livenessProbe;
      const readiness = c.props.readinessProbe;
      if (liveness === undefined || liveness === null) report(`container "${c.name}" has no liveness probe`);
      else if (readiness !== undefined && readiness !== null && probeHandler(liveness) === probeHandler(readiness)) {
        report(`container "${c.name}" uses the same check for liveness and readiness`);
      }
    }
  },
});

export const imagePinned = resourceRule({
  name: "k8s-image-pinned",
  description: "Every container image is pinned to a tag other than `latest`, or to a digest.",
  level: "M",
  sources: ["kube-score container-image-tag", "kube-linter latest-tag", "CKV_K8S_14", "Polaris tagNotSpecified"],
  types: POD_OWNERS,
  check: (props, ctx, report) => {
    for (const c of containersOf(ctx.type, props)) {
      const image = c.props.image;
      if (typeof image !== "string" || !isPinnedImage(image))
        report(`container "${c.name}" image ${JSON.stringify(image ?? "(none)")} is not pinned`);
    }
  },
});

export const securityContext = resourceRule({
  name: "k8s-container-security-context",
  description:
    "Containers run as non-root, with a read-only root filesystem, without privilege escalation, unprivileged (each a check of its own, waivable alone).",
  level: "M",
  checks: ["run-as-non-root", "read-only-root-filesystem", "no-privilege-escalation", "not-privileged"],
  // Not kube-score container-security-context-user-group-id: it requires UID/GID > 10000; the app runs as 1000.
  sources: [
    "CIS EKS 4.2.1",
    "CIS EKS 4.2.5",
    "CKV_K8S_16",
    "CKV_K8S_20",
    "CKV_K8S_22",
    "CKV_K8S_23",
    "kube-score container-security-context-readonlyrootfilesystem, -privileged",
  ],
  types: POD_OWNERS,
  check: (props, ctx, report) => {
    const pod = podSpecOf(ctx.type, props);
    for (const c of containersOf(ctx.type, props)) {
      const sc: Props = c.props.securityContext ?? {};
      const nonRoot = sc.runAsNonRoot ?? pod.securityContext?.runAsNonRoot;
      const user: unknown = sc.runAsUser ?? pod.securityContext?.runAsUser;
      if (nonRoot !== true)
        report(`container "${c.name}" may run as root (\`runAsNonRoot\` is not true)`, "run-as-non-root");
      else if (user === 0) report(`container "${c.name}" runs as UID 0 (\`runAsUser: 0\`)`, "run-as-non-root");
      if (sc.readOnlyRootFilesystem !== true)
        report(`container "${c.name}" has a writable root filesystem`, "read-only-root-filesystem");
      if (sc.allowPrivilegeEscalation !== false)
        report(`container "${c.name}" allows privilege escalation`, "no-privilege-escalation");
      if (sc.privileged === true) report(`container "${c.name}" is privileged`, "not-privileged");
    }
  },
});

export const zoneSpread = resourceRule({
  name: "k8s-zone-spread",
  description: "Deployments spread their pods over availability zones.",
  level: "T",
  sources: ["kube-score pod-topology-spread-constraints", "Polaris topologySpreadConstraint"],
  types: DEPLOYMENT,
  check: (props, ctx, report) => {
    const pod = podSpecOf(ctx.type, props);
    const spread = asArray(pod.topologySpreadConstraints).some((t) => t?.topologyKey === ZONE_KEY);
    const antiAffinity = [
      ...asArray(pod.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution),
      ...asArray(pod.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution).map(
        (w) => w?.podAffinityTerm,
      ),
    ].some((term) => term?.topologyKey === ZONE_KEY);
    if (!spread && !antiAffinity)
      report(`pods are not spread over zones (no topology spread or anti-affinity on ${ZONE_KEY})`);
  },
});

// ---- replicas (stack view: an autoscaler may own the count) ----------------------------------------------------

export const HPA = ["kubernetes:autoscaling/v2:HorizontalPodAutoscaler"] as const;
export const SCALED_OBJECT = ["kubernetes:keda.sh/v1alpha1:ScaledObject"] as const;

/** The replica floor a tier asks for: three at v2 (one per zone), two below. */
export function minimumReplicas(tier: string): number {
  return tier === "v2" ? 3 : 2;
}

export function namespaceOf(r: PolicyResource): string {
  return String(r.props.metadata?.namespace ?? "default");
}

/** The Kubernetes name: `metadata.name` when the program sets it, else the logical name. */
export function kubeName(r: PolicyResource): string {
  return String(r.props.metadata?.name ?? r.name);
}

/** An autoscaler (HPA or KEDA ScaledObject) in uniform shape. */
export interface Autoscaler {
  resource: PolicyResource;
  targetKind: string;
  targetName: string | undefined;
  min: number | undefined;
  max: number | undefined;
}

export function autoscalersOf(resources: readonly PolicyResource[]): Autoscaler[] {
  return [
    ...ofType(resources, HPA).map((r) => ({
      resource: r,
      targetKind: String(r.props.spec?.scaleTargetRef?.kind ?? ""),
      targetName: r.props.spec?.scaleTargetRef?.name,
      // Kubernetes defaults minReplicas to 1.
      min: r.props.spec?.minReplicas ?? 1,
      max: r.props.spec?.maxReplicas,
    })),
    ...ofType(resources, SCALED_OBJECT).map((r) => ({
      resource: r,
      targetKind: String(r.props.spec?.scaleTargetRef?.kind ?? "Deployment"),
      targetName: r.props.spec?.scaleTargetRef?.name,
      // KEDA defaults minReplicaCount to 0 and maxReplicaCount to 100.
      min: r.props.spec?.minReplicaCount ?? 0,
      max: r.props.spec?.maxReplicaCount ?? 100,
    })),
  ];
}

export function autoscalerOf(deployment: PolicyResource, autoscalers: readonly Autoscaler[]): Autoscaler | undefined {
  return autoscalers.find(
    (a) =>
      a.targetKind === "Deployment" &&
      a.targetName === kubeName(deployment) &&
      namespaceOf(a.resource) === namespaceOf(deployment),
  );
}

export const minReplicas = stackRule({
  name: "k8s-min-replicas",
  description: "Deployments run at least two replicas (three at v2), either fixed or as their autoscaler's minimum.",
  level: "T",
  tierOnly: true,
  sources: ["kube-score deployment-replicas", "Polaris deploymentMissingReplicas"],
  check: (resources, ctx, report) => {
    const floor = minimumReplicas(ctx.tier);
    const autoscalers = autoscalersOf(resources);
    for (const deployment of ofType(resources, DEPLOYMENT)) {
      const scaler = autoscalerOf(deployment, autoscalers);
      const replicas: unknown = deployment.props.spec?.replicas;
      // With an autoscaler the floor is its minimum, checked by hpa-min-max; without, spec.replicas (default 1).
      if (scaler !== undefined) continue;
      const count = typeof replicas === "number" ? replicas : 1;
      if (count < floor)
        report(`runs ${count} replica(s) and no autoscaler; tier ${ctx.tier} requires at least ${floor}`, deployment);
    }
  },
});

export const workloadRules: readonly Rule[] = [
  containerResources,
  readinessProbe,
  livenessProbe,
  imagePinned,
  securityContext,
  zoneSpread,
  minReplicas,
];

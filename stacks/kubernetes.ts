/**
 * The EKS Kubernetes minors a stack may run, each with what is pinned for it: EKS managed add-on builds and the
 * cluster-autoscaler image. Data only; infra/components/cluster.ts and addons.ts install what is pinned here, and the
 * config loader accepts exactly these minors. Add a minor here with all of its pins, or not at all.
 *
 * Each minor is in EKS standard support when chosen: 1.35 until 27 Mar 2027 (EKS Kubernetes release calendar).
 * 1.34 leaves standard support on 2 Dec 2026, so it is not offered.
 */
/**
 * Versions pinned per Kubernetes minor. EKS managed add-on builds: list them with `aws eks describe-addon-versions
 * --addon-name <name> --kubernetes-version <minor>` before raising one. Each pin is checked (infra/lib/addon-versions.ts)
 * against the minor (kube-proxy's own minor) offline, and against the newest build EKS lists for the minor at
 * `pulumi preview`, before anything is created.
 */
export interface KubernetesPins {
  vpcCni: string;
  kubeProxy: string;
  coredns: string;
  /** cluster-autoscaler image: its minor must equal the cluster's (cluster-autoscaler README, version table). */
  clusterAutoscalerImageTag: string;
  /** aws-ebs-csi-driver EKS add-on (installed by infra/components/addons.ts, after the node groups). */
  ebsCsiDriver: string;
}

export const KUBERNETES_PINS: Readonly<Record<string, KubernetesPins>> = {
  "1.35": {
    vpcCni: "v1.21.1-eksbuild.8",
    kubeProxy: "v1.35.3-eksbuild.13",
    coredns: "v1.14.2-eksbuild.4",
    clusterAutoscalerImageTag: "v1.35.0",
    // Driver v1.59.0 (chart 2.59.0).
    ebsCsiDriver: "v1.59.0-eksbuild.1",
  },
};

/** The minors a stack may choose: those with pins. */
export const KUBERNETES_VERSIONS: readonly string[] = Object.keys(KUBERNETES_PINS);
export const DEFAULT_KUBERNETES_VERSION = "1.35";

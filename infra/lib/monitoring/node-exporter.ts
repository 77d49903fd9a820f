/**
 * node-exporter on every node (seed 002 scrapes it beside the app): a DaemonSet of our own rather than the
 * prometheus-community chart, so the plan, the policy pack and the cost estimate see the pods, written after that
 * chart's DaemonSet (prometheus-node-exporter 4.56.1, tag prometheus-node-exporter-4.56.1 of
 * prometheus-community/helm-charts): host network and PID namespace, the host's /proc, /sys and / read-only, user
 * 65534, listening on the node's address only. Its requests are the node-level agent the capacity maths budgets in
 * DAEMONSET_OVERHEAD (infra/lib/capacity/nodes.ts).
 */
import type * as k8s from "@pulumi/kubernetes";

/** node-exporter 1.12.1: the appVersion of chart 4.56.1. Pinned by tag (its digest was not verifiable offline). */
export const NODE_EXPORTER_IMAGE = "quay.io/prometheus/node-exporter:v1.12.1";
export const NODE_EXPORTER_PORT = 9100;
export const NODE_EXPORTER_APP = "node-exporter";
/** Within the agent headroom of DAEMONSET_OVERHEAD (~25m / 200 MiB per node). */
export const NODE_EXPORTER_RESOURCES = {
  requests: { cpu: "25m", memory: "48Mi" },
  limits: { cpu: "200m", memory: "96Mi" },
} as const;
/** The nobody user of the image (the chart's securityContext). */
const NOBODY = 65534;

/** The DaemonSet's pod template spec. Runs on every node: the api and worker groups' taints are tolerated. */
export function nodeExporterPodSpec(): k8s.types.input.core.v1.PodSpec {
  return {
    hostNetwork: true,
    hostPID: true,
    automountServiceAccountToken: false,
    priorityClassName: "system-node-critical",
    securityContext: {
      runAsNonRoot: true,
      runAsUser: NOBODY,
      runAsGroup: NOBODY,
      fsGroup: NOBODY,
      seccompProfile: { type: "RuntimeDefault" },
    },
    // Every node role: the api and worker groups are tainted `storyforge.io/role=<role>:NoSchedule`.
    tolerations: [{ operator: "Exists", effect: "NoSchedule" }],
    containers: [
      {
        name: "node-exporter",
        image: NODE_EXPORTER_IMAGE,
        args: [
          "--path.procfs=/host/proc",
          "--path.sysfs=/host/sys",
          "--path.rootfs=/host/root",
          "--path.udev.data=/host/root/run/udev/data",
          `--web.listen-address=[$(HOST_IP)]:${NODE_EXPORTER_PORT}`,
          "--collector.filesystem.mount-points-exclude=^/(dev|proc|sys|run/containerd/.+|var/lib/kubelet/.+)($|/)",
        ],
        env: [{ name: "HOST_IP", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "status.hostIP" } } }],
        ports: [{ name: "metrics", containerPort: NODE_EXPORTER_PORT, protocol: "TCP" }],
        resources: { requests: { ...NODE_EXPORTER_RESOURCES.requests }, limits: { ...NODE_EXPORTER_RESOURCES.limits } },
        securityContext: {
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
          privileged: false,
          capabilities: { drop: ["ALL"] },
        },
        // Ready once it answers HTTP; alive while it holds its port (a slow collector must not restart it).
        readinessProbe: { httpGet: { path: "/", port: NODE_EXPORTER_PORT }, periodSeconds: 10, timeoutSeconds: 2 },
        livenessProbe: { tcpSocket: { port: NODE_EXPORTER_PORT }, initialDelaySeconds: 10, periodSeconds: 30 },
        volumeMounts: [
          { name: "proc", mountPath: "/host/proc", readOnly: true },
          { name: "sys", mountPath: "/host/sys", readOnly: true },
          { name: "root", mountPath: "/host/root", readOnly: true, mountPropagation: "HostToContainer" },
        ],
      },
    ],
    volumes: [
      { name: "proc", hostPath: { path: "/proc" } },
      { name: "sys", hostPath: { path: "/sys" } },
      { name: "root", hostPath: { path: "/" } },
    ],
  };
}

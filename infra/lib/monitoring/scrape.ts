/**
 * The AWS managed scraper's configuration: the API's and the worker's `/metrics`, node-exporter on every node, and
 * the two control-plane series the cluster rules read (kube-scheduler's pending pods, kube-controller-manager's
 * NotReady nodes, which EKS ≥ 1.28 serves through the API server at metrics.eks.amazonaws.com). AMP collectors accept
 * only kubernetes_sd discovery, a scrape interval of 30 s or more and, for authorization, the service account token
 * file (AMP user guide, "Scraper configuration"). Only the series the rules, the dashboard and the autoscaler read are
 * kept from the control plane and node-exporter, which keeps ingestion (and its cost) to what is used.
 */
import { SCRAPE_INTERVAL_SECONDS } from "../../../stacks/monitoring";
import { JOBS } from "./rules";
import type { YamlValue } from "./yaml";

export interface ScrapeTargets {
  /** Goes on every series as `cluster`, so a workspace could hold more than one stack. */
  clusterName: string;
  /** Namespace of the API and the worker. */
  appNamespace: string;
  /** Container port names of their metrics endpoints (workloads.ts). */
  apiPort: string;
  workerPort: string;
  /** Namespace and app label of node-exporter (node-exporter.ts). */
  monitoringNamespace: string;
  nodeExporterApp: string;
}

/** node-exporter series kept: the root filesystem (alert rule) and CPU / memory / load for the operator. */
export const NODE_EXPORTER_KEEP = [
  "node_filesystem_avail_bytes",
  "node_filesystem_size_bytes",
  "node_memory_MemAvailable_bytes",
  "node_memory_MemTotal_bytes",
  "node_load1",
] as const;

const TOKEN = "/var/run/secrets/kubernetes.io/serviceaccount/token";

function podJob(
  job: string,
  namespace: string,
  app: string,
  port: string,
  opts: { relabel?: YamlValue[]; keep?: readonly string[] } = {},
): YamlValue {
  return {
    job_name: job,
    kubernetes_sd_configs: [{ role: "pod", namespaces: { names: [namespace] } }],
    relabel_configs: [
      // One target per pod: the container port named for metrics, on pods of this app that are running.
      {
        source_labels: [
          "__meta_kubernetes_pod_label_app_kubernetes_io_name",
          "__meta_kubernetes_pod_container_port_name",
        ],
        regex: `${app};${port}`,
        action: "keep",
      },
      { source_labels: ["__meta_kubernetes_pod_phase"], regex: "Running", action: "keep" },
      { source_labels: ["__meta_kubernetes_namespace"], target_label: "namespace" },
      { source_labels: ["__meta_kubernetes_pod_name"], target_label: "pod" },
      { source_labels: ["__meta_kubernetes_pod_node_name"], target_label: "node" },
      ...(opts.relabel ?? []),
    ],
    ...(opts.keep === undefined
      ? {}
      : { metric_relabel_configs: [{ source_labels: ["__name__"], regex: opts.keep.join("|"), action: "keep" }] }),
  };
}

/** The control plane's metrics endpoints behind the API server (EKS user guide, "Fetch control plane raw metrics"). */
function controlPlaneJob(job: string, path: string, keep: string): YamlValue {
  return {
    job_name: job,
    scheme: "https",
    metrics_path: path,
    authorization: { type: "Bearer", credentials_file: TOKEN },
    kubernetes_sd_configs: [{ role: "endpoints" }],
    relabel_configs: [
      {
        source_labels: [
          "__meta_kubernetes_namespace",
          "__meta_kubernetes_service_name",
          "__meta_kubernetes_endpoint_port_name",
        ],
        regex: "default;kubernetes;https",
        action: "keep",
      },
    ],
    metric_relabel_configs: [{ source_labels: ["__name__"], regex: keep, action: "keep" }],
  };
}

export function scrapeConfig(t: ScrapeTargets): YamlValue {
  return {
    global: {
      scrape_interval: `${SCRAPE_INTERVAL_SECONDS}s`,
      scrape_timeout: "10s",
      external_labels: { cluster: t.clusterName },
    },
    scrape_configs: [
      podJob(JOBS.api, t.appNamespace, "api", t.apiPort),
      podJob(JOBS.worker, t.appNamespace, "worker", t.workerPort),
      podJob(JOBS.nodeExporter, t.monitoringNamespace, t.nodeExporterApp, "metrics", {
        // node-exporter runs on the host network: its pod address is the node's, one target per node.
        relabel: [{ source_labels: ["__meta_kubernetes_pod_node_name"], target_label: "instance" }],
        keep: NODE_EXPORTER_KEEP,
      }),
      // The keep lists carry the series the rules read; everything else the endpoints expose is dropped on ingest.
      controlPlaneJob(
        JOBS.scheduler,
        "/apis/metrics.eks.amazonaws.com/v1/ksh/container/metrics",
        "scheduler_pending_pods",
      ),
      controlPlaneJob(
        JOBS.controllerManager,
        "/apis/metrics.eks.amazonaws.com/v1/kcm/container/metrics",
        "node_collector_unhealthy_nodes_in_zone|node_collector_zone_size",
      ),
    ],
  };
}

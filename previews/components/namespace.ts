/**
 * A preview's namespace, labelled with who deployed what and when, and the ResourceQuota and LimitRange that keep
 * one preview from starving the shared cluster (stacks/preview/spec.ts).
 */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { resourcesOf } from "../../infra/lib/pod-spec";
import { type PreviewConfig } from "../../stacks/preview/config";
import { labelValue } from "../../stacks/preview/naming";
import { type PreviewSpec } from "../../stacks/preview/spec";

/** `2026-11-23T12:00:00.000Z` → `20261123T120000Z`: a time Kubernetes accepts as a label value. */
export function labelTime(iso: string): string {
  return iso === ""
    ? ""
    : new Date(iso)
        .toISOString()
        .replace(/[-:]/g, "")
        .replace(/\.\d{3}Z$/, "Z");
}

export interface PreviewNamespace {
  namespace: k8s.core.v1.Namespace;
  /** The quota and the limit range: pods are created after both, so both apply to every one of them. */
  guards: pulumi.Resource[];
}

export function previewNamespace(
  name: string,
  args: { config: PreviewConfig; spec: PreviewSpec },
  opts: { parent: pulumi.Resource; provider: k8s.Provider },
): PreviewNamespace {
  const { config, spec } = args;
  // Label values are restricted; the exact values are annotations.
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
    opts,
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
    opts,
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
    opts,
  );
  return { namespace, guards: [quota, limits] };
}

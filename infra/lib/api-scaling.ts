/**
 * How the API scales (seed 000 §5.1): a KEDA ScaledObject on requests per second (read from the Prometheus
 * workspace), CPU 60 % and memory 75 %, with seed 002's HPA behaviour. The per-pod request rate is the tier's
 * `workloads.apiPodRps`, the same figure the capacity check multiplies by the API's maximum (infra/lib/capacity), so
 * the autoscaler reaches its maximum exactly where the capacity maths says the tier's traffic needs it.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { WorkloadsTier } from "../../stacks/tiers";
import { API_RPS_QUERY } from "./monitoring/rules";

type HpaBehavior = k8s.types.input.autoscaling.v2.HorizontalPodAutoscalerBehavior;

/** API HPA behaviour after seed 002: up 100 %/60 s after 60 s, down 50 %/60 s after 300 s. */
export const API_HPA_BEHAVIOR: HpaBehavior = {
  scaleUp: {
    stabilizationWindowSeconds: 60,
    selectPolicy: "Max",
    policies: [{ type: "Percent", value: 100, periodSeconds: 60 }],
  },
  scaleDown: {
    stabilizationWindowSeconds: 300,
    selectPolicy: "Max",
    policies: [{ type: "Percent", value: 50, periodSeconds: 60 }],
  },
};
/** Seed 000 §5.1's resource targets. */
export const API_CPU_TARGET = 60;
export const API_MEMORY_TARGET = 75;
/** How often KEDA asks the workspace (the KEDA default; the scraper refreshes every 30 s). */
export const API_POLLING_SECONDS = 15;

export interface ApiScalingInput {
  /** The API Deployment's name. */
  deployment: pulumi.Input<string>;
  workloads: Pick<WorkloadsTier, "api" | "apiPodRps">;
  /** The workspace to query; without it the API scales on CPU and memory only. */
  prometheus?: {
    region: string;
    /** `https://aps-workspaces.<region>.amazonaws.com/workspaces/<id>` (no trailing slash: KEDA appends the path). */
    serverAddress: pulumi.Input<string>;
    /** The TriggerAuthentication that makes KEDA sign with its IRSA role. */
    authentication: pulumi.Input<string>;
  };
}

/** The ScaledObject's spec. No `spec.replicas` on the Deployment: the HPA KEDA makes owns the count. */
export function apiScaledObjectSpec(input: ApiScalingInput): Record<string, unknown> {
  const { api, apiPodRps } = input.workloads;
  const rps = input.prometheus;
  return {
    scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: input.deployment },
    pollingInterval: API_POLLING_SECONDS,
    cooldownPeriod: 300,
    minReplicaCount: api.minReplicas,
    maxReplicaCount: api.maxReplicas,
    advanced: { horizontalPodAutoscalerConfig: { name: "api", behavior: API_HPA_BEHAVIOR } },
    triggers: [
      ...(rps === undefined
        ? []
        : [
            {
              type: "prometheus",
              name: "requests-per-second",
              // AverageValue: the HPA divides the stack's rate by the pods it has, and aims at apiPodRps each.
              metricType: "AverageValue",
              authenticationRef: { name: rps.authentication },
              metadata: {
                serverAddress: rps.serverAddress,
                query: API_RPS_QUERY,
                threshold: String(apiPodRps),
                awsRegion: rps.region,
              },
            },
          ]),
      { type: "cpu", name: "cpu", metricType: "Utilization", metadata: { value: String(API_CPU_TARGET) } },
      { type: "memory", name: "memory", metricType: "Utilization", metadata: { value: String(API_MEMORY_TARGET) } },
    ],
  };
}

/** Builders of declared resources for the cost tests: the plan's shape, written by hand. */
import type { CostResource } from "../../infra/lib/cost/types";
import type { UsageAssumptions } from "../../stacks/tiers";
import { DEFAULT_CATALOG } from "../../infra/lib/cost/catalog";

export function res(
  type: string,
  name: string,
  inputs: Record<string, unknown> = {},
  parent: string | null = null,
): CostResource {
  return { type, name, parent, inputs };
}

export const NO_USAGE: UsageAssumptions = {
  cdnEgressGb: 0,
  cdnRequestsMillions: 0,
  natProcessedGb: 0,
  albProcessedGb: 0,
  flowLogGb: 0,
  controlPlaneLogGb: 0,
  databaseLogGb: 0,
  searchLogGb: 0,
  logIngestGb: 0,
  s3StoredGb: 0,
  ecrStoredGb: 0,
  dbBackupGb: 0,
  metricsSamplesMillions: 0,
  metricsStoredGb: 0,
  metricsQuerySamplesBillions: 0,
};

export function usage(over: Partial<UsageAssumptions>): UsageAssumptions {
  return { ...NO_USAGE, ...over };
}

/** The catalog's price of `sku` (the tests derive expectations from the catalog, never restate it). */
export function price(sku: string): number {
  const entry = DEFAULT_CATALOG.prices[sku];
  if (entry === undefined) throw new Error(`test needs ${sku} in the catalog`);
  return entry.price;
}

export function cents(value: number): number {
  return Math.round(value * 100) / 100;
}

export const T = {
  rds: "aws:rds/instance:Instance",
  nodeGroup: "aws:eks/nodeGroup:NodeGroup",
  launchTemplate: "aws:ec2/launchTemplate:LaunchTemplate",
  redis: "aws:elasticache/replicationGroup:ReplicationGroup",
  search: "aws:opensearch/domain:Domain",
  nat: "aws:ec2/natGateway:NatGateway",
  eip: "aws:ec2/eip:Eip",
  lb: "aws:lb/loadBalancer:LoadBalancer",
  ingress: "kubernetes:networking.k8s.io/v1:Ingress",
  hpa: "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
  cdn: "aws:cloudfront/distribution:Distribution",
  bucket: "aws:s3/bucketV2:BucketV2",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  eks: "aws:eks/cluster:Cluster",
} as const;

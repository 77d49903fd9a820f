/**
 * The outputs of a tier stack, declared once: what `pulumi stack output` shows and what a StackReference to a tier
 * stack reads (a preview's base stack, previews/components/base-stack.ts; its mock, tools/plan/base-stack.ts).
 * infra/index.ts checks at compile time that its exports resolve to exactly this shape.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { TierName } from "../stacks/tiers";
import type { CapacityFigures, NodeRole } from "./lib/capacity";
import type { CostEstimate } from "./lib/cost/types";
import type { NodeGroupSpec } from "./components/cluster";

export interface TierStackOutputs {
  /** The capacity tier the stack runs (storyforge:tier): mvp, v1 or v2. */
  tier: TierName;
  /** The AWS region (aws:region). */
  region: string;
  /** The network: zones, the public, private (nodes) and data subnets, the workloads' security group. */
  vpc: {
    id: string;
    cidr: string;
    zones: string[];
    publicSubnetIds: string[];
    privateSubnetIds: string[];
    dataSubnetIds: string[];
    workloadSecurityGroupId: string;
  };
  /** RDS PostgreSQL: the primary's and the read replicas' addresses, the master secret's ARN (never the password). */
  postgres: {
    primaryAddress: string;
    replicaAddresses: string[];
    port: number;
    database: string;
    username: string;
    secretArn: string;
    securityGroupId: string;
  };
  /** ElastiCache Redis in cluster mode, TLS on: its configuration endpoint and the AUTH token's secret ARN. */
  redis: { configurationEndpoint: string; port: number; tls: boolean; secretArn: string; securityGroupId: string };
  /** OpenSearch: its endpoint and the search client role (its master user); null for a tier without it (mvp). */
  opensearch: { endpoint: string; port: number; clientRoleArn: string; securityGroupId: string } | null;
  /** EKS: what kubectl and a preview's Kubernetes provider need, and the node groups a preview schedules on. */
  cluster: {
    name: string;
    endpoint: string;
    kubernetesVersion: string;
    oidcProviderArn: string;
    nodeGroups: Record<NodeRole, NodeGroupSpec>;
  };
  /** The figures of every capacity inequality (issue 3 §6): pods and nodes, connection pools, the peak request rate. */
  capacity: CapacityFigures;
  /** The app: the image it runs (by digest), its namespace, Services, migrations Job and the ALB CloudFront uses. */
  app: {
    /** `<repository url>@sha256:<digest>`: the image the tier runs; previews push to the same repository. */
    imageRef: string;
    namespace: string;
    apiService: string;
    pgbouncer: string;
    migrationJob: string;
    loadBalancer: { originDomainName: string; originProtocol: string; targetGroupArn: string };
  };
  /** CloudFront: the domain users reach, the distribution (for invalidations) and the assets bucket. */
  cdn: { domainName: string; distributionId: string; bucketName: string };
  /** The metrics workspace and its scraper, the alarm topics per severity, the dashboard and how many alarms it shows. */
  monitoring: {
    prometheusEndpoint: string;
    workspaceArn: string;
    scraperArn: string;
    alarmTopicArns: { warning: string; critical: string };
    dashboardName: string;
    alarmCount: number;
  };
  /** The PostgreSQL master password and the Redis AUTH token: always a secret output (`--show-secrets` to read). */
  secrets: { postgresPassword: string; redisAuthToken: string };
  /** The cost review (issue 5): the expected monthly cost, its range and lines, against the tier's budget. */
  cost: CostEstimate;
}

/**
 * `true` when a program's module exports (`typeof import(program)`) resolve to `Declared`: every declared output
 * exported with its type once Outputs are unwrapped, and no export left undeclared. Used as
 * `export type OutputsAreDeclared = AssertTrue<ExportsMatch<typeof self, Declared>>`, which fails to compile
 * otherwise (the message names the undeclared exports or the resolved shape).
 */
export type ExportsMatch<Exports, Declared> = [pulumi.Unwrap<Exports>] extends [Declared]
  ? [Exclude<keyof Exports, keyof Declared>] extends [never]
    ? true
    : { undeclared: Exclude<keyof Exports, keyof Declared> }
  : { mismatch: pulumi.Unwrap<Exports> };

/** Compiles only when `T` is `true`. */
export type AssertTrue<T extends true> = T;

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
  tier: TierName;
  region: string;
  vpc: {
    id: string;
    cidr: string;
    zones: string[];
    publicSubnetIds: string[];
    privateSubnetIds: string[];
    dataSubnetIds: string[];
    workloadSecurityGroupId: string;
  };
  postgres: {
    primaryAddress: string;
    replicaAddresses: string[];
    port: number;
    database: string;
    username: string;
    secretArn: string;
    securityGroupId: string;
  };
  redis: { configurationEndpoint: string; port: number; tls: boolean; secretArn: string; securityGroupId: string };
  /** Null for a tier without OpenSearch (the API searches with PostgreSQL). */
  opensearch: { endpoint: string; port: number; clientRoleArn: string; securityGroupId: string } | null;
  cluster: {
    name: string;
    endpoint: string;
    kubernetesVersion: string;
    oidcProviderArn: string;
    nodeGroups: Record<NodeRole, NodeGroupSpec>;
  };
  /** Issue 3 §6: the figures of every capacity inequality. */
  capacity: CapacityFigures;
  app: {
    /** `<repository url>@sha256:<digest>`: the image the tier runs; previews push to the same repository. */
    imageRef: string;
    namespace: string;
    apiService: string;
    pgbouncer: string;
    migrationJob: string;
    loadBalancer: { originDomainName: string; originProtocol: string; targetGroupArn: string };
  };
  cdn: { domainName: string; distributionId: string; bucketName: string };
  /** Issue 16: the metrics workspace, its scraper, the alarm topics per severity, the dashboard. */
  monitoring: {
    prometheusEndpoint: string;
    workspaceArn: string;
    scraperArn: string;
    alarmTopicArns: { warning: string; critical: string };
    dashboardName: string;
    alarmCount: number;
  };
  /** Always a secret output. */
  secrets: { postgresPassword: string; redisAuthToken: string };
  /** The cost review (issue 5). */
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

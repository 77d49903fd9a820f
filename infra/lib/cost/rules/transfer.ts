/**
 * Data transfer between Availability Zones ($0.01/GB each way), derived from the traffic model rather than guessed.
 *
 * The model: every byte the API serves (the tier's `albProcessedGb`) is read by an API pod from Redis when the
 * cache answers, or through PgBouncer from PostgreSQL when it does not (seed 000 §2: cache layers in front of the
 * database; seed 002: cache hit rate > 80 %). A miss makes two hops (pod → PgBouncer → RDS). Pods, PgBouncer,
 * Redis and RDS spread over the same zones, so a hop crosses a zone boundary with probability (zones - 1) / zones
 * (two thirds over three zones), and a crossing GB is billed twice: out of one zone and into the other.
 * Not modelled: OpenSearch queries, workers' job traffic, Multi-AZ and cache replication (which AWS does not bill).
 */
import type { UsageAssumptions } from "../../../../stacks/tiers";
import type { CostResource } from "../types";
import { type Draft, type PricingContext, arr } from "./common";

/** Share of API reads the cache answers: seed 002's target hit rate (> 80 %). */
export const CACHE_HIT_RATIO = 0.8;
const NODE_GROUP = "aws:eks/nodeGroup:NodeGroup";
export const REPLICATION_GROUP = "aws:elasticache/replicationGroup:ReplicationGroup";
const RDS_INSTANCE = "aws:rds/instance:Instance";
/** Zones assumed when no node group names its subnets. */
const DEFAULT_ZONES = 3;

export interface InterAzTraffic {
  zones: number;
  /** GB a month that cross a zone boundary on the way between API pods and Redis. */
  redisCrossingGb: number;
  /** ... between API pods, PgBouncer and RDS (both hops). */
  databaseCrossingGb: number;
}

/** Zones the pods spread over: the most subnets any node group is placed in. */
export function podZones(resources: readonly CostResource[]): number {
  const counts = resources.filter((r) => r.type === NODE_GROUP).map((g) => arr(g.inputs.subnetIds).length);
  const most = Math.max(0, ...counts);
  return most > 0 ? most : DEFAULT_ZONES;
}

export function interAzTraffic(resources: readonly CostResource[], usage: UsageAssumptions): InterAzTraffic {
  const zones = podZones(resources);
  const crossing = (zones - 1) / zones;
  const served = usage.albProcessedGb;
  return {
    zones,
    redisCrossingGb: Math.round(served * CACHE_HIT_RATIO * crossing),
    databaseCrossingGb: Math.round(served * (1 - CACHE_HIT_RATIO) * 2 * crossing),
  };
}

const isPrimary = (r: CostResource) => r.type === RDS_INSTANCE && r.inputs.replicateSourceDb === undefined;
const isCache = (r: CostResource) => r.type === REPLICATION_GROUP;

function line(what: string, crossingGb: number, t: InterAzTraffic): Draft {
  return {
    sku: "transfer/inter-az",
    item: "inter-az-transfer",
    usage: ["albProcessedGb"],
    // crossingGb follows albProcessedGb (a usage change); only the zones belong to the resources.
    attributes: { zones: t.zones },
    description: `Inter-AZ transfer, ${what} (${crossingGb.toLocaleString("en-US")} GB crossing zones, billed out and in)`,
    quantity: crossingGb * 2,
  };
}

/** The Redis share, priced on the first replication group (where the bytes come from). */
export function cacheTransferDrafts(resource: CostResource, ctx: PricingContext): Draft[] {
  if (!ctx.carriesPool(resource, isCache)) return [];
  const t = interAzTraffic(ctx.resources, ctx.usage);
  noteModel(ctx, t);
  return t.redisCrossingGb > 0 ? [line("API pods ↔ Redis", t.redisCrossingGb, t)] : [];
}

/** The PgBouncer and PostgreSQL share, priced on the first RDS primary. */
export function databaseTransferDrafts(resource: CostResource, ctx: PricingContext): Draft[] {
  if (!ctx.carriesPool(resource, isPrimary)) return [];
  const t = interAzTraffic(ctx.resources, ctx.usage);
  noteModel(ctx, t);
  return t.databaseCrossingGb > 0 ? [line("API pods ↔ PgBouncer ↔ RDS", t.databaseCrossingGb, t)] : [];
}

function noteModel(ctx: PricingContext, t: InterAzTraffic): void {
  ctx.note(
    `inter-AZ transfer derived from albProcessedGb: ${CACHE_HIT_RATIO * 100}% of served bytes from Redis, the rest via PgBouncer from RDS (two hops), ${t.zones - 1}/${t.zones} of hops crossing zones over ${t.zones} zones (infra/lib/cost/rules/transfer.ts)`,
  );
}

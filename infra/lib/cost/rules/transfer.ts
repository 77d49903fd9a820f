/**
 * Data transfer between Availability Zones ($0.01/GB each way), derived from the traffic model rather than guessed.
 *
 * The model. Pods, PgBouncer, Redis, RDS and OpenSearch spread over the same zones, so a hop crosses a zone boundary
 * with probability (zones - 1) / zones (two thirds over three zones), and a crossing GB is billed twice: out of one
 * zone and into the other.
 * - API reads: every byte the API serves (the tier's `albProcessedGb`) comes from OpenSearch for the share of
 *   requests that search (where the stack declares a domain), else from Redis when the cache answers, or through
 *   PgBouncer from PostgreSQL when it does not (seed 000 §2: cache layers in front of the database; seed 002: cache
 *   hit rate > 80 %). A miss makes two hops (pod → PgBouncer → RDS).
 * - Worker jobs: the edge's requests (`cdnRequestsMillions`) that reach the origin and enqueue a job (the load
 *   profile, ../load.ts) each move a job's bytes: the payload and status writes to Redis, the segment statement
 *   and scene read through PgBouncer to RDS (two hops), one document indexed into OpenSearch (seed 000 §6).
 * Not modelled: Multi-AZ, cache and OpenSearch replication and RDS replica streaming (AWS does not bill them), S3
 * (through the gateway endpoint, free).
 */
import type { UsageAssumptions } from "../../../../stacks/tiers";
import type { CostResource } from "../types";
import { type Draft, type PricingContext, arr } from "./common";

/** Share of API reads the cache answers: seed 002's target hit rate (> 80 %). */
export const CACHE_HIT_RATIO = 0.8;
/**
 * Share of origin requests that search (GET /search): an assumption, as no seed gives the mix; the load-test plan
 * (tools/loadtest/profiles.ts) runs search as a phase of its own.
 */
export const SEARCH_SHARE = 0.1;
/**
 * Bytes one job moves per data service, assumed from what the worker does per job (docs/benchmarks.md, "the
 * worker"): Redis, the BullMQ job hash read (~1 KB), its state moves and the scene's cache refresh and publish
 * (~4 KB); PostgreSQL, the segment + counters + job statement and the scene + playlist read (~3 KB); OpenSearch,
 * one segment document (~1 KB).
 */
export const JOB_BYTES = { redis: 5_000, database: 3_000, search: 1_000 } as const;
const NODE_GROUP = "aws:eks/nodeGroup:NodeGroup";
export const REPLICATION_GROUP = "aws:elasticache/replicationGroup:ReplicationGroup";
const RDS_INSTANCE = "aws:rds/instance:Instance";
export const SEARCH_DOMAIN = "aws:opensearch/domain:Domain";
/** Zones assumed when no node group names its subnets. */
const DEFAULT_ZONES = 3;
const GB = 1e9;

export interface InterAzTraffic {
  zones: number;
  /** GB a month that cross a zone boundary on the way between API pods and Redis. */
  redisCrossingGb: number;
  /** ... between API pods, PgBouncer and RDS (both hops). */
  databaseCrossingGb: number;
  /** ... between API pods and OpenSearch (search responses). */
  searchCrossingGb: number;
  /** Jobs a month the workers run (0 without a load profile). */
  jobs: number;
  /** ... between workers and Redis, PgBouncer + RDS, OpenSearch. */
  workerRedisCrossingGb: number;
  workerDatabaseCrossingGb: number;
  workerSearchCrossingGb: number;
}

/** Zones the pods spread over: the most subnets any node group is placed in. */
export function podZones(resources: readonly CostResource[]): number {
  const counts = resources.filter((r) => r.type === NODE_GROUP).map((g) => arr(g.inputs.subnetIds).length);
  const most = Math.max(0, ...counts);
  return most > 0 ? most : DEFAULT_ZONES;
}

export function interAzTraffic(
  resources: readonly CostResource[],
  usage: UsageAssumptions,
  jobsPerEdgeRequest = 0,
): InterAzTraffic {
  const zones = podZones(resources);
  const crossing = (zones - 1) / zones;
  const hasSearch = resources.some((r) => r.type === SEARCH_DOMAIN);
  const served = usage.albProcessedGb;
  const searched = hasSearch ? served * SEARCH_SHARE : 0;
  const rest = served - searched;
  const jobs = Math.round(usage.cdnRequestsMillions * 1e6 * jobsPerEdgeRequest);
  const jobGb = (bytes: number) => (jobs * bytes) / GB;
  return {
    zones,
    redisCrossingGb: Math.round(rest * CACHE_HIT_RATIO * crossing),
    databaseCrossingGb: Math.round(rest * (1 - CACHE_HIT_RATIO) * 2 * crossing),
    searchCrossingGb: Math.round(searched * crossing),
    jobs,
    workerRedisCrossingGb: Math.round(jobGb(JOB_BYTES.redis) * crossing),
    workerDatabaseCrossingGb: Math.round(jobGb(JOB_BYTES.database) * 2 * crossing),
    workerSearchCrossingGb: hasSearch ? Math.round(jobGb(JOB_BYTES.search) * crossing) : 0,
  };
}

/** Jobs per edge request, from the load profile's worker entry (0 without one: worker traffic not priced). */
export function jobsPerEdgeRequest(ctx: Pick<PricingContext, "load">): number {
  return ctx.load?.worker?.perEdgeRequest ?? 0;
}

const isPrimary = (r: CostResource) => r.type === RDS_INSTANCE && r.inputs.replicateSourceDb === undefined;
const isCache = (r: CostResource) => r.type === REPLICATION_GROUP;
const isSearch = (r: CostResource) => r.type === SEARCH_DOMAIN;

function line(what: string, crossingGb: number, t: InterAzTraffic, assumed: string, worker: boolean): Draft {
  return {
    sku: "transfer/inter-az",
    item: worker ? "inter-az-transfer/workers" : "inter-az-transfer",
    usage: worker ? ["cdnRequestsMillions"] : ["albProcessedGb"],
    // crossingGb follows the usage (a usage change); only the zones belong to the resources.
    attributes: { zones: t.zones },
    description: `Inter-AZ transfer, ${what} (${crossingGb.toLocaleString("en-US")} GB crossing zones, billed out and in; ${assumed})`,
    quantity: crossingGb * 2,
  };
}

function workerAssumed(t: InterAzTraffic, bytes: number): string {
  return `${t.jobs.toLocaleString("en-US")} jobs a month × ${bytes / 1000} KB assumed per job`;
}

function drafts(ctx: PricingContext, t: InterAzTraffic, api: Draft | undefined, worker: Draft | undefined): Draft[] {
  noteModel(ctx, t);
  return [api, worker].filter((d): d is Draft => d !== undefined && (d as { quantity: number }).quantity > 0);
}

/** The Redis share, priced on the first replication group (where the bytes come from). */
export function cacheTransferDrafts(resource: CostResource, ctx: PricingContext): Draft[] {
  if (!ctx.carriesPool(resource, isCache)) return [];
  const t = interAzTraffic(ctx.resources, ctx.usage, jobsPerEdgeRequest(ctx));
  return drafts(
    ctx,
    t,
    line("API pods ↔ Redis", t.redisCrossingGb, t, `${CACHE_HIT_RATIO * 100}% of served reads from the cache`, false),
    line("workers ↔ Redis", t.workerRedisCrossingGb, t, workerAssumed(t, JOB_BYTES.redis), true),
  );
}

/** The PgBouncer and PostgreSQL share, priced on the first RDS primary. */
export function databaseTransferDrafts(resource: CostResource, ctx: PricingContext): Draft[] {
  if (!ctx.carriesPool(resource, isPrimary)) return [];
  const t = interAzTraffic(ctx.resources, ctx.usage, jobsPerEdgeRequest(ctx));
  return drafts(
    ctx,
    t,
    line(
      "API pods ↔ PgBouncer ↔ RDS",
      t.databaseCrossingGb,
      t,
      `${Math.round((1 - CACHE_HIT_RATIO) * 100)}% of served reads miss the cache, two hops`,
      false,
    ),
    line(
      "workers ↔ PgBouncer ↔ RDS",
      t.workerDatabaseCrossingGb,
      t,
      `${workerAssumed(t, JOB_BYTES.database)}, two hops`,
      true,
    ),
  );
}

/** The OpenSearch share (search responses, indexing), priced on the first domain. */
export function searchTransferDrafts(resource: CostResource, ctx: PricingContext): Draft[] {
  if (!ctx.carriesPool(resource, isSearch)) return [];
  const t = interAzTraffic(ctx.resources, ctx.usage, jobsPerEdgeRequest(ctx));
  return drafts(
    ctx,
    t,
    line(
      "API pods ↔ OpenSearch",
      t.searchCrossingGb,
      t,
      `${SEARCH_SHARE * 100}% of served bytes are search responses`,
      false,
    ),
    line("workers → OpenSearch (indexing)", t.workerSearchCrossingGb, t, workerAssumed(t, JOB_BYTES.search), true),
  );
}

function noteModel(ctx: PricingContext, t: InterAzTraffic): void {
  ctx.note(
    `inter-AZ transfer derived from albProcessedGb (${SEARCH_SHARE * 100}% search responses where a search domain is declared, then ${CACHE_HIT_RATIO * 100}% from Redis, the rest via PgBouncer from RDS, two hops) and from the jobs cdnRequestsMillions brings (${t.jobs.toLocaleString("en-US")} a month, bytes per job assumed in rules/transfer.ts), ${t.zones - 1}/${t.zones} of hops crossing zones over ${t.zones} zones`,
  );
}

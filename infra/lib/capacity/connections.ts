/**
 * Connection budgets: PgBouncer's settings (seed 000 §3.4), the pools each app process opens, and RDS PostgreSQL's
 * default max_connections per class.
 */
import type { TierSpec } from "../../../stacks/tiers";
import { rdsMemoryGiB } from "../../../stacks/instances";

/** PgBouncer settings of seed 000 §3.4, the single source for pgbouncer.ini and the connection budget. */
export const PGBOUNCER_SETTINGS = {
  pool_mode: "transaction",
  max_client_conn: 1000,
  default_pool_size: 20,
  min_pool_size: 5,
  reserve_pool_size: 5,
  server_connect_timeout: 5,
  server_idle_timeout: 600,
  server_lifetime: 3600,
  client_idle_timeout: 300,
  log_connections: 0,
  log_disconnections: 0,
  log_pooler_errors: 1,
  stats_period: 60,
} as const;

/** Every app process opens two pg pools (primary `storyforge` and replica `storyforge_replica`, core/db.ts). */
export const POOLS_PER_PROCESS = 2;

/**
 * Share of the class memory RDS reports as `DBInstanceClassMemory` (the rest is the OS and RDS's agents).
 * Assumed 90 %: the raw formula on 16 GiB gives 1,802, published defaults for 16 GiB classes are ~1,600-1,700.
 */
export const RDS_MEMORY_SHARE = 0.9;
/** Connections kept free on every RDS instance for migrations, admins, monitoring and replication. */
export const RDS_CONNECTION_RESERVE = 10;

/** RDS PostgreSQL default `max_connections`: LEAST(DBInstanceClassMemory / 9531392, 5000). */
export function rdsMaxConnections(instanceClass: string): number {
  const gib = rdsMemoryGiB(instanceClass);
  return Math.min(Math.floor((gib * 1024 ** 3 * RDS_MEMORY_SHARE) / 9531392), 5000);
}

/** The connections one worker pod opens per pool: one per concurrent job (WORKER_CONCURRENCY = DATABASE_POOL_MAX). */
export function workerPoolSize(tier: TierSpec): number {
  return tier.workloads.worker.concurrency;
}

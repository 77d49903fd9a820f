import { Pool, type PoolClient, type QueryResultRow } from "pg";
import type { Logger } from "./logger";
import type { Metrics } from "./metrics";

/**
 * PostgreSQL through PgBouncer in transaction mode: writes on the primary
 * pool, reads on the replica pool. Queries never carry a `name` (no named
 * prepared statements), nothing sets session state, and the 5 s timeout of
 * seed 001 is enforced client-side (`query_timeout`) plus `SET LOCAL
 * statement_timeout` inside transactions, so PgBouncer never sees a startup
 * parameter it would reject.
 */
export interface DbOptions {
  primaryUrl: string;
  replicaUrl: string;
  poolMax: number;
  queryTimeoutMs: number;
  logger: Logger;
  metrics?: Metrics;
}

export type Target = "primary" | "replica";

export class Db {
  readonly primary: Pool;
  readonly replica: Pool;
  private readonly opts: DbOptions;
  /** Whether the last replica read failed on its connection (state-change logging). */
  private replicaFailing = false;

  constructor(opts: DbOptions) {
    this.opts = opts;
    const common = {
      max: opts.poolMax,
      query_timeout: opts.queryTimeoutMs,
      connectionTimeoutMillis: Math.min(opts.queryTimeoutMs, 5_000),
      idleTimeoutMillis: 30_000,
      application_name: "storyforge",
    };
    this.primary = new Pool({ ...common, connectionString: opts.primaryUrl });
    this.replica =
      opts.replicaUrl === opts.primaryUrl ? this.primary : new Pool({ ...common, connectionString: opts.replicaUrl });
    // a pool emits 'error' for idle clients whose server went away; without a listener it would crash the process
    this.primary.on("error", (err) => opts.logger.warn("idle primary connection failed", { err }));
    if (this.replica !== this.primary)
      this.replica.on("error", (err) => opts.logger.warn("idle replica connection failed", { err }));
  }

  /** A read: the replica unless `target` says primary; falls back to the primary if the replica pool fails. */
  async read<R extends QueryResultRow>(sql: string, params: unknown[], target: Target = "replica"): Promise<R[]> {
    if (target === "primary" || this.replica === this.primary) return (await this.primary.query<R>(sql, params)).rows;
    let rows: R[];
    try {
      rows = (await this.replica.query<R>(sql, params)).rows;
    } catch (err) {
      if (!isConnectionError(err)) throw err;
      this.opts.metrics?.dbFallbacks.inc();
      // one warning when the replica starts failing, one line when it answers again: not one per request
      if (!this.replicaFailing) this.opts.logger.warn("replica reads failing; reading from the primary", { err });
      this.replicaFailing = true;
      return (await this.primary.query<R>(sql, params)).rows;
    }
    if (this.replicaFailing) {
      this.replicaFailing = false;
      this.opts.logger.info("replica reads restored");
    }
    return rows;
  }

  /** One statement on the primary (its own implicit transaction). */
  async write<R extends QueryResultRow>(sql: string, params: unknown[]): Promise<R[]> {
    return (await this.primary.query<R>(sql, params)).rows;
  }

  /** A transaction on the primary; statement_timeout is transaction-local so PgBouncer's next client never inherits it. */
  async tx<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.primary.connect();
    let broken = false;
    try {
      // one round trip: a parameterless simple query may carry both statements
      await client.query(`BEGIN; SET LOCAL statement_timeout = ${Math.floor(this.opts.queryTimeoutMs)}`);
      const result = await fn(client);
      await client.query("COMMIT");
      return result;
    } catch (err) {
      try {
        await client.query("ROLLBACK");
      } catch {
        broken = true;
      }
      throw err;
    } finally {
      client.release(broken);
    }
  }

  /** Pool usage for the metrics endpoint. */
  sampleMetrics(metrics: Metrics): void {
    const pools: Array<[string, Pool]> = [["primary", this.primary]];
    if (this.replica !== this.primary) pools.push(["replica", this.replica]);
    for (const [name, pool] of pools) {
      metrics.poolConnections.set({ pool: name, state: "total" }, pool.totalCount);
      metrics.poolConnections.set({ pool: name, state: "idle" }, pool.idleCount);
      metrics.poolConnections.set({ pool: name, state: "waiting" }, pool.waitingCount);
    }
  }

  async close(): Promise<void> {
    await this.primary.end();
    if (this.replica !== this.primary) await this.replica.end();
  }
}

/**
 * Whether an error means "this pool cannot serve" (worth retrying on the
 * primary) rather than "this query is wrong" (which would fail there too).
 */
export function isConnectionError(err: unknown): boolean {
  // not `instanceof Error`: errors made in another realm (Node's internals seen from a vm context) fail it
  if (typeof err !== "object" || err === null) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === "string") {
    // node socket errors, PG class 08 (connection), 57P0x (shutdown), 53300 (too many connections), pgbouncer's 08P01
    if (/^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EHOSTUNREACH)$/.test(code)) return true;
    if (/^08|^57P0|^53300$/.test(code)) return true;
  }
  const message = (err as { message?: unknown }).message;
  return (
    typeof message === "string" &&
    /timeout|terminat|Connection ended|connection is closed|server closed|no more connections|server conn crashed|pgbouncer cannot connect/i.test(
      message,
    )
  );
}

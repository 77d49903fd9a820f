import { ConnectionClosedError, createRedisBackend, type BackendFactory, type RedisQueueBackend } from "bullmq";

/** The part of an ioredis client (or Cluster) the watch reads. */
interface ClientLike {
  status: string;
}

/**
 * What BullMQ's Redis backend does for a worker's blocking fetch, as the watch wraps it. `reconnectBlocking` is
 * on BullMQ's IQueueBackend; `blockingClient` on its Redis backend.
 */
export interface BlockingBackend {
  waitForJob(blockTimeout: number): Promise<unknown>;
  reconnectBlocking(): Promise<void>;
  readonly blockingClient: Promise<ClientLike> | undefined;
  /** The worker's other connection (moving jobs to active, completing them). */
  readonly client: Promise<ClientLike>;
}

/** Why the worker cannot take jobs now, or undefined when it can. */
export type FetchProblem =
  "fetch loop stalled" | "blocking connection not ready" | "queue connection not ready" | undefined;

/**
 * Watches a BullMQ worker's blocking fetch loop (the lesson: a blocking connection can die silently).
 *
 * What was seen: with one master frozen (SIGSTOP: sockets open, no answers) BullMQ's own watchdog abandons the
 * blocking BZPOPMIN after its timeout + 1 s and reconnects the blocking Cluster. That reconnect awaits ioredis'
 * `Cluster.connect()`, whose promise never settles when the cluster's ready check fails (cluster_state:fail while
 * a master is away): the refresh listener drops the close listener, the failed check reconnects on its own, and
 * nobody resolves or rejects the first promise. The fetch loop then waits forever while the client itself comes
 * back `ready`; jobs wait, readiness said 200, and `close()` waited on the loop until the forced exit.
 *
 * So: the blocking reconnect is bounded (BullMQ catches the rejection and its loop retries with a fresh
 * BZPOPMIN on the client ioredis has meanwhile reconnected), and every fetch is timed against the most it may
 * take, so readiness can say when the loop is stuck.
 */
export class FetchWatch {
  /** Fetches (BZPOPMIN waits) in flight, with the time each may take at most. */
  private readonly fetches = new Map<number, { since: number; boundMs: number }>();
  private nextId = 0;
  private blocking: ClientLike | undefined;
  private main: ClientLike | undefined;
  /** Blocking reconnects that hit the bound (the wedge above, recovered from). */
  reconnectTimeouts = 0;

  constructor(
    /** Longest a reconnect of the blocking connection may take before the loop moves on. */
    readonly reconnectTimeoutMs = 5_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** A BullMQ backend factory: the default Redis backend, with its blocking fetch watched and bounded. */
  factory(): BackendFactory<RedisQueueBackend> {
    return (name, opts, options) => {
      const backend = createRedisBackend(name, opts, options);
      if (options?.withBlockingConnection === true) this.watch(backend);
      return backend;
    };
  }

  /** Wraps the backend's blocking fetch and reconnect in place (what the factory does to a worker's backend). */
  watch(backend: BlockingBackend): void {
    void backend.blockingClient?.then(
      (c) => (this.blocking = c),
      () => undefined,
    );
    void backend.client.then(
      (c) => (this.main = c),
      () => undefined,
    );
    const waitForJob = backend.waitForJob.bind(backend);
    const reconnectBlocking = backend.reconnectBlocking.bind(backend);
    backend.waitForJob = async (blockTimeout: number) => {
      const id = this.nextId++;
      // BullMQ abandons the command after blockTimeout + 1 s, then may reconnect twice (resetBlockedConnection)
      this.fetches.set(id, {
        since: this.now(),
        boundMs: blockTimeout * 1000 + 1_000 + 2 * this.reconnectTimeoutMs + 2_000,
      });
      try {
        return await waitForJob(blockTimeout);
      } finally {
        this.fetches.delete(id);
      }
    };
    backend.reconnectBlocking = () => {
      let timer: NodeJS.Timeout | undefined;
      return Promise.race([
        reconnectBlocking(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            this.reconnectTimeouts++;
            // a connection error to BullMQ: its loop retries quietly instead of emitting it
            reject(new ConnectionClosedError(`blocking reconnect took over ${this.reconnectTimeoutMs} ms`));
          }, this.reconnectTimeoutMs);
        }),
      ]).finally(() => clearTimeout(timer));
    };
  }

  /** Why the worker cannot take jobs now (undefined: it can, or it is busy with jobs, which is fine). */
  problem(): FetchProblem {
    if (this.stalledForMs() > 0) return "fetch loop stalled";
    if (this.blocking !== undefined && this.blocking.status !== "ready") return "blocking connection not ready";
    if (this.main !== undefined && this.main.status !== "ready") return "queue connection not ready";
    return undefined;
  }

  /** How long the oldest fetch has outlived its bound (0: none has). Redis being down does not count: each
   * fetch then fails or times out within its bound; only a wedge does. */
  stalledForMs(): number {
    const now = this.now();
    let worst = 0;
    for (const f of this.fetches.values()) worst = Math.max(worst, now - f.since - f.boundMs);
    return worst;
  }
}

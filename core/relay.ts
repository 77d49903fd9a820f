import type { Queue } from "bullmq";
import type { Logger } from "./logger";
import type { Metrics } from "./metrics";
import { generationJobId, jobDataOf, type GenerationJobData } from "./queue";
import { withTimeout } from "./timeout";

/** What the relay needs of a committed jobs row. */
export interface RelayedRow {
  id: string;
  scene_id: string;
  sequence: number;
  user_id: string;
  prompt: string;
  retries: number;
  created_at: Date;
}

export interface QueueRelayOptions {
  /** Jobs per `addBulk`. @default 500 */
  maxBatch?: number;
  /** Longest one `addBulk` may take before its jobs are left to the requeue pass. @default 3000 */
  timeoutMs?: number;
  /** Jobs held while Redis is slow; beyond it new ones are left to the requeue pass. @default 20000 */
  maxPending?: number;
}

/**
 * Hands committed jobs to BullMQ off the request path (issue 15, "Throughput"). The jobs row is the outbox: the
 * API answers 202 once it is committed, and worker/requeue.ts adds back every unfinished row BullMQ does not
 * hold. So the add is delivery, not acceptance, and needs no request to wait for it. The relay queues rows and
 * sends them as one `addBulk` (one round trip and one MULTI for the lot) while the previous one is in flight,
 * so the batch grows with the load as group commit does. Deduplication is BullMQ's, by the deterministic job id.
 * A lost batch (Redis down, a timeout, a crash of this process with rows still queued here) costs latency, not
 * jobs: the requeue pass delivers those rows after JOB_REQUEUE_AFTER_MS.
 */
export class QueueRelay {
  private pending: Array<{ row: RelayedRow; sent: () => void }> = [];
  private inflight: Promise<void> | undefined;
  private closed = false;
  private readonly maxBatch: number;
  private readonly timeoutMs: number;
  private readonly maxPending: number;

  constructor(
    private readonly queue: Queue<GenerationJobData>,
    private readonly logger: Logger,
    private readonly metrics: Metrics,
    opts: QueueRelayOptions = {},
  ) {
    this.maxBatch = opts.maxBatch ?? 500;
    this.timeoutMs = opts.timeoutMs ?? 3_000;
    this.maxPending = opts.maxPending ?? 20_000;
  }

  /**
   * Queues a committed row for BullMQ and returns at once. The promise (which never rejects) settles once the
   * row's batch was sent or given up on; the API does not wait for it, a caller that reads BullMQ next may.
   */
  push(row: RelayedRow): Promise<void> {
    if (this.closed || this.pending.length >= this.maxPending) {
      this.logger.warn("job not relayed to BullMQ now; the requeue pass will add it", { jobId: row.id });
      return Promise.resolve();
    }
    const sent = new Promise<void>((resolve) => this.pending.push({ row, sent: resolve }));
    // the rows pushed in this tick go out together; while a batch is in flight, the next one gathers
    this.inflight ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.pump());
    return sent;
  }

  /** Rows waiting to be sent (the bench and tests read it). */
  get backlog(): number {
    return this.pending.length;
  }

  /** Sends everything queued (at shutdown, before the queue closes); later pushes are left to the requeue pass. */
  async drain(): Promise<void> {
    this.closed = true;
    while (this.inflight !== undefined) await this.inflight;
  }

  private async pump(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, this.maxBatch);
      let outcome = "sent";
      try {
        await withTimeout(
          this.queue.addBulk(
            batch.map(({ row }) => ({
              name: "generate",
              data: jobDataOf(row),
              opts: { jobId: generationJobId(row.scene_id, row.sequence, row.retries) },
            })),
          ),
          this.timeoutMs,
          "enqueue",
        );
      } catch (err) {
        outcome = "failed";
        this.logger.warn("BullMQ add failed; the accepted jobs will be requeued from PostgreSQL", {
          err,
          jobs: batch.length,
          first: batch[0].row.id,
        });
      }
      this.metrics.relayBatch.observe({ outcome }, batch.length);
      for (const b of batch) b.sent();
    }
    this.inflight = undefined;
  }
}

import { UnrecoverableError, Worker, WaitingError, type Job } from "bullmq";
import { backoffDelay } from "../core/backoff";
import type { Context } from "../core/context";
import { ensurePartitions } from "../core/partitions";
import { GENERATION_QUEUE, type GenerationJobData } from "../core/queue";
import { createRedis, closeRedis } from "../core/redis";
import type { Generator } from "./generator";
import { JobTimeoutError, publicMessage } from "./errors";
import { recordFailure, runGeneration, type GenerationResult } from "./generation";
import { groupOf } from "./commit";
import { requeueLost } from "./requeue";
import { FetchWatch } from "./watch";

export { JobTimeoutError };

export interface GenerationWorker {
  worker: Worker<GenerationJobData, GenerationResult>;
  /** Runs partition maintenance once now (also runs on start and every MAINTENANCE_INTERVAL_MS). */
  maintain(): Promise<string[]>;
  /** Why it cannot take jobs now ("stopping", "fetch loop stalled"...), undefined when it can (readiness). */
  cannotTakeJobs(): string | undefined;
  /** How long its job fetch has been stuck past every bound (liveness: a restart cures it), 0 if not. */
  stalledForMs(): number;
  /**
   * Finishes active jobs; those still running after `graceMs` are returned to the wait list. Bounded: with
   * Redis unreachable it gives up after the grace (plus a second) and drops its connections; a job it could not
   * hand back is retried by another worker once its lock lapses.
   */
  close(graceMs: number): Promise<void>;
}

/**
 * The BullMQ worker for generation jobs: `{storyforge}`-prefixed (one cluster
 * slot), a blocking connection that never gives up a command
 * (maxRetriesPerRequest null), seed 001's retry policy, a per-job timeout.
 */
export function createGenerationWorker(
  ctx: Context,
  generator: Generator,
  opts: { autorun?: boolean } = {},
): GenerationWorker {
  const cfg = ctx.config;
  const connection = createRedis({
    urls: cfg.redisUrls,
    cluster: cfg.redisCluster,
    name: "storyforge-worker",
    maxRetriesPerRequest: null,
    offlineQueue: true,
  });
  connection.on("error", () => {});
  let shuttingDown = false;

  const processor = async (
    job: Job<GenerationJobData, GenerationResult>,
    token?: string,
    signal?: AbortSignal,
  ): Promise<GenerationResult> => {
    const started = process.hrtime.bigint();
    const observe = (outcome: string) =>
      ctx.metrics.jobDuration.observe(
        { queue: GENERATION_QUEUE, outcome },
        Number(process.hrtime.bigint() - started) / 1e9,
      );
    // issue 14 item 8: the timeout ends the attempt itself (runGeneration stops awaiting the generator when the
    // signal fires), not only the generator's AbortSignal, so a generator that ignores it cannot hold the job
    const timeout = AbortSignal.timeout(cfg.jobTimeoutMs);
    const combined = signal === undefined ? timeout : AbortSignal.any([signal, timeout]);
    try {
      const result = await runGeneration(ctx, generator, job.data, combined);
      observe("completed");
      return result;
    } catch (err) {
      if (shuttingDown && signal?.aborted === true) {
        observe("handed back");
        // hand the job back rather than failing an attempt that never got to finish
        await job.moveToWait(token);
        throw new WaitingError();
      }
      observe("failed");
      if (timeout.aborted) throw new JobTimeoutError(`generation timed out after ${cfg.jobTimeoutMs} ms`);
      throw err;
    }
  };

  const watch = new FetchWatch();
  const worker = new Worker<GenerationJobData, GenerationResult>(
    GENERATION_QUEUE,
    processor,
    {
      connection,
      prefix: cfg.queuePrefix,
      concurrency: cfg.workerConcurrency,
      autorun: opts.autorun ?? true,
      lockDuration: cfg.jobLockMs,
      stalledInterval: cfg.jobLockMs,
      maxStalledCount: 2,
      // seed 001: exponential backoff with jitter, 30 s to 10 min (jobs are added with backoff type "jitter")
      settings: {
        backoffStrategy: (attemptsMade: number) =>
          backoffDelay(attemptsMade, { minMs: cfg.backoffMinMs, maxMs: cfg.backoffMaxMs }),
      },
    },
    watch.factory(),
  );
  worker.on("error", (err) => ctx.logger.warn("worker connection error", { err }));
  worker.on("completed", (job, result) => {
    ctx.metrics.jobsProcessed.inc({ queue: GENERATION_QUEUE });
    ctx.logger.debug("job completed", {
      jobId: job.id,
      sceneId: job.data.sceneId,
      sequence: job.data.sequence,
      inserted: result.inserted,
    });
  });
  worker.on("failed", (job, err) => {
    if (job === undefined) return;
    const final = job.attemptsMade >= (job.opts.attempts ?? 1) || err instanceof UnrecoverableError;
    ctx.metrics.jobsFailed.inc({ queue: GENERATION_QUEUE, final: String(final) });
    // the full error goes to the log; GET /jobs/:id is public and shows only our own words (worker/errors.ts)
    ctx.logger.warn("job attempt failed", { jobId: job.id, attemptsMade: job.attemptsMade, final, err });
    void recordFailure(ctx, job.data, final, publicMessage(err)).catch((e: unknown) =>
      ctx.logger.warn("could not record a job failure", { err: e }),
    );
  });

  const maintain = async () => {
    const names = await ensurePartitions(ctx.db, new Date(), cfg.partitionMonthsAhead);
    ctx.logger.info("partitions ensured", { partitions: names.length });
    return names;
  };
  const runMaintenance = () =>
    void maintain().catch((err: unknown) =>
      ctx.logger.warn("partition maintenance failed; retrying next interval", { err }),
    );
  runMaintenance();
  const timer = setInterval(runMaintenance, cfg.maintenanceIntervalMs);
  timer.unref();

  // issue 14 item 2: accepted jobs BullMQ lost go back in (worker/requeue.ts); one pass at a time per process
  let requeueing: Promise<unknown> | undefined;
  const requeue = () => {
    if (requeueing !== undefined || shuttingDown) return;
    requeueing = requeueLost(ctx)
      .catch((err: unknown) => ctx.logger.warn("requeue pass failed; retrying next interval", { err }))
      .finally(() => (requeueing = undefined));
  };
  const requeueTimer = setInterval(requeue, cfg.jobRequeueIntervalMs);
  requeueTimer.unref();

  let closing: Promise<void> | undefined;
  return {
    worker,
    maintain,
    cannotTakeJobs() {
      if (shuttingDown) return "stopping";
      if (!worker.isRunning()) return "not running";
      return watch.problem();
    },
    stalledForMs: () => watch.stalledForMs(),
    close(graceMs: number) {
      closing ??= (async () => {
        shuttingDown = true;
        clearInterval(timer);
        clearInterval(requeueTimer);
        const cancel = setTimeout(() => worker.cancelAllJobs("shutdown"), Math.max(0, graceMs));
        let giveUp: NodeJS.Timeout | undefined;
        try {
          // close() waits on Redis (handing jobs back, QUIT); with Redis gone it would wait for ever
          const gaveUp = await Promise.race([
            worker.close().then(() => false),
            new Promise<boolean>((r) => (giveUp = setTimeout(() => r(true), Math.max(0, graceMs) + 1_000))),
          ]);
          if (gaveUp) {
            ctx.logger.warn(
              "the worker could not close cleanly in time (Redis unreachable?); dropping its connections",
            );
            // not awaited: a Cluster that is reconnecting never emits the "end" a disconnect would wait for
            void worker.disconnect().catch(() => undefined);
          }
        } finally {
          clearTimeout(cancel);
          clearTimeout(giveUp);
          await closeRedis(connection);
          const { starts, writes } = groupOf(ctx).sizes;
          const mean = (xs: number[]) =>
            xs.length === 0 ? 0 : Math.round((10 * xs.reduce((a, b) => a + b, 0)) / xs.length) / 10;
          ctx.logger.info("group commit batches", {
            starts: starts.length,
            meanStart: mean(starts),
            writes: writes.length,
            meanWrite: mean(writes),
          });
        }
      })();
      return closing;
    },
  };
}

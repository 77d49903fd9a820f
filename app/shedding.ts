import type { ApiContext } from "./http";

export interface ShedSignals {
  /** Jobs no worker has taken yet: waiting + delayed + prioritized (the KEDA input). */
  queueDepth: number;
  /** Jobs waiting for a retry after a failed attempt: BullMQ's delayed set (enqueue never delays a job). */
  retryingJobs: number;
}

/**
 * Adaptive load shedding (seed 001: "if queue_depth or job_retries spikes, tighten anonymous write limits
 * first; preserve auth-critical and read-only paths as long as possible"). Every SHED_CHECK_INTERVAL_MS each
 * API instance samples the queue and sets a level:
 * - 0: nothing shed;
 * - 1 (SHED_QUEUE_DEPTH or SHED_RETRYING_JOBS reached): the per-IP write limit of requests WITHOUT a valid
 *   token drops to SHED_ANONYMOUS_WRITE_PERCENT of RATE_LIMIT_WRITE_PER_MIN;
 * - 2 (the _CRITICAL thresholds reached): authenticated writes' limits (per IP and per user) drop to
 *   SHED_AUTHENTICATED_WRITE_PERCENT as well.
 * Reads are never shed. A level is released only once every signal is below SHED_RELEASE_PERCENT of the
 * thresholds that engaged it (hysteresis, so the level does not flap at the edge). While the queue cannot be
 * sampled the level stays where it was.
 */
export class LoadShedder {
  level: 0 | 1 | 2 = 0;
  private timer: NodeJS.Timeout | undefined;
  private sampleFailing = false;

  constructor(
    private readonly ctx: ApiContext,
    private readonly sample: () => Promise<ShedSignals> = async () => {
      const c = await ctx.queue.getJobCounts("waiting", "delayed", "prioritized");
      return { queueDepth: (c.waiting ?? 0) + (c.delayed ?? 0) + (c.prioritized ?? 0), retryingJobs: c.delayed ?? 0 };
    },
  ) {
    const t = ctx.config.shedding;
    const m = ctx.metrics.loadShedThreshold;
    m.set({ signal: "queue_depth", level: "1" }, t.queueDepth);
    m.set({ signal: "queue_depth", level: "2" }, t.queueDepthCritical);
    m.set({ signal: "retrying_jobs", level: "1" }, t.retryingJobs);
    m.set({ signal: "retrying_jobs", level: "2" }, t.retryingJobsCritical);
    ctx.metrics.loadShedLevel.set(0);
  }

  start(): void {
    this.timer ??= setInterval(() => void this.check(), this.ctx.config.shedding.checkIntervalMs);
    this.timer.unref();
    void this.check();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Samples the signals once and moves the level; returns it. */
  async check(): Promise<0 | 1 | 2> {
    let s: ShedSignals;
    try {
      s = await this.sample();
      if (this.sampleFailing) this.ctx.logger.info("load shedding can sample the queue again");
      this.sampleFailing = false;
    } catch (err) {
      if (!this.sampleFailing) this.ctx.logger.warn("load shedding cannot sample the queue; level kept", { err });
      this.sampleFailing = true;
      return this.level;
    }
    this.ctx.metrics.loadShedSignal.set({ signal: "queue_depth" }, s.queueDepth);
    this.ctx.metrics.loadShedSignal.set({ signal: "retrying_jobs" }, s.retryingJobs);
    const next = this.levelFor(s);
    if (next !== this.level) {
      this.ctx.logger.warn(next > this.level ? "load shedding engaged" : "load shedding released", {
        from: this.level,
        to: next,
        ...s,
      });
      this.level = next;
      this.ctx.metrics.loadShedLevel.set(next);
    }
    return next;
  }

  levelFor(s: ShedSignals): 0 | 1 | 2 {
    const t = this.ctx.config.shedding;
    const reached = (f: number) =>
      s.queueDepth >= t.queueDepthCritical * f || s.retryingJobs >= t.retryingJobsCritical * f
        ? 2
        : s.queueDepth >= t.queueDepth * f || s.retryingJobs >= t.retryingJobs * f
          ? 1
          : 0;
    const up = reached(1);
    const hold = reached(t.releasePercent / 100);
    return Math.max(up, Math.min(this.level, hold)) as 0 | 1 | 2;
  }

  /** The write limit per minute for a request, given its base limit and whether it carries a valid token. */
  writeLimit(base: number, authenticated: boolean): number {
    const t = this.ctx.config.shedding;
    if (!authenticated && this.level >= 1) return Math.floor((base * t.anonymousWritePercent) / 100);
    if (authenticated && this.level >= 2) return Math.floor((base * t.authenticatedWritePercent) / 100);
    return base;
  }
}

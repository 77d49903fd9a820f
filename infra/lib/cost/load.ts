/**
 * The traffic the autoscaled workloads serve, and what one pod serves of it: where the estimate's `expected` node
 * counts come from (rules/scaling.ts). Demand comes from the tier's load profile (seed 000 §1, seed 002's cache
 * hit rate); per-pod rates come from a recorded `npm run bench` run, not re-measured here, so the estimate does not
 * move when someone re-runs the bench on a busy machine.
 */
import type { TierSpec } from "../../../stacks/tiers";

/**
 * The bench run the per-pod rates come from, recorded in docs/benchmarks.md ("The figures the cost estimate uses":
 * the results block there is rewritten by every run). One Node process on at most one of 2 shared cores, which it
 * shares with the load generator, PostgreSQL, PgBouncer and Redis, so a lower bound of what a dedicated core does.
 */
export const BENCH_RUN = {
  date: "2026-12-01T22:57:10.127Z",
  source: "docs/benchmarks.md, The figures the cost estimate uses (npm run bench, run at 2026-12-01T22:57:10.127Z)",
  /** Requests per second of one API process at saturation. */
  api: { cachedRead: 6330, uncachedRead: 1003, enqueue: 1061 },
  /** The generation worker (local generator, concurrency 8): jobs drained and the CPU seconds the process used. */
  worker: { jobs: 10643, cpuSeconds: 13.4 },
} as const;

/** Share of API reads the caches answer: seed 002's target hit rate (> 80 %). */
export const READ_HIT_RATIO = 0.8;
/**
 * Share of origin requests that enqueue a segment job (POST /scenes/:id/segments). An assumption: no seed gives a
 * write rate; reads dominate a story-viewing product (seed 000 §2 caches them at three layers), one in twenty is
 * taken as a request for generation.
 */
export const ENQUEUE_SHARE = 0.05;

/** One autoscaled workload's load: what arrives per second, and what one pod's core serves per second of CPU. */
export interface WorkloadLoad {
  /** Arrivals per second at the tier's peak (requests or jobs). */
  demandPerSecond: number;
  /** Arrivals one fully used core serves per second (the bench's per-process rate per CPU second). */
  perCoreRate: number;
  /** "req/s" or "jobs/s", for the line's usage. */
  unit: string;
  /** How demand and rate were derived, one phrase (printed with the estimate). */
  derivation: string;
  /** Arrivals per request at the edge (a month's volume follows from `cdnRequestsMillions`). */
  perEdgeRequest?: number;
}

/** Load of each autoscaled role, keyed by the node role label (`storyforge.io/role`) its pods schedule on. */
export type LoadProfile = Readonly<Record<string, WorkloadLoad>>;

/** Requests one API core serves per second over the tier's mix: the harmonic blend of the bench's routes. */
export function apiPerCoreRate(bench: typeof BENCH_RUN.api = BENCH_RUN.api): number {
  const reads = 1 - ENQUEUE_SHARE;
  const secondsPerRequest =
    (reads * READ_HIT_RATIO) / bench.cachedRead +
    (reads * (1 - READ_HIT_RATIO)) / bench.uncachedRead +
    ENQUEUE_SHARE / bench.enqueue;
  return 1 / secondsPerRequest;
}

/** Jobs one worker core serves per second: jobs drained over the CPU seconds the worker process used. */
export function workerPerCoreRate(bench: typeof BENCH_RUN.worker = BENCH_RUN.worker): number {
  return bench.jobs / bench.cpuSeconds;
}

/**
 * The tier's load profile: API requests reaching the origin at peak (the edge's `targetRps` less what CloudFront
 * answers, `cdnHitRatio`), and the jobs those requests enqueue.
 */
export function loadProfile(tier: Pick<TierSpec, "workloads">): LoadProfile {
  const w = tier.workloads;
  // Rounded to the request: 500 × (1 - 0.8) is 99.99999999999997 in floating point.
  const originRps = round3(w.targetRps * (1 - w.cdnHitRatio));
  const jobs = round3(originRps * ENQUEUE_SHARE);
  return {
    api: {
      demandPerSecond: originRps,
      perCoreRate: apiPerCoreRate(),
      unit: "req/s",
      derivation: `${w.targetRps} req/s at the edge × ${round3(1 - w.cdnHitRatio)} past CloudFront; ${Math.round(apiPerCoreRate())} req/s per core (bench ${BENCH_RUN.date.slice(0, 10)}: ${READ_HIT_RATIO * 100}% cached reads, the rest uncached, ${ENQUEUE_SHARE * 100}% enqueues)`,
    },
    worker: {
      demandPerSecond: jobs,
      perEdgeRequest: round3((1 - w.cdnHitRatio) * ENQUEUE_SHARE),
      perCoreRate: workerPerCoreRate(),
      unit: "jobs/s",
      derivation: `${ENQUEUE_SHARE * 100}% of ${originRps} origin req/s enqueue a job; ${Math.round(workerPerCoreRate())} jobs/s per core (bench ${BENCH_RUN.date.slice(0, 10)}, platform cost per job, generation time excluded)`,
    },
  };
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

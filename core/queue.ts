import { Queue, type ConnectionOptions } from "bullmq";

/**
 * BullMQ names. The `{storyforge}` hash tag makes every key of the queue
 * (`{storyforge}:generation:wait`, `...:delayed`, ...) hash to one cluster
 * slot, which BullMQ's multi-key Lua scripts require on Redis Cluster. Every
 * Queue, Worker and QueueEvents must use this prefix.
 */
export const QUEUE_PREFIX = "{storyforge}"; // the default of QUEUE_PREFIX
export const GENERATION_QUEUE = "generation";

/** What a generation job carries; deterministic, so any attempt can replay it. */
export interface GenerationJobData {
  /** jobs.id (what clients poll at GET /jobs/:id). */
  jobRowId: string;
  sceneId: string;
  sequence: number;
  userId: string;
  prompt: string;
  /** jobs.created_at, ISO: the partition of the job row and of the segment. */
  requestedAt: string;
}

/** What the job row says the BullMQ job carries (the API's add and the worker's requeue build it alike). */
export function jobDataOf(row: {
  id: string;
  scene_id: string;
  sequence: number;
  user_id: string;
  prompt: string;
  created_at: Date;
}): GenerationJobData {
  return {
    jobRowId: row.id,
    sceneId: row.scene_id,
    sequence: row.sequence,
    userId: row.user_id,
    prompt: row.prompt,
    requestedAt: row.created_at.toISOString(),
  };
}

/**
 * One BullMQ job id per (scene, sequence) and retry, so enqueueing twice adds one job; a failed job requested
 * again (issue 14 item 7) gets `-r<n>`, since BullMQ keeps the failed one under its id for a week.
 * BullMQ refuses ':' in custom ids (it is its key separator).
 */
export function generationJobId(sceneId: string, sequence: number, retries = 0): string {
  return retries === 0 ? `gen-${sceneId}-${sequence}` : `gen-${sceneId}-${sequence}-r${retries}`;
}

export interface QueueDepth {
  queue: string;
  /** waiting + delayed + prioritized: jobs no worker has taken yet (the autoscaling input). */
  depth: number;
  waiting: number;
  delayed: number;
  prioritized: number;
  active: number;
}

export function createGenerationQueue(
  connection: ConnectionOptions,
  attempts: number,
  prefix: string = QUEUE_PREFIX,
): Queue<GenerationJobData> {
  return new Queue<GenerationJobData>(GENERATION_QUEUE, {
    connection,
    prefix,
    skipWaitingForReady: true,
    defaultJobOptions: {
      attempts,
      // the worker computes the delay (seed 001: 30 s -> 10 min with jitter)
      backoff: { type: "jitter" },
      removeOnComplete: { age: 24 * 3600, count: 10_000 },
      removeOnFail: { age: 7 * 24 * 3600 },
    },
  });
}

/** Queue depth for KEDA / the HPA: waiting and delayed (sorted set) and prioritized (sorted set). */
export async function queueDepth(queue: Queue): Promise<QueueDepth> {
  const counts = await queue.getJobCounts("waiting", "delayed", "prioritized", "active");
  const waiting = counts.waiting ?? 0;
  const delayed = counts.delayed ?? 0;
  const prioritized = counts.prioritized ?? 0;
  return {
    queue: queue.name,
    depth: waiting + delayed + prioritized,
    waiting,
    delayed,
    prioritized,
    active: counts.active ?? 0,
  };
}

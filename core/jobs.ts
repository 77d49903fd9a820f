import type { Db, Target } from "./db";

/** A generation job as clients see it at GET /jobs/:id. */
export interface JobStatus {
  id: string;
  sceneId: string;
  sequence: number;
  status: "queued" | "active" | "completed" | "failed";
  attempts: number;
  error: string | null;
  segmentId: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface JobRow {
  id: string;
  scene_id: string;
  sequence: number;
  user_id: string;
  prompt: string;
  status: JobStatus["status"];
  attempts: number;
  error: string | null;
  segment_id: string | null;
  /** Times a failed job was requested again (issue 14 item 7); part of its BullMQ id. */
  retries: number;
  created_at: Date;
  updated_at: Date;
}

/** A job row as `pg` returns it (dates as Date) or as `row_to_json` does (dates as text). */
export type JobRowLike = Omit<JobRow, "created_at" | "updated_at"> & {
  created_at: Date | string;
  updated_at: Date | string;
};

export const parseJobRow = (r: JobRowLike): JobRow => ({
  ...r,
  created_at: new Date(r.created_at),
  updated_at: new Date(r.updated_at),
});

export const JOB_COLUMNS =
  "id, scene_id, sequence, user_id, prompt, status, attempts, error, segment_id, retries, created_at, updated_at";

export const toJobStatus = (r: JobRow): JobStatus => ({
  id: r.id,
  sceneId: r.scene_id,
  sequence: r.sequence,
  status: r.status,
  attempts: r.attempts,
  error: r.error,
  segmentId: r.segment_id,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

export async function loadJobStatus(db: Db, id: string, target: Target): Promise<JobStatus | null> {
  const rows = await db.read<JobRow>(`SELECT ${JOB_COLUMNS} FROM jobs WHERE id = $1`, [id], target);
  return rows[0] === undefined ? null : toJobStatus(rows[0]);
}

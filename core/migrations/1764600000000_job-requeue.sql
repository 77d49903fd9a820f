-- Up Migration
-- Issue 14 item 2: a jobs row is the durable record of an accepted job (the outbox); the worker's requeue pass
-- puts back into BullMQ every unfinished job Redis no longer holds. It finds them by this partial index and
-- remembers when it last confirmed each one, so a healthy backlog is not re-checked on every pass.

ALTER TABLE jobs ADD COLUMN queue_checked_at timestamptz;

CREATE INDEX jobs_unfinished_idx ON jobs (updated_at) WHERE status IN ('queued', 'active');

-- Down Migration
DROP INDEX IF EXISTS jobs_unfinished_idx;
ALTER TABLE jobs DROP COLUMN IF EXISTS queue_checked_at;

-- Up Migration
-- Issue 14 item 7: a job that failed for good may be requested again; each retry gets a BullMQ id of its own
-- (gen-<scene>-<seq>-r<retries>), since BullMQ keeps the failed one under the old id for a week.

ALTER TABLE jobs ADD COLUMN retries integer NOT NULL DEFAULT 0 CHECK (retries >= 0);

-- Down Migration
ALTER TABLE jobs DROP COLUMN IF EXISTS retries;

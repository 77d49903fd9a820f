-- Up Migration
-- StoryForge domain: topics, scenes, segments and generation jobs (seed 000 §3, §7).

CREATE TABLE topics (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  slug        text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  description text NOT NULL DEFAULT '',
  scene_count integer NOT NULL DEFAULT 0,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE scenes (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  topic_id          uuid NOT NULL REFERENCES topics (id),
  -- the creator is the bearer token's subject; identity lives outside this service
  user_id           text NOT NULL,
  title             text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  description       text NOT NULL DEFAULT '',
  tags              text[] NOT NULL DEFAULT '{}',
  status            text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'hidden')),
  thumbnail_url     text,
  segment_count     integer NOT NULL DEFAULT 0,
  total_duration_ms bigint NOT NULL DEFAULT 0,
  like_count        integer NOT NULL DEFAULT 0,
  view_count        integer NOT NULL DEFAULT 0,
  -- highest sequence handed to a generation job; segments fill 1..last_sequence
  last_sequence     integer NOT NULL DEFAULT 0,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  -- PostgreSQL full-text search when no OpenSearch is configured; 'english' = lowercase + stop words + snowball stemming, like §6.2's story_analyzer
  search            tsvector GENERATED ALWAYS AS (
                      setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', description), 'B')
                    ) STORED
);

-- seed 000 §7.1: covering index for the scene listing; `id` is added as the keyset tie-breaker
CREATE INDEX idx_scenes_topic_listing ON scenes (topic_id, created_at DESC, id DESC)
  INCLUDE (title, thumbnail_url, segment_count, like_count, user_id)
  WHERE status = 'active';
-- the same listing across all topics
CREATE INDEX idx_scenes_listing ON scenes (created_at DESC, id DESC)
  INCLUDE (topic_id, title, thumbnail_url, segment_count, like_count, user_id)
  WHERE status = 'active';
CREATE INDEX idx_scenes_search ON scenes USING gin (search);

-- seed 000 §3.3: segments and jobs partitioned by month
CREATE TABLE segments (
  id          uuid NOT NULL DEFAULT gen_random_uuid(),
  scene_id    uuid NOT NULL REFERENCES scenes (id),
  user_id     text NOT NULL,
  sequence    integer NOT NULL CHECK (sequence >= 1),
  prompt      text NOT NULL,
  duration_ms integer NOT NULL CHECK (duration_ms > 0),
  uri         text NOT NULL,
  -- the time generation was requested, so every attempt of one job lands in the same partition
  created_at  timestamptz NOT NULL,
  PRIMARY KEY (id, created_at),
  -- idempotency of (scene, sequence); a unique key on a partitioned table must include the partition key
  CONSTRAINT segments_scene_sequence_key UNIQUE (scene_id, sequence, created_at)
) PARTITION BY RANGE (created_at);

CREATE TABLE jobs (
  id          uuid NOT NULL DEFAULT gen_random_uuid(),
  scene_id    uuid NOT NULL REFERENCES scenes (id),
  sequence    integer NOT NULL CHECK (sequence >= 1),
  user_id     text NOT NULL,
  prompt      text NOT NULL,
  status      text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'active', 'completed', 'failed')),
  attempts    integer NOT NULL DEFAULT 0,
  error       text,
  segment_id  uuid,
  -- millisecond precision, so the ISO time a job carries names its row exactly (partition pruning on updates)
  created_at  timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (id, created_at),
  CONSTRAINT jobs_scene_sequence_key UNIQUE (scene_id, sequence, created_at)
) PARTITION BY RANGE (created_at);

-- seed 000 §3.3's partition function, generalised to both tables; idempotent (IF NOT EXISTS)
CREATE FUNCTION create_month_partition(parent text, year int, month int) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  partition_name text := format('%s_%s_%s', parent, year, lpad(month::text, 2, '0'));
  start_date date := make_date(year, month, 1);
  end_date date := (make_date(year, month, 1) + interval '1 month')::date;
BEGIN
  IF parent NOT IN ('segments', 'jobs') THEN
    RAISE EXCEPTION 'create_month_partition: unknown parent table %', parent;
  END IF;
  EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
                 partition_name, parent, start_date, end_date);
  EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %I (scene_id, sequence)', partition_name || '_scene_seq_idx', partition_name);
  RETURN partition_name;
END;
$$;

-- the current month and the next three exist from the start; the worker keeps the window moving
SELECT create_month_partition(t.parent, extract(year FROM m)::int, extract(month FROM m)::int)
FROM (VALUES ('segments'), ('jobs')) AS t (parent),
     generate_series(date_trunc('month', now()), date_trunc('month', now()) + interval '3 months', interval '1 month') AS m;

-- Down Migration
DROP TABLE IF EXISTS jobs;
DROP TABLE IF EXISTS segments;
DROP FUNCTION IF EXISTS create_month_partition(text, int, int);
DROP TABLE IF EXISTS scenes;
DROP TABLE IF EXISTS topics;

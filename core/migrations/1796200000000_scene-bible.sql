-- Up Migration
-- seed 000 §2.2/§2.3: the scene bible (the hot data continuations read: synopsis, setting, style, characters),
-- one row per scene, replaced whole by PUT /scenes/:id/bible; `version` counts replacements (optimistic
-- concurrency: a PUT naming an older version is a 409).
CREATE TABLE scene_bibles (
  scene_id   uuid PRIMARY KEY REFERENCES scenes (id) ON DELETE CASCADE,
  version    integer NOT NULL CHECK (version >= 1),
  synopsis   text NOT NULL DEFAULT '',
  setting    text NOT NULL DEFAULT '',
  style      text NOT NULL DEFAULT '',
  characters jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(characters) = 'array'),
  -- the token subject that wrote it (the scene's creator)
  updated_by text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE IF EXISTS scene_bibles;

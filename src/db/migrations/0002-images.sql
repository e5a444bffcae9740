-- Images: one row per image config. `config` holds the exact JSON bytes
-- whose sha256 is the id (needed again by save/push); `record` the engine's
-- ImageRecord (without tags, which live in `tags`).
CREATE TABLE images (
  id         TEXT PRIMARY KEY CHECK (id GLOB 'sha256:*' AND length(id) = 71),
  created_at TEXT NOT NULL,                 -- the config's "created" (RFC 3339)
  stored_at  INTEGER NOT NULL,              -- unix ms when berth recorded it
  size       INTEGER NOT NULL CHECK (size >= 0),
  config     TEXT NOT NULL,
  record     TEXT NOT NULL
);

-- Unpacked layers (directories under <dataRoot>/overlay). A layer is in use
-- while some image_layers row names it: reference counting is by rows.
CREATE TABLE layers (
  id         TEXT PRIMARY KEY CHECK (length(id) = 64),
  diff_id    TEXT NOT NULL,
  size       INTEGER NOT NULL CHECK (size >= 0),
  link       TEXT NOT NULL UNIQUE CHECK (length(link) = 26),
  created_at INTEGER NOT NULL               -- unix ms
);

CREATE TABLE image_layers (
  image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
  position INTEGER NOT NULL CHECK (position >= 0),   -- 0 = bottom
  layer_id TEXT NOT NULL REFERENCES layers(id),
  PRIMARY KEY (image_id, position)
);
CREATE INDEX image_layers_layer ON image_layers(layer_id);

-- Tags: normalized references ("docker.io/library/busybox:latest").
CREATE TABLE tags (
  ref       TEXT PRIMARY KEY,
  image_id  TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
  tagged_at INTEGER NOT NULL                -- unix ms
);
CREATE INDEX tags_image ON tags(image_id);

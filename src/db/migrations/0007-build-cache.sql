-- The classic builder's cache: a step's key (parent image + instruction +
-- content checksum of COPY/ADD sources) → the image that step made. A row
-- goes with its image (ON DELETE CASCADE), so a removed image is never a hit.
CREATE TABLE build_cache (
  key        TEXT PRIMARY KEY CHECK (length(key) = 64),
  image_id   TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL               -- unix ms
);
CREATE INDEX build_cache_image ON build_cache(image_id);

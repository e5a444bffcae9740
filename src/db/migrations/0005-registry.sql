-- Registry digests (Docker's RepoDigests): "domain/path@sha256:<manifest digest>"
-- references, each naming the image that manifest describes. Recorded by pull
-- and push; they go with the image.
CREATE TABLE repo_digests (
  ref        TEXT PRIMARY KEY CHECK (ref GLOB '*@sha256:*'),
  image_id   TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL               -- unix ms
);
CREATE INDEX repo_digests_image ON repo_digests(image_id);

-- Compressed blobs known to hold a layer (by its diff ID): pulled from, or
-- pushed to, a registry repository. A push looks here before compressing a
-- layer again, and mounts the blob from another repository of the same
-- registry. A hint only: the registry is asked before it is relied on.
CREATE TABLE layer_blobs (
  diff_id    TEXT NOT NULL,
  repository TEXT NOT NULL,                 -- "domain/path"
  digest     TEXT NOT NULL,
  size       INTEGER NOT NULL CHECK (size >= 0),
  PRIMARY KEY (diff_id, repository, digest)
);

-- Volumes (Docker's local driver): one row per volume; its data lives in
-- <data-root>/volumes/<name>/_data. A row exists only while its directory
-- does (the directory is made before the insert and removed after the
-- delete; startup reconciliation removes directories without a row).
CREATE TABLE volumes (
  name       TEXT PRIMARY KEY CHECK (length(name) >= 2),
  driver     TEXT NOT NULL,
  labels     TEXT NOT NULL,               -- JSON object
  options    TEXT NOT NULL,               -- JSON object: the driver options (type, device, o)
  created_at TEXT NOT NULL,               -- RFC 3339
  anonymous  INTEGER NOT NULL CHECK (anonymous IN (0, 1))
);

-- Which container mounts which volume where. A volume named here cannot be
-- deleted (no ON DELETE on volume_name): "volume is in use" is a foreign
-- key, not a scan. Removing the container drops its rows.
CREATE TABLE container_volumes (
  container_id TEXT NOT NULL REFERENCES containers(id) ON DELETE CASCADE,
  destination  TEXT NOT NULL,
  volume_name  TEXT NOT NULL REFERENCES volumes(name),
  copy_pending INTEGER NOT NULL CHECK (copy_pending IN (0, 1)),  -- copy-up from the image still to do at first start
  PRIMARY KEY (container_id, destination)
);
CREATE INDEX container_volumes_volume ON container_volumes(volume_name);

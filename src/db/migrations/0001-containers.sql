-- Containers: an immutable config row and a mutable state row.
CREATE TABLE containers (
  id         TEXT PRIMARY KEY CHECK (length(id) = 64),
  name       TEXT NOT NULL UNIQUE,
  image_id   TEXT NOT NULL,
  created_at TEXT NOT NULL,
  seq        INTEGER NOT NULL,            -- creation order, for before/since filters
  spec       TEXT NOT NULL                -- JSON ContainerSpec
);

CREATE TABLE container_state (
  id          TEXT PRIMARY KEY REFERENCES containers(id) ON DELETE CASCADE,
  status      TEXT NOT NULL CHECK (status IN ('created','initialized','running','paused','restarting','removing','exited','dead')),
  pid         INTEGER NOT NULL DEFAULT 0,
  exit_code   INTEGER NOT NULL DEFAULT 0 CHECK (exit_code BETWEEN -1 AND 255),
  state       TEXT NOT NULL                -- JSON ContainerState (status/pid/exit_code kept in sync above)
);
CREATE INDEX container_state_status ON container_state(status);

-- Exit codes outlive their container so that wait?condition=removed and
-- wait after --rm can answer. No foreign key on purpose.
CREATE TABLE exit_codes (
  id          TEXT PRIMARY KEY,
  exit_code   INTEGER NOT NULL CHECK (exit_code BETWEEN -1 AND 255),
  recorded_at INTEGER NOT NULL             -- unix ms
);

-- Daemon-wide facts: the daemon's ID, the boot id of the last start.
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

-- Events (GET /events): kept across restarts so that `since` can replay them.
-- Rows are written in the transaction of the change they report when there is
-- one, else right after its commit; retention trims by count and age.
CREATE TABLE events (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,  -- the order of events; never reused
  time_nano  INTEGER NOT NULL,                   -- unix nanoseconds
  type       TEXT NOT NULL,                      -- container, image, volume, network, daemon
  action     TEXT NOT NULL,                      -- start, die, "exec_start: sh -c …", "health_status: healthy"
  actor_id   TEXT NOT NULL,
  attributes TEXT NOT NULL                       -- JSON object of strings
);
CREATE INDEX events_time ON events(time_nano);

-- Networks (Docker's bridge/host/none plus user-defined bridges) and the
-- endpoints that attach containers to them. berth does the IPAM: an
-- endpoint's address is allocated in the transaction that inserts it.
CREATE TABLE networks (
  id          TEXT PRIMARY KEY CHECK (length(id) = 64),
  name        TEXT NOT NULL UNIQUE,
  driver      TEXT NOT NULL,                 -- bridge | host | null
  subnet      TEXT NOT NULL DEFAULT '',      -- IPv4 CIDR; '' for host/none
  gateway     TEXT NOT NULL DEFAULT '',
  ip_range    TEXT NOT NULL DEFAULT '',      -- CIDR inside subnet that dynamic addresses come from
  interface   TEXT NOT NULL DEFAULT '',      -- Linux bridge name
  internal    INTEGER NOT NULL DEFAULT 0,
  dns_enabled INTEGER NOT NULL DEFAULT 0,
  labels      TEXT NOT NULL DEFAULT '{}',    -- JSON
  options     TEXT NOT NULL DEFAULT '{}',    -- JSON
  created_at  TEXT NOT NULL
);

CREATE TABLE endpoints (
  container_id TEXT NOT NULL REFERENCES containers(id) ON DELETE CASCADE,
  network_id   TEXT NOT NULL REFERENCES networks(id),
  ip           TEXT NOT NULL DEFAULT '',
  requested_ip TEXT NOT NULL DEFAULT '',     -- IPAMConfig.IPv4Address as the client gave it
  mac          TEXT NOT NULL DEFAULT '',
  aliases      TEXT NOT NULL DEFAULT '[]',   -- JSON, as the client gave them
  seq          INTEGER NOT NULL,             -- connect order (the first is the primary network)
  PRIMARY KEY (container_id, network_id)
);
CREATE UNIQUE INDEX endpoints_ip ON endpoints(network_id, ip) WHERE ip <> '';
CREATE INDEX endpoints_network ON endpoints(network_id);

-- What netavark was last given for a container (its netns and the JSON), so
-- that teardown can undo exactly that, also after a crash or a reboot. No
-- foreign key: a run outlives a container row whose removal was cut short.
CREATE TABLE network_runs (
  container_id TEXT PRIMARY KEY,
  netns        TEXT NOT NULL,
  setup        TEXT NOT NULL,                -- JSON netavark input
  ports        TEXT NOT NULL DEFAULT '[]'    -- JSON bound ports (host ports chosen at start)
);

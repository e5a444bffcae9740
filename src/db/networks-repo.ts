/**
 * Network rows, endpoint rows (container ↔ network) and network runs (what
 * netavark was given for a container's namespace). Synchronous; each write
 * is one statement or one IMMEDIATE transaction. The address of an endpoint
 * is chosen inside the transaction that inserts it (`addEndpoint`).
 */
import { inTransaction, type Db } from './database.js';

export type NetworkDriver = 'bridge' | 'host' | 'null';

export interface NetworkRecord {
  /** 64 hex. */
  id: string;
  name: string;
  driver: NetworkDriver;
  /** IPv4 CIDR ('' for host and none). */
  subnet: string;
  gateway: string;
  /** Dynamic addresses come from here ('' = the whole subnet). */
  ipRange: string;
  /** The client gave the subnet at create (dockerd allows a fixed address only then). */
  subnetFromUser: boolean;
  /** The Linux bridge ('' for host and none). */
  bridge: string;
  internal: boolean;
  /** aardvark-dns answers container names (user networks only, as Docker). */
  dnsEnabled: boolean;
  labels: Record<string, string>;
  options: Record<string, string>;
  /** RFC 3339 nano. */
  created: string;
}

export interface EndpointRecord {
  containerId: string;
  networkId: string;
  ip: string;
  /** IPAMConfig.IPv4Address as asked ('' = dynamic). */
  requestedIp: string;
  mac: string;
  /** Aliases as the client gave them. */
  aliases: string[];
  seq: number;
}

/** A container's applied network setup; `Setup` and `Port` are the engine's JSON, stored as given. */
export interface NetworkRunRow<Setup, Port> {
  containerId: string;
  netns: string;
  setup: Setup;
  ports: Port[];
}

interface RawNetwork {
  id: string;
  name: string;
  driver: string;
  subnet: string;
  gateway: string;
  ip_range: string;
  subnet_from_user: number;
  interface: string;
  internal: number;
  dns_enabled: number;
  labels: string;
  options: string;
  created_at: string;
}

interface RawEndpoint {
  container_id: string;
  network_id: string;
  ip: string;
  requested_ip: string;
  mac: string;
  aliases: string;
  seq: number;
}

const toNetwork = (r: RawNetwork): NetworkRecord => ({
  id: r.id,
  name: r.name,
  driver: r.driver as NetworkRecord['driver'],
  subnet: r.subnet,
  gateway: r.gateway,
  ipRange: r.ip_range,
  subnetFromUser: r.subnet_from_user === 1,
  bridge: r.interface,
  internal: r.internal === 1,
  dnsEnabled: r.dns_enabled === 1,
  labels: JSON.parse(r.labels) as Record<string, string>,
  options: JSON.parse(r.options) as Record<string, string>,
  created: r.created_at,
});

const toEndpoint = (r: RawEndpoint): EndpointRecord => ({
  containerId: r.container_id,
  networkId: r.network_id,
  ip: r.ip,
  requestedIp: r.requested_ip,
  mac: r.mac,
  aliases: JSON.parse(r.aliases) as string[],
  seq: r.seq,
});

/** An endpoint to insert; `pick` chooses its address from the addresses already used on the network. */
export interface NewEndpoint {
  containerId: string;
  networkId: string;
  requestedIp: string;
  aliases: string[];
  /** Called inside the transaction; returns the address ('' for none) and the MAC. */
  pick(used: Set<string>): { ip: string; mac: string };
}

export class NetworksRepo<Setup = unknown, Port = unknown> {
  #db: Db;
  #q;

  constructor(db: Db) {
    this.#db = db;
    this.#q = {
      insert:
        db.prepare(`INSERT INTO networks (id, name, driver, subnet, gateway, ip_range, subnet_from_user, interface, internal, dns_enabled, labels, options, created_at)
        VALUES (@id, @name, @driver, @subnet, @gateway, @ipRange, @subnetFromUser, @bridge, @internal, @dnsEnabled, @labels, @options, @created)`),
      delete: db.prepare('DELETE FROM networks WHERE id = ?'),
      deleteEndpointsOn: db.prepare('DELETE FROM endpoints WHERE network_id = ?'),
      byId: db.prepare('SELECT * FROM networks WHERE id = ?'),
      byName: db.prepare('SELECT * FROM networks WHERE name = ?'),
      byPrefix: db.prepare('SELECT * FROM networks WHERE id >= ? AND id < ? LIMIT 2'),
      all: db.prepare('SELECT * FROM networks ORDER BY created_at, name'),
      endpointsOf: db.prepare('SELECT * FROM endpoints WHERE container_id = ? ORDER BY seq'),
      endpointsOn: db.prepare('SELECT * FROM endpoints WHERE network_id = ? ORDER BY seq'),
      allEndpoints: db.prepare('SELECT * FROM endpoints ORDER BY container_id, seq'),
      endpoint: db.prepare('SELECT * FROM endpoints WHERE container_id = ? AND network_id = ?'),
      usedIps: db.prepare("SELECT ip FROM endpoints WHERE network_id = ? AND ip <> ''"),
      nextSeq: db.prepare('SELECT COALESCE(MAX(seq), 0) + 1 AS seq FROM endpoints WHERE container_id = ?'),
      insertEndpoint: db.prepare('INSERT INTO endpoints (container_id, network_id, ip, requested_ip, mac, aliases, seq) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      deleteEndpoint: db.prepare('DELETE FROM endpoints WHERE container_id = ? AND network_id = ?'),
      putRun: db.prepare(
        'INSERT INTO network_runs (container_id, netns, setup, ports) VALUES (?, ?, ?, ?) ON CONFLICT(container_id) DO UPDATE SET netns = excluded.netns, setup = excluded.setup, ports = excluded.ports',
      ),
      getRun: db.prepare('SELECT * FROM network_runs WHERE container_id = ?'),
      deleteRun: db.prepare('DELETE FROM network_runs WHERE container_id = ?'),
      allRuns: db.prepare('SELECT * FROM network_runs'),
    };
  }

  /** Throws SQLite's UNIQUE error when the name is taken. */
  insertNetwork(n: NetworkRecord): void {
    this.#q.insert.run({
      ...n,
      internal: n.internal ? 1 : 0,
      subnetFromUser: n.subnetFromUser ? 1 : 0,
      dnsEnabled: n.dnsEnabled ? 1 : 0,
      labels: JSON.stringify(n.labels),
      options: JSON.stringify(n.options),
    });
  }

  /** Deletes a network and the endpoints still on it (those of stopped containers), in one transaction. */
  deleteNetwork(id: string): void {
    inTransaction(this.#db, () => {
      this.#q.deleteEndpointsOn.run(id);
      this.#q.delete.run(id);
    });
  }

  get(id: string): NetworkRecord | undefined {
    const r = this.#q.byId.get(id) as RawNetwork | undefined;
    return r && toNetwork(r);
  }

  getByName(name: string): NetworkRecord | undefined {
    const r = this.#q.byName.get(name) as RawNetwork | undefined;
    return r && toNetwork(r);
  }

  /** At most two networks whose id starts with prefix. */
  findByPrefix(prefix: string): NetworkRecord[] {
    const upper = prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
    return (this.#q.byPrefix.all(prefix, upper) as RawNetwork[]).map(toNetwork);
  }

  all(): NetworkRecord[] {
    return (this.#q.all.all() as RawNetwork[]).map(toNetwork);
  }

  /** A container's endpoints, primary network first. */
  endpointsOf(containerId: string): EndpointRecord[] {
    return (this.#q.endpointsOf.all(containerId) as RawEndpoint[]).map(toEndpoint);
  }

  endpointsOn(networkId: string): EndpointRecord[] {
    return (this.#q.endpointsOn.all(networkId) as RawEndpoint[]).map(toEndpoint);
  }

  /** Every endpoint (every address allocated), for `berthd check`. */
  allEndpoints(): EndpointRecord[] {
    return (this.#q.allEndpoints.all() as RawEndpoint[]).map(toEndpoint);
  }

  endpoint(containerId: string, networkId: string): EndpointRecord | undefined {
    const r = this.#q.endpoint.get(containerId, networkId) as RawEndpoint | undefined;
    return r && toEndpoint(r);
  }

  /**
   * Inserts endpoints in one transaction, each address picked against the
   * addresses used at that moment (so two concurrent connects never draw the
   * same one). Throws what `pick` throws, or SQLite's errors; nothing is kept then.
   */
  addEndpoints(list: NewEndpoint[]): EndpointRecord[] {
    return inTransaction(this.#db, () =>
      list.map((e) => {
        const used = new Set((this.#q.usedIps.all(e.networkId) as Array<{ ip: string }>).map((r) => r.ip));
        const { ip, mac } = e.pick(used);
        const { seq } = this.#q.nextSeq.get(e.containerId) as { seq: number };
        this.#q.insertEndpoint.run(e.containerId, e.networkId, ip, e.requestedIp, mac, JSON.stringify(e.aliases), seq);
        return { containerId: e.containerId, networkId: e.networkId, ip, requestedIp: e.requestedIp, mac, aliases: e.aliases, seq };
      }),
    );
  }

  removeEndpoint(containerId: string, networkId: string): void {
    this.#q.deleteEndpoint.run(containerId, networkId);
  }

  putRun(run: NetworkRunRow<Setup, Port>): void {
    this.#q.putRun.run(run.containerId, run.netns, JSON.stringify(run.setup), JSON.stringify(run.ports));
  }

  getRun(containerId: string): NetworkRunRow<Setup, Port> | undefined {
    const r = this.#q.getRun.get(containerId) as { container_id: string; netns: string; setup: string; ports: string } | undefined;
    return r && { containerId: r.container_id, netns: r.netns, setup: JSON.parse(r.setup) as Setup, ports: JSON.parse(r.ports) as Port[] };
  }

  deleteRun(containerId: string): void {
    this.#q.deleteRun.run(containerId);
  }

  allRuns(): Array<NetworkRunRow<Setup, Port>> {
    return (this.#q.allRuns.all() as Array<{ container_id: string }>).map((r) => this.getRun(r.container_id)!);
  }
}

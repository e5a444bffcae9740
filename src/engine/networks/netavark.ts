/**
 * netavark: the pure builder of its JSON (netavark 1.4's NetworkOptions) from
 * berth's records, the parser of what `setup` prints, and the one place that
 * runs the binary. netavark knows each network by berth's network ID (not
 * its Docker name): its firewall chains are named from a hash of that, so
 * two daemons never share chains, and the aardvark-dns config file of a
 * network is named by it inside the daemon's own `--config` dir.
 */
import { runFailureText, runHost } from '../host/spawner.js';
import { EngineError } from '../errors.js';
import type { BoundPort, EndpointRecord, NetavarkInput, NetavarkNetwork, NetworkRecord } from '../model/network.js';

export interface Attachment {
  network: NetworkRecord;
  endpoint: EndpointRecord;
}

export interface NetavarkBuildInput {
  containerId: string;
  containerName: string;
  attachments: Attachment[];
  ports: BoundPort[];
}

/** netavark's description of one bridge network. */
export function netavarkNetwork(n: NetworkRecord): NetavarkNetwork {
  const out: NetavarkNetwork = {
    name: n.id,
    id: n.id,
    driver: 'bridge',
    network_interface: n.bridge,
    subnets: [{ subnet: n.subnet, gateway: n.gateway }],
    ipv6_enabled: false,
    internal: n.internal,
    dns_enabled: n.dnsEnabled,
    ipam_options: { driver: 'host-local' },
  };
  const mtu = n.options['com.docker.network.driver.mtu'];
  if (mtu) out.options = { mtu };
  return out;
}

/**
 * The stdin of `netavark setup|teardown` for a container on `attachments`
 * (bridge networks only). On networks with DNS, aardvark-dns answers the
 * container name (netavark adds it), the short ID and the client's aliases.
 */
export function buildNetavarkInput(input: NetavarkBuildInput): NetavarkInput {
  const networks: NetavarkInput['networks'] = {};
  const info: NetavarkInput['network_info'] = {};
  input.attachments.forEach(({ network, endpoint }, i) => {
    networks[network.id] = {
      static_ips: [endpoint.ip],
      ...(endpoint.mac ? { static_mac: endpoint.mac } : {}),
      aliases: network.dnsEnabled ? [...new Set([input.containerId.slice(0, 12), ...endpoint.aliases])] : [],
      interface_name: `eth${i}`,
    };
    info[network.id] = netavarkNetwork(network);
  });
  const ports = input.ports.map((p) => ({ host_ip: p.hostIp, container_port: p.containerPort, host_port: p.hostPort, range: 1, protocol: p.protocol }));
  return {
    container_id: input.containerId,
    container_name: input.containerName,
    networks,
    network_info: info,
    port_mappings: ports.length ? ports : null,
  };
}

/** The part of an input that concerns one network (connect/disconnect of a live container). */
export function selectNetwork(input: NetavarkInput, networkId: string, withPorts: boolean): NetavarkInput {
  return {
    ...input,
    networks: { [networkId]: input.networks[networkId] },
    network_info: { [networkId]: input.network_info[networkId] },
    port_mappings: withPorts ? input.port_mappings : null,
  };
}

export interface SetupResult {
  /** By netavark network name (berth's network ID). */
  [network: string]: { mac: string; interface: string };
}

/** Reads `setup`'s JSON: {NAME: {interfaces: {eth0: {mac_address, subnets}}}}. */
export function parseSetupOutput(stdout: string): SetupResult {
  const out: SetupResult = {};
  let parsed: Record<string, { interfaces?: Record<string, { mac_address?: string }> }>;
  try {
    parsed = JSON.parse(stdout) as typeof parsed;
  } catch {
    return out;
  }
  for (const [name, status] of Object.entries(parsed ?? {})) {
    const [ifname, iface] = Object.entries(status?.interfaces ?? {})[0] ?? [];
    if (ifname) out[name] = { mac: iface?.mac_address ?? '', interface: ifname };
  }
  return out;
}

export interface NetavarkBinaries {
  netavark: string;
  aardvark: string;
  /** netavark --config: the daemon's own dir (aardvark-dns configs and its pid file). */
  configDir: string;
}

/** The tail of each daemon's netavark calls, by config dir. */
const queues = new Map<string, Promise<unknown>>();

/**
 * Runs `netavark <verb> <netns>` with `input` on stdin; throws an EngineError
 * with netavark's message. Calls of one daemon run one at a time (podman
 * locks the same way): a teardown that empties a network removes its chains
 * and bridge, which a concurrent setup on that network is still filling.
 */
export function runNetavark(bin: NetavarkBinaries, verb: 'setup' | 'teardown', netns: string, input: NetavarkInput): Promise<string> {
  return inNetavarkQueue(bin, () => runNetavarkNow(bin, verb, netns, input));
}

/** Runs `fn` in the daemon's netavark queue (between two netavark calls, never during one). */
export function inNetavarkQueue<T>(bin: NetavarkBinaries, fn: () => Promise<T>): Promise<T> {
  const next = (queues.get(bin.configDir) ?? Promise.resolve()).then(fn, fn);
  queues.set(
    bin.configDir,
    next.catch(() => undefined),
  );
  return next;
}

async function runNetavarkNow(bin: NetavarkBinaries, verb: 'setup' | 'teardown', netns: string, input: NetavarkInput): Promise<string> {
  const res = await runHost(bin.netavark, ['--config', bin.configDir, '--aardvark-binary', bin.aardvark, verb, netns], {
    input: JSON.stringify(input),
    timeoutMs: 60_000,
    env: { RUST_LOG: 'warn' },
  });
  if (res.exitCode === 0) return res.stdout;
  throw new EngineError(
    'system',
    verb === 'setup' ? 'BERTH_NETWORK_NETAVARK_SETUP' : 'BERTH_NETWORK_NETAVARK_TEARDOWN',
    `netavark ${verb}: ${netavarkMessage(res.stdout, res.stderr) || runFailureText('netavark', res)}`,
  );
}

/** netavark prints `{"error": "..."}` on failure; logging noise may precede it. */
export function netavarkMessage(stdout: string, stderr: string): string {
  for (const text of [stdout, stderr]) {
    const m = /\{"error":\s*"((?:[^"\\]|\\.)*)"\}/.exec(text);
    if (m) return JSON.parse(`"${m[1]}"`) as string;
  }
  return stderr
    .split('\n')
    .filter((l) => l && !l.includes('syslog'))
    .join('; ')
    .trim();
}

/**
 * A container's networking as Docker shows it: inspect's NetworkSettings,
 * the list's Ports and NetworkSettings, and HostConfig.PortBindings.
 * Docker fills the top-level IPAddress/Gateway/MacAddress only from the
 * default `bridge` network, and addresses only while the container runs.
 */
import { createHash } from 'node:crypto';
import { goMap } from './go-map.js';
import type { BoundPort, ContainerView, EndpointRecord, NetworkRecord, PortBinding } from '../../engine/api.js';

const prefixLen = (cidr: string) => Number(cidr.split('/')[1] ?? 0);
const endpointId = (c: string, n: string) => createHash('sha256').update(`${c}/${n}`).digest('hex');

const isRunning = (v: ContainerView) => v.network.ports !== null;

/**
 * The endpoint's aliases as dockerd shows them: the client's, then the short ID
 * (unless the client gave it) once the container has started, kept after it stops.
 */
function shownAliases(v: ContainerView, network: NetworkRecord, ep: EndpointRecord): string[] {
  if (!network.dnsEnabled) return [];
  const shortId = v.id.slice(0, 12);
  const started = isRunning(v) || v.state.startedAt !== '';
  return started && !ep.aliases.includes(shortId) ? [...ep.aliases, shortId] : ep.aliases;
}

/** One entry of NetworkSettings.Networks. */
function endpointSettings(v: ContainerView, network: NetworkRecord, ep: EndpointRecord): Record<string, unknown> {
  const live = isRunning(v);
  const aliases = shownAliases(v, network, ep);
  return {
    IPAMConfig: ep.requestedIp ? { IPv4Address: ep.requestedIp } : null,
    Links: null,
    Aliases: aliases.length ? aliases : null,
    NetworkID: network.id,
    EndpointID: live ? endpointId(v.id, network.id) : '',
    Gateway: live ? network.gateway : '',
    IPAddress: live ? ep.ip : '',
    IPPrefixLen: live ? prefixLen(network.subnet) : 0,
    IPv6Gateway: '',
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    MacAddress: live ? ep.mac : '',
    DriverOpts: null,
  };
}

const EMPTY_ENDPOINT = {
  IPAMConfig: null,
  Links: null,
  Aliases: null,
  NetworkID: '',
  EndpointID: '',
  Gateway: '',
  IPAddress: '',
  IPPrefixLen: 0,
  IPv6Gateway: '',
  GlobalIPv6Address: '',
  GlobalIPv6PrefixLen: 0,
  MacAddress: '',
  DriverOpts: null,
};

export function networksOf(v: ContainerView): Record<string, unknown> {
  const mode = v.spec.networkMode;
  if (mode === 'host' || mode === 'none') return { [mode]: { ...EMPTY_ENDPOINT } };
  return goMap(Object.fromEntries(v.network.endpoints.map(({ network, endpoint }) => [network.name, endpointSettings(v, network, endpoint)])));
}

/** NetworkSettings.Ports: bound ports while running, exposed-only ports as null. */
export function portMap(v: ContainerView): Record<string, Array<{ HostIp: string; HostPort: string }> | null> {
  const out: Record<string, Array<{ HostIp: string; HostPort: string }> | null> = {};
  if (!isRunning(v)) return out;
  for (const key of v.spec.exposedPorts) out[key.includes('/') ? key : `${key}/tcp`] = null;
  for (const p of v.network.ports ?? []) {
    const key = `${p.containerPort}/${p.protocol}`;
    (out[key] ??= []).push({ HostIp: p.hostIp || '0.0.0.0', HostPort: String(p.hostPort) });
  }
  return goMap(out);
}

export function toNetworkSettings(v: ContainerView): Record<string, unknown> {
  const bridge = v.network.endpoints.find((a) => a.network.name === 'bridge');
  const top = bridge && isRunning(v) ? endpointSettings(v, bridge.network, bridge.endpoint) : EMPTY_ENDPOINT;
  const live = isRunning(v) && v.network.endpoints.length > 0;
  return {
    Bridge: '',
    SandboxID: live ? endpointId(v.id, 'sandbox') : '',
    HairpinMode: false,
    LinkLocalIPv6Address: '',
    LinkLocalIPv6PrefixLen: 0,
    Ports: portMap(v),
    SandboxKey: live ? v.network.sandboxKey : '',
    SecondaryIPAddresses: null,
    SecondaryIPv6Addresses: null,
    EndpointID: top.EndpointID,
    Gateway: top.Gateway,
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    IPAddress: top.IPAddress,
    IPPrefixLen: top.IPPrefixLen,
    IPv6Gateway: '',
    MacAddress: top.MacAddress,
    Networks: networksOf(v),
  };
}

/** The list's Ports: published ports (IP, PrivatePort, PublicPort, Type), then exposed-only ones. */
export function listPorts(v: ContainerView): Array<Record<string, unknown>> {
  if (!isRunning(v)) return [];
  const bound = (v.network.ports ?? []).map((p: BoundPort) => ({
    IP: p.hostIp || '0.0.0.0',
    PrivatePort: p.containerPort,
    PublicPort: p.hostPort,
    Type: p.protocol,
  }));
  const exposed = v.spec.exposedPorts
    .map((key) => ({ port: Number(key.split('/')[0]), type: key.split('/')[1] ?? 'tcp' }))
    .filter((e) => !bound.some((b) => b.PrivatePort === e.port && b.Type === e.type))
    .map((e) => ({ PrivatePort: e.port, Type: e.type }));
  return [...bound, ...exposed];
}

/** HostConfig.PortBindings as the client gave them. */
export function portBindingsOf(bindings: readonly PortBinding[] | undefined): Record<string, Array<{ HostIp: string; HostPort: string }>> {
  const out: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
  for (const b of bindings ?? []) (out[`${b.containerPort}/${b.protocol}`] ??= []).push({ HostIp: b.hostIp, HostPort: b.hostPort ? String(b.hostPort) : '' });
  return goMap(out);
}

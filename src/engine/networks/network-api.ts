/**
 * The network verbs of the facade: create, inspect, list, remove, prune.
 * Create and remove run one at a time (name and subnet checks, then the
 * insert); a network's bridge and firewall rules appear with its first
 * running container and go with its last (netavark does both).
 */
import type { CreateNetworkOptions, NetworkView } from '../api/networks.js';
import type { Filters } from '../filters/index.js';
import { rfc3339Nano } from '../time.js';
import { conflict, forbidden, invalid, notFound } from '../errors.js';
import { findNetwork, PREDEFINED, type NetworkContext } from './context.js';
import { freeSubnet, newNetworkId, userBridgeName } from './defaults.js';
import { containsIp, formatCidr, intToIp, ipToInt, overlaps, parseCidr, requireCidr } from './ipam.js';
import { networkListFilter, networkPruneFilter } from './filters.js';
import type { NetworkRecord } from '../model/network.js';
import { faultPoint } from '../fault.js';
import { sweepStaleNetworks } from './stale-sweep.js';

const BRIDGE_NAME = 'com.docker.network.bridge.name';
const MTU = 'com.docker.network.driver.mtu';

export function createNetwork(ctx: NetworkContext, opts: CreateNetworkOptions): Promise<{ id: string; warning: string }> {
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(opts.name))
    throw invalid('BERTH_NETWORK_BAD_NAME', `invalid network name "${opts.name}": must match [a-zA-Z0-9][a-zA-Z0-9_.-]*`);
  const driver = opts.driver || 'bridge';
  if (driver !== 'bridge') throw notFound('BERTH_NETWORK_DRIVER', `plugin "${driver}" not found`);
  if (opts.enableIPv6) throw invalid('BERTH_NETWORK_IPV6', 'IPv6 networks are not supported yet (EnableIPv6)');
  if (opts.ipam.length > 1) throw invalid('BERTH_NETWORK_IPAM_MULTI', 'only one IPAM config (one IPv4 subnet) per network is supported');
  const mtu = opts.options[MTU];
  if (mtu !== undefined && !(/^\d+$/.test(mtu) && Number(mtu) >= 68 && Number(mtu) <= 65535)) throw invalid('BERTH_NETWORK_BAD_MTU', `invalid MTU "${mtu}"`);
  return ctx.queue.run(async () => {
    if (ctx.repo.getByName(opts.name)) throw conflict('BERTH_NETWORK_NAME_IN_USE', `network with name ${opts.name} already exists`);
    const id = newNetworkId();
    const bridge = opts.options[BRIDGE_NAME] || userBridgeName(id);
    if (!/^[a-zA-Z0-9_.-]{1,15}$/.test(bridge))
      throw invalid('BERTH_NETWORK_BAD_BRIDGE', `invalid bridge name "${bridge}": at most 15 characters of [a-zA-Z0-9_.-]`);
    if (ctx.repo.all().some((n) => n.bridge === bridge))
      throw conflict('BERTH_NETWORK_BRIDGE_IN_USE', `bridge name ${bridge} is already used by another network`);
    const addr = opts.ipam[0]?.subnet ? explicitAddress(ctx, opts.ipam[0]) : { ...(await freeSubnet(ctx)), ipRange: '' };
    const record: NetworkRecord = {
      id,
      name: opts.name,
      driver: 'bridge',
      ...addr,
      subnetFromUser: Boolean(opts.ipam[0]?.subnet),
      bridge,
      internal: opts.internal,
      dnsEnabled: true,
      labels: opts.labels,
      options: opts.options,
      created: rfc3339Nano(),
    };
    ctx.repo.insertNetwork(record);
    faultPoint('network.after-record');
    ctx.events.emit({ type: 'network', action: 'create', id, attributes: { name: record.name, type: 'bridge' } });
    return { id, warning: '' };
  });
}

/** A client-given subnet: well-formed, not overlapping another network; gateway and ip-range inside it. */
function explicitAddress(ctx: NetworkContext, ipam: CreateNetworkOptions['ipam'][number]): { subnet: string; gateway: string; ipRange: string } {
  // dockerd's words for a malformed subnet (an ip-range gets the bare "invalid CIDR address").
  if (!ipam.subnet.includes(':') && !parseCidr(ipam.subnet))
    throw invalid('BERTH_NETWORK_BAD_SUBNET', `Invalid subnet ${ipam.subnet} : invalid CIDR address: ${ipam.subnet}`);
  const subnet = requireCidr(ipam.subnet, 'Subnet');
  for (const other of ctx.repo.all()) {
    const c = other.subnet ? parseCidr(other.subnet) : undefined;
    if (c && overlaps(c, subnet)) throw forbidden('BERTH_NETWORK_POOL_OVERLAP', 'Pool overlaps with other one on this address space');
  }
  let gateway = intToIp(subnet.base + 1);
  if (ipam.gateway) {
    const g = ipToInt(ipam.gateway);
    if (g === undefined || !containsIp(subnet, g)) throw invalid('BERTH_NETWORK_BAD_GATEWAY', `no matching subnet for gateway ${ipam.gateway}`);
    gateway = ipam.gateway;
  }
  let ipRange = '';
  if (ipam.ipRange) {
    const r = requireCidr(ipam.ipRange, 'IPRange');
    if (r.prefix < subnet.prefix || !overlaps(r, subnet)) throw invalid('BERTH_NETWORK_BAD_RANGE', `no matching subnet for range ${ipam.ipRange}`);
    ipRange = formatCidr(r);
  }
  return { subnet: formatCidr(subnet), gateway, ipRange };
}

export function inspectNetwork(ctx: NetworkContext, ref: string): NetworkView {
  return view(ctx, findNetwork(ctx, ref));
}

export function listNetworks(ctx: NetworkContext, filters: Filters): NetworkView[] {
  const keep = networkListFilter(filters, (id) => activeEndpoints(ctx, id) > 0);
  return ctx.repo
    .all()
    .filter(keep)
    .map((n) => view(ctx, n));
}

/**
 * Endpoints of running containers. As in Docker, a stopped container does not
 * keep a network in use: removing the network drops its endpoint, and its
 * next start fails with "network X not found".
 */
function activeEndpoints(ctx: NetworkContext, networkId: string): number {
  return ctx.repo.endpointsOn(networkId).filter((ep) => ctx.repo.getRun(ep.containerId) !== undefined).length;
}

function view(ctx: NetworkContext, n: NetworkRecord): NetworkView {
  const containers = ctx.repo.endpointsOn(n.id).flatMap((endpoint) => {
    const c = ctx.containers.get(endpoint.containerId);
    return c ? [{ id: c.id, name: c.name, endpoint, running: ctx.repo.getRun(c.id) !== undefined }] : [];
  });
  return { ...n, containers };
}

export async function removeNetwork(ctx: NetworkContext, ref: string): Promise<void> {
  await ctx.queue.run(async () => {
    const n = findNetwork(ctx, ref);
    if (PREDEFINED.has(n.name)) throw forbidden('BERTH_NETWORK_PREDEFINED', `${n.name} is a pre-defined network and cannot be removed`);
    if (activeEndpoints(ctx, n.id) > 0)
      throw forbidden('BERTH_NETWORK_IN_USE', `error while removing network: network ${n.name} id ${n.id} has active endpoints`);
    // Its kept bridge, anchor and firewall rules go with it (keep-bridge.ts).
    await sweepStaleNetworks(ctx, new Set([n.id])).catch((err) => ctx.log.warn({ err, network: n.id }, 'removing the bridge of a removed network'));
    ctx.repo.deleteNetwork(n.id);
    ctx.events.emit({ type: 'network', action: 'destroy', id: n.id, attributes: { name: n.name, type: 'bridge' } });
  });
}

/** Removes every user network without endpoints that matches; returns the names removed. */
export async function pruneNetworks(ctx: NetworkContext, filters: Filters): Promise<string[]> {
  const keep = networkPruneFilter(filters);
  const removed: string[] = [];
  for (const n of ctx.repo.all()) {
    if (PREDEFINED.has(n.name) || !keep(n) || activeEndpoints(ctx, n.id) > 0) continue;
    try {
      await removeNetwork(ctx, n.id);
      removed.push(n.name);
    } catch {
      // connected to meanwhile: not ours to prune
    }
  }
  return removed;
}

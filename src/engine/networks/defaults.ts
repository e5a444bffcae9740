/**
 * The predefined networks (bridge, host, none), made at the first start as
 * Docker has them, and the facts subnet choice needs: the daemon's bridge
 * name and the routes already on the host.
 */
import { createHash, randomBytes } from 'node:crypto';
import { runHost } from '../host/spawner.js';
import { hostTool } from '../host/binaries.js';
import { rfc3339Nano } from '../time.js';
import { invalid, systemError } from '../errors.js';
import type { NetworkContext } from './context.js';
import { formatCidr, intToIp, parseCidr, pickSubnet, requireCidr, type Cidr } from './ipam.js';
import type { NetworkRecord } from '../model/network.js';

/**
 * The default network's bridge: "berth0" for the default data root, else
 * "berth" + 8 hex of the data root's hash (13 characters; Linux allows 15),
 * so two daemons never share one.
 */
export function defaultBridgeName(dataRoot: string, defaultDataRoot: string): string {
  if (dataRoot === defaultDataRoot) return 'berth0';
  return `berth${createHash('sha256').update(dataRoot).digest('hex').slice(0, 8)}`;
}

/** A user network's bridge: Docker's "br-" + 12 hex of the network ID. */
export const userBridgeName = (id: string) => `br-${id.slice(0, 12)}`;

export const newNetworkId = () => randomBytes(32).toString('hex');

/** IPv4 destinations of the host's routes (`ip -j route`), default route excluded. */
export async function hostRoutes(): Promise<Cidr[]> {
  const res = await runHost(hostTool('ip'), ['-j', '-4', 'route', 'show', 'table', 'all'], { timeoutMs: 10_000 });
  let routes: Array<{ dst?: string; type?: string }>;
  try {
    routes = JSON.parse(res.stdout || '[]') as Array<{ dst?: string; type?: string }>;
  } catch {
    return [];
  }
  const out: Cidr[] = [];
  for (const r of routes) {
    if (!r.dst || r.dst === 'default' || (r.type && r.type !== 'unicast')) continue;
    const c = parseCidr(r.dst.includes('/') ? r.dst : `${r.dst}/32`);
    if (c) out.push(c);
  }
  return out;
}

/** Subnets already in use: this daemon's networks and the host's routes. */
export async function takenSubnets(ctx: NetworkContext): Promise<Cidr[]> {
  const own = ctx.repo.all().flatMap((n) => (n.subnet ? [parseCidr(n.subnet)!] : []));
  return [...own, ...(await hostRoutes())];
}

/** A free subnet from the configured pools (Docker: "could not find an available, non-overlapping IPv4 address pool"). */
export async function freeSubnet(ctx: NetworkContext): Promise<{ subnet: string; gateway: string }> {
  const c = pickSubnet(ctx.settings.pools, await takenSubnets(ctx), ctx.settings.poolStart);
  if (!c) throw invalid('BERTH_NETWORK_NO_POOL', 'could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network');
  return { subnet: formatCidr(c), gateway: intToIp(c.base + 1) };
}

function predefined(name: string, driver: NetworkRecord['driver']): NetworkRecord {
  return {
    id: newNetworkId(),
    name,
    driver,
    subnet: '',
    gateway: '',
    ipRange: '',
    subnetFromUser: false,
    bridge: '',
    internal: false,
    dnsEnabled: false,
    labels: {},
    options: {},
    created: rfc3339Nano(),
  };
}

/** Makes bridge, host and none when missing (the first start, or a database from before networks). */
export async function ensureDefaultNetworks(ctx: NetworkContext): Promise<void> {
  for (const [name, driver] of [
    ['host', 'host'],
    ['none', 'null'],
  ] as const) {
    if (!ctx.repo.getByName(name)) ctx.repo.insertNetwork(predefined(name, driver));
  }
  if (ctx.repo.getByName('bridge')) return;
  const addr = ctx.settings.bip ? fromBip(ctx.settings.bip) : await freeSubnet(ctx);
  ctx.repo.insertNetwork({
    ...predefined('bridge', 'bridge'),
    ...addr,
    bridge: ctx.settings.defaultBridge,
    options: {
      'com.docker.network.bridge.default_bridge': 'true',
      'com.docker.network.bridge.enable_icc': 'true',
      'com.docker.network.bridge.enable_ip_masquerade': 'true',
      'com.docker.network.bridge.host_binding_ipv4': '0.0.0.0',
      'com.docker.network.bridge.name': ctx.settings.defaultBridge,
      'com.docker.network.driver.mtu': '1500',
    },
  });
  ctx.log.info({ subnet: addr.subnet, bridge: ctx.settings.defaultBridge }, 'default bridge network created');
}

/** dockerd's bip: the gateway address with the subnet's prefix ("172.17.0.1/16"). */
export function fromBip(bip: string): { subnet: string; gateway: string } {
  const c = requireCidr(bip, 'bip');
  const gateway = bip.split('/')[0];
  if (gateway === intToIp(c.base)) throw systemError('BERTH_NETWORK_BAD_BIP', `bip ${bip}: give the gateway address, not the network address`);
  return { subnet: formatCidr(c), gateway };
}

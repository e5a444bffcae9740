/**
 * IPv4 address management, pure: CIDR parsing, overlap, address allocation
 * within a subnet (or its ip-range), subnet choice from address pools, and
 * Docker's MAC-from-IP. Errors carry Docker's words.
 */
import { invalid, conflict, EngineError } from '../errors.js';

export interface Cidr {
  /** Network address as an unsigned 32-bit number. */
  base: number;
  prefix: number;
}

/** Dockerd's `default-address-pools` entry: carve `size`-bit subnets out of `base`. */
export interface AddressPool {
  base: string;
  size: number;
}

/** Docker's defaults: 172.17–31.0.0/16, then 192.168.0.0/16 in /20s. */
export const DEFAULT_POOLS: readonly AddressPool[] = [
  { base: '172.17.0.0/16', size: 16 },
  { base: '172.18.0.0/15', size: 16 }, // 172.18–19
  { base: '172.20.0.0/14', size: 16 }, // 172.20–23
  { base: '172.24.0.0/13', size: 16 }, // 172.24–31
  { base: '192.168.0.0/16', size: 20 },
];

export function ipToInt(ip: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

const mask = (prefix: number) => (prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0);

/** Parses "a.b.c.d/n"; undefined when malformed. The base is masked ("10.1.2.3/8" → 10.0.0.0/8). */
export function parseCidr(text: string): Cidr | undefined {
  const m = /^([\d.]+)\/(\d{1,2})$/.exec(text);
  if (!m) return undefined;
  const ip = ipToInt(m[1]);
  const prefix = Number(m[2]);
  if (ip === undefined || prefix > 32) return undefined;
  return { base: (ip & mask(prefix)) >>> 0, prefix };
}

export function formatCidr(c: Cidr): string {
  return `${intToIp(c.base)}/${c.prefix}`;
}

export function cidrSize(c: Cidr): number {
  return 2 ** (32 - c.prefix);
}

export function containsIp(c: Cidr, ip: number): boolean {
  return (ip & mask(c.prefix)) >>> 0 === c.base;
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  const p = Math.min(a.prefix, b.prefix);
  return (a.base & mask(p)) >>> 0 === (b.base & mask(p)) >>> 0;
}

/** Parses a subnet the client gave; a 400 naming it when malformed or IPv6. */
export function requireCidr(text: string, what: string): Cidr {
  if (text.includes(':')) throw invalid('BERTH_NETWORK_IPV6', `${what} ${text}: IPv6 networks are not supported yet`);
  const c = parseCidr(text);
  if (!c) throw invalid('BERTH_NETWORK_BAD_SUBNET', `invalid CIDR address: ${text}`);
  return c;
}

/** The subnets of every `size` in a pool, in order. */
export function* poolSubnets(pool: AddressPool): Generator<Cidr> {
  const base = requireCidr(pool.base, 'default-address-pools base');
  if (pool.size < base.prefix || pool.size > 30) return;
  const step = 2 ** (32 - pool.size);
  for (let n = 0; n < cidrSize(base) / step; n++) yield { base: (base.base + n * step) >>> 0, prefix: pool.size };
}

/**
 * The first subnet from the pools that overlaps none of `taken`, searching
 * from candidate number `start` (modulo their count) and wrapping around;
 * undefined when all are taken. A daemon on another data root starts
 * elsewhere, so two daemons rarely reach for the same free subnet.
 */
export function pickSubnet(pools: readonly AddressPool[], taken: readonly Cidr[], start = 0): Cidr | undefined {
  const total = pools.reduce((n, p) => n + poolSize(p), 0);
  const from = total > 0 ? start % total : 0;
  for (const pass of [0, 1]) {
    let i = 0;
    for (const pool of pools) {
      for (const c of poolSubnets(pool)) {
        const inPass = pass === 0 ? i >= from : i < from;
        i++;
        if (inPass && !taken.some((t) => overlaps(t, c))) return c;
      }
    }
  }
  return undefined;
}

function poolSize(pool: AddressPool): number {
  const base = parseCidr(pool.base);
  return base && pool.size >= base.prefix && pool.size <= 30 ? 2 ** (pool.size - base.prefix) : 0;
}

export interface IpamNetwork {
  name: string;
  id: string;
  subnet: string;
  gateway: string;
  ipRange: string;
}

/**
 * An address for an endpoint: `requested` when given (it must lie in the
 * subnet and be free), else the first free address of the ip-range (or the
 * subnet), skipping the network and broadcast addresses, the gateway and
 * `used`. Throws Docker's errors.
 */
export function allocateIp(net: IpamNetwork, used: ReadonlySet<string>, requested: string): string {
  const subnet = parseCidr(net.subnet);
  if (!subnet) throw new EngineError('system', 'BERTH_NETWORK_NO_SUBNET', `network ${net.name} has no IPv4 subnet`);
  const first = subnet.base + 1;
  const last = subnet.base + cidrSize(subnet) - 2;
  if (requested) {
    const ip = ipToInt(requested);
    if (ip === undefined) throw invalid('BERTH_NETWORK_BAD_IP', `invalid IPv4 address: ${requested}`);
    if (!containsIp(subnet, ip) || ip < first || ip > last) {
      throw invalid('BERTH_NETWORK_IP_OUTSIDE', `Invalid address ${requested}: It does not belong to any of this network's subnets`);
    }
    if (used.has(requested) || requested === net.gateway) throw conflict('BERTH_NETWORK_IP_IN_USE', `Address already in use`);
    return requested;
  }
  const range = (net.ipRange && parseCidr(net.ipRange)) || subnet;
  const from = Math.max(first, range.base);
  const to = Math.min(last, range.base + cidrSize(range) - 1);
  for (let n = from; n <= to; n++) {
    const ip = intToIp(n);
    if (ip !== net.gateway && !used.has(ip)) return ip;
  }
  throw new EngineError('unavailable', 'BERTH_NETWORK_POOL_EXHAUSTED', `no available IPv4 addresses on this network's address pools: ${net.name} (${net.id})`);
}

/** Docker's MAC for an address: 02:42 followed by the four bytes of the IPv4 address. */
export function macFromIp(ip: string): string {
  const n = ipToInt(ip) ?? 0;
  return ['02', '42', n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].map((b) => (typeof b === 'string' ? b : b.toString(16).padStart(2, '0'))).join(':');
}

/**
 * The container's /etc/hosts, /etc/hostname and /etc/resolv.conf, written on
 * the host and bind-mounted in, as Docker writes them: at each start, when
 * the container's address is known. With host networking the host's files
 * are copied.
 */
import fsp from 'node:fs/promises';
import { readTextSync } from '../host/read-sync.js';
import type { ContainerSpec } from '../model/container.js';

export interface EtcPaths {
  hosts: string;
  hostname: string;
  resolvConf: string;
}

/** What the network gave the container: its primary address, and the resolver of a user network. */
export interface EtcNetwork {
  /** '' when the container has no address (none, or before start). */
  ip: string;
  /** aardvark-dns at the gateway of a user network; '' on the default bridge. */
  dnsServer: string;
  /** Legacy links' /etc/hosts lines (links.ts). */
  links?: string[];
}

const NO_NETWORK: EtcNetwork = { ip: '', dnsServer: '' };

/**
 * Writes the three files. The host's files are read synchronously (a read
 * of a cached file is cheaper on the loop than a thread-pool round trip);
 * the writes go through the thread pool, as a write may wait for the disk's
 * journal.
 */
export async function writeEtcFiles(paths: EtcPaths, spec: ContainerSpec, net: EtcNetwork = NO_NETWORK): Promise<void> {
  const host = spec.networkMode === 'host';
  const hostResolv = readTextSync('/etc/resolv.conf') ?? '';
  await Promise.all([
    fsp.writeFile(paths.hostname, `${spec.hostname}\n`, { mode: 0o644 }),
    fsp.writeFile(paths.hosts, host ? (readTextSync('/etc/hosts') ?? '127.0.0.1\tlocalhost\n') : hostsContent(spec, net), { mode: 0o644 }),
    fsp.writeFile(paths.resolvConf, host ? hostResolv : resolvContent(spec, net, hostResolv), { mode: 0o644 }),
  ]);
}

/** Docker's /etc/hosts: the fixed entries, --add-host entries, then the container's address and names. */
export function hostsContent(spec: ContainerSpec, net: EtcNetwork): string {
  const fqdn = spec.domainname ? `${spec.hostname}.${spec.domainname}` : spec.hostname;
  const names = fqdn === spec.hostname ? spec.hostname : `${fqdn} ${spec.hostname}`;
  const extra = (spec.extraHosts ?? []).map((entry) => {
    const at = entry.indexOf(':');
    return `${entry.slice(at + 1)}\t${entry.slice(0, at)}`;
  });
  return [
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'ff00::0\tip6-mcastprefix',
    'ff02::1\tip6-allnodes',
    'ff02::2\tip6-allrouters',
    ...extra,
    ...(net.links ?? []),
    `${net.ip || '127.0.1.1'}\t${names}`,
    '',
  ].join('\n');
}

/**
 * Docker's resolv.conf: the host's, without loopback nameservers (they would
 * point at the container itself); --dns, --dns-search and --dns-option
 * replace the host's lines of their kind. On a user network the resolver is
 * aardvark-dns at the gateway (answering container names; it forwards the
 * rest to the host's servers), followed by the --dns servers.
 */
export function resolvContent(spec: ContainerSpec, net: EtcNetwork, hostResolv: string): string {
  const lines = hostResolv.split('\n').map((l) => l.trim());
  const of = (kind: string) => lines.filter((l) => l.startsWith(`${kind} `) || l.startsWith(`${kind}\t`)).map((l) => l.slice(kind.length).trim());
  const hostServers = of('nameserver').filter((s) => !/^(127\.|::1$)/.test(s));
  let servers = spec.dns?.length ? [...spec.dns] : hostServers;
  if (net.dnsServer) servers = [net.dnsServer, ...(spec.dns ?? [])];
  else if (servers.length === 0) servers = ['8.8.8.8', '8.8.4.4'];
  const search = spec.dnsSearch?.length ? [spec.dnsSearch.join(' ')] : of('search');
  const options = spec.dnsOptions?.length ? [spec.dnsOptions.join(' ')] : of('options');
  return [...search.map((s) => `search ${s}`), ...servers.map((s) => `nameserver ${s}`), ...options.map((o) => `options ${o}`), ''].join('\n');
}

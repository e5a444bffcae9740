/**
 * The container's /etc/hosts, /etc/hostname and /etc/resolv.conf, written on
 * the host and bind-mounted in. With host networking the host's files are
 * copied; otherwise loopback nameservers are dropped (they would point at
 * the container itself).
 */
import fs from 'node:fs/promises';
import type { ContainerSpec } from './types.js';

export interface EtcPaths {
  hosts: string;
  hostname: string;
  resolvConf: string;
}

export async function writeEtcFiles(paths: EtcPaths, spec: ContainerSpec): Promise<void> {
  const fqdn = spec.domainname ? `${spec.hostname}.${spec.domainname}` : spec.hostname;
  await Promise.all([
    fs.writeFile(paths.hostname, `${spec.hostname}\n`, { mode: 0o644 }),
    fs.writeFile(paths.hosts, await hostsContent(spec, fqdn), { mode: 0o644 }),
    fs.writeFile(paths.resolvConf, await resolvContent(spec), { mode: 0o644 }),
  ]);
}

async function hostsContent(spec: ContainerSpec, fqdn: string): Promise<string> {
  if (spec.networkMode === 'host') return fs.readFile('/etc/hosts', 'utf8').catch(() => '127.0.0.1\tlocalhost\n');
  const names = fqdn === spec.hostname ? spec.hostname : `${fqdn} ${spec.hostname}`;
  return [
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'ff00::0\tip6-mcastprefix',
    'ff02::1\tip6-allnodes',
    'ff02::2\tip6-allrouters',
    `127.0.1.1\t${names}`,
    '',
  ].join('\n');
}

async function resolvContent(spec: ContainerSpec): Promise<string> {
  const host = await fs.readFile('/etc/resolv.conf', 'utf8').catch(() => '');
  if (spec.networkMode === 'host') return host;
  return host
    .split('\n')
    .filter((line) => !/^\s*nameserver\s+(127\.|::1\b)/.test(line))
    .join('\n');
}

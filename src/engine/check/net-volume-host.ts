/**
 * What the host holds of a data root's volumes and networks, read without
 * changing anything: volume directories and the mounts on them, namespace
 * files under the exec root, aardvark-dns configs in the daemon's netavark
 * config dir, and the host's bridges, veths and iptables nat chains (one
 * `ip -j -d link show` and one `iptables -t nat -S`; a missing tool reads as
 * nothing found).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { execa } from '../execa-on-demand.js';
import { hostTool } from '../host/binaries.js';
import { parseMountPoints } from '../images/rootfs.js';
import type { NetVolumeHost } from './net-volume-invariants.js';

/** Where volumes, namespaces and netavark's config of a data root / exec root are. */
export interface NetVolumePaths {
  volumesRoot: string;
  netnsDir: string;
  netavarkConfig: string;
}

export function netVolumePaths(dataRoot: string, execRoot: string): NetVolumePaths {
  return { volumesRoot: path.join(dataRoot, 'volumes'), netnsDir: path.join(execRoot, 'netns'), netavarkConfig: path.join(execRoot, 'netavark') };
}

/** aardvark-dns's config dir inside netavark's, with its pid file. */
export const aardvarkDir = (p: NetVolumePaths) => path.join(p.netavarkConfig, 'aardvark-dns');

export async function readNetVolumeHost(p: NetVolumePaths): Promise<NetVolumeHost> {
  const points = parseMountPoints(await fs.readFile('/proc/self/mountinfo', 'utf8'));
  const [volumeEntries, netnsEntries, dnsConfigs, links, natChains] = await Promise.all([
    fs.readdir(p.volumesRoot, { withFileTypes: true }).catch(() => []),
    fs.readdir(p.netnsDir, { withFileTypes: true }).catch(() => []),
    readDnsConfigs(aardvarkDir(p)),
    readLinks(),
    readNatChains(),
  ]);
  const volumeDirs = new Map(volumeEntries.filter((e) => e.isDirectory()).map((e) => [e.name, path.join(p.volumesRoot, e.name)]));
  const volumeData = new Set<string>();
  for (const [name, dir] of volumeDirs) if ((await fs.stat(path.join(dir, '_data')).catch(() => undefined))?.isDirectory()) volumeData.add(name);
  const volumeMounts = new Map<string, string[]>();
  for (const point of points.filter((m) => m.startsWith(`${p.volumesRoot}/`))) {
    const name = point.slice(p.volumesRoot.length + 1).split('/')[0];
    volumeMounts.set(name, [...(volumeMounts.get(name) ?? []), point]);
  }
  const mounted = new Set(points);
  const netnsFiles = new Map(
    netnsEntries
      .filter((e) => !e.isDirectory())
      .map((e) => [e.name, { path: path.join(p.netnsDir, e.name), mounted: mounted.has(path.join(p.netnsDir, e.name)) }]),
  );
  return { volumeDirs, volumeData, volumeMounts, netnsFiles, dnsConfigs, ...links, natChains };
}

/**
 * aardvark-dns configs: one file per network (named by its netavark name,
 * berth's network ID); the first line holds the network's DNS addresses,
 * each further line `<container id> <ipv4s> <ipv6s> <names>`. Pure.
 */
export function parseDnsConfig(text: string): string[] {
  return text
    .split('\n')
    .slice(1)
    .map((l) => l.split(' ')[0])
    .filter((id) => /^[0-9a-f]{64}$/.test(id));
}

async function readDnsConfigs(dir: string): Promise<NetVolumeHost['dnsConfigs']> {
  const out: NetVolumeHost['dnsConfigs'] = new Map();
  for (const name of await fs.readdir(dir).catch(() => [] as string[])) {
    if (!/^[0-9a-f]{64}$/.test(name)) continue; // aardvark.pid and the like
    const file = path.join(dir, name);
    out.set(name, { path: file, containers: parseDnsConfig(await fs.readFile(file, 'utf8').catch(() => '')) });
  }
  return out;
}

interface IpLink {
  ifname: string;
  master?: string;
  linkinfo?: { info_kind?: string };
}

/** Bridges and veths (with their master) from `ip -j -d link show`'s JSON. Pure. */
export function parseLinks(json: string): Pick<NetVolumeHost, 'bridges' | 'vethMasters'> {
  let links: IpLink[] = [];
  try {
    links = JSON.parse(json) as IpLink[];
  } catch {
    // no output (no ip tool): nothing found
  }
  const bridges = new Set(links.filter((l) => l.linkinfo?.info_kind === 'bridge').map((l) => l.ifname));
  const vethMasters = new Map(links.filter((l) => l.linkinfo?.info_kind === 'veth' && l.master).map((l) => [l.ifname, l.master!]));
  return { bridges, vethMasters };
}

/** A tool's stdout; '' when it is missing or fails. */
async function output(tool: 'ip' | 'iptables', args: string[]): Promise<string> {
  try {
    const res = await execa(hostTool(tool), args, { reject: false, timeout: 15_000 });
    return res.exitCode === 0 ? String(res.stdout) : '';
  } catch {
    return '';
  }
}

async function readLinks(): Promise<Pick<NetVolumeHost, 'bridges' | 'vethMasters'>> {
  return parseLinks(await output('ip', ['-j', '-d', 'link', 'show']));
}

async function readNatChains(): Promise<Set<string>> {
  return new Set(
    (await output('iptables', ['-t', 'nat', '-S']))
      .split('\n')
      .filter((l) => l.startsWith('-N '))
      .map((l) => l.slice(3).trim()),
  );
}

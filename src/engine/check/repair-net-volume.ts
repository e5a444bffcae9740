/**
 * The volume and network part of `berthd check --repair`: what the daemon's
 * startup (volume reconciliation and mount sweep, network-run teardown,
 * namespace and stale-network sweep) leaves is fixed here, each finding by
 * the smallest safe step: a namespace file unmounted and deleted, a veth
 * deleted, an aardvark-dns config rewritten without the containers it
 * should not name (and aardvark-dns told to reload), a dangling endpoint
 * row deleted. Volume data is never deleted here.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { closeDatabase, openDatabase } from '../../db/database.js';
import { NetworksRepo } from '../../db/networks-repo.js';
import { execa } from '../execa-on-demand.js';
import { hostTool } from '../host/binaries.js';
import { unmountRootfs } from '../images/rootfs.js';
import { NetnsDir } from '../networks/netns.js';
import { aardvarkDir, netVolumePaths, parseDnsConfig } from './net-volume-host.js';
import type { Finding } from './invariants.js';

export interface RepairRoots {
  dataRoot: string;
  execRoot: string;
  database: string;
}

/** Fixes one finding; a line saying what was done, or undefined when it is not of these kinds. */
export async function repairNetVolume(f: Finding, roots: RepairRoots): Promise<string | undefined> {
  const where = f.paths ?? [];
  switch (f.kind) {
    case 'orphan-netns': {
      const netns = new NetnsDir(roots.execRoot);
      for (const file of where) await netns.remove(file);
      return `removed network namespace ${where.join(', ')}`;
    }
    case 'orphan-veth':
      for (const link of where) await runTool('ip', ['link', 'del', link]);
      return `deleted veth ${where.join(', ')}`;
    case 'stale-volume-mount':
      for (const point of where) await unmountRootfs(point, { userMount: true });
      return `unmounted ${where.join(', ')}`;
    case 'orphan-dns-config':
    case 'stale-dns-entry':
      for (const file of where) await rewriteDnsConfig(file, f.kind === 'orphan-dns-config' ? undefined : f.subject);
      await reloadAardvark(roots);
      return f.kind === 'orphan-dns-config' ? `removed ${where.join(', ')}` : `removed container ${f.subject.slice(0, 12)} from ${where.join(', ')}`;
    case 'orphan-endpoint':
      return removeEndpoint(roots.database, f.subject);
    default:
      return undefined;
  }
}

async function runTool(tool: 'ip', args: string[]): Promise<void> {
  const res = await execa(hostTool(tool), args, { reject: false, timeout: 15_000 });
  if (res.exitCode !== 0) throw new Error(`${tool} ${args.join(' ')}: ${String(res.stderr).trim()}`);
}

/** Drops `containerId`'s line (all of the file when undefined, or when no container is left in it). */
async function rewriteDnsConfig(file: string, containerId: string | undefined): Promise<void> {
  const text = await fs.readFile(file, 'utf8').catch(() => '');
  const [head, ...lines] = text.split('\n');
  const kept = lines.filter((l) => l !== '' && containerId !== undefined && l.split(' ')[0] !== containerId);
  if (kept.length === 0 || parseDnsConfig([head, ...kept].join('\n')).length === 0) await fs.rm(file, { force: true });
  else await fs.writeFile(file, `${[head, ...kept].join('\n')}\n`);
}

/** SIGHUP makes aardvark-dns re-read its configs (netavark does the same); only the one of this exec root. */
async function reloadAardvark(roots: RepairRoots): Promise<void> {
  const dir = aardvarkDir(netVolumePaths(roots.dataRoot, roots.execRoot));
  const pid = Number((await fs.readFile(path.join(dir, 'aardvark.pid'), 'utf8').catch(() => '')).trim());
  if (!(pid > 0)) return;
  const cmdline = await fs.readFile(`/proc/${pid}/cmdline`, 'latin1').catch(() => '');
  if (cmdline.includes('aardvark') && cmdline.includes(dir)) process.kill(pid, 'SIGHUP');
}

function removeEndpoint(database: string, subject: string): string {
  const [containerId, networkId] = subject.split('/');
  const db = openDatabase(database);
  try {
    new NetworksRepo(db).removeEndpoint(containerId, networkId);
  } finally {
    closeDatabase(db);
  }
  return `deleted the endpoint of ${containerId.slice(0, 12)} on network ${networkId.slice(0, 12)}`;
}

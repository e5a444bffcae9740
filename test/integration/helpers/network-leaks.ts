/**
 * Network leaks of one test daemon: the Linux bridges of its networks and
 * the anchors that keep them (keep-bridge.ts), and
 * iptables rules that name one of its subnets or network IDs (netavark's
 * per-network chains hang off POSTROUTING rules with the subnet; its port
 * forwards carry the container and network in a comment). The daemon's
 * networks are read from its stopped database. Only those names and
 * subnets are ever touched, never another engine's.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { anchorNames } from '../../../src/engine/networks/keep-bridge.js';
import { netavarkChains } from '../../../src/engine/networks/stale-sweep.js';

export interface OwnNetwork {
  id: string;
  bridge: string;
  subnet: string;
}

/** The bridge networks recorded in a (stopped) daemon's database. */
export function ownNetworks(dataRoot: string): OwnNetwork[] {
  const file = path.join(dataRoot, 'berth.db');
  if (!fs.existsSync(file)) return [];
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      return db.prepare("SELECT id, interface AS bridge, subnet FROM networks WHERE driver = 'bridge'").all() as OwnNetwork[];
    } finally {
      db.close();
    }
  } catch {
    return []; // a database from before networks
  }
}

const linkExists = (name: string) => spawnSync('ip', ['link', 'show', 'dev', name], { stdio: 'ignore' }).status === 0;

function rules(table: string): string[] {
  const r = spawnSync('iptables', ['-t', table, '-S'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.split('\n').filter(Boolean) : [];
}

const mentions = (rule: string, n: OwnNetwork) =>
  rule.includes(` ${n.subnet} `) || rule.endsWith(` ${n.subnet}`) || rule.includes(n.id) || netavarkChains(n.id).some((c) => rule.split(' ').includes(c));

/** What of the daemon's networks is still on the host; [] means clean. */
export function findNetworkLeaks(dataRoot: string): string[] {
  return ownNetworks(dataRoot).flatMap(hostTraces);
}

/** What of one network is on the host: its bridge, its anchor, iptables rules naming it. */
export function hostTraces(n: OwnNetwork): string[] {
  const leaks: string[] = [];
  if (n.bridge && linkExists(n.bridge)) leaks.push(`bridge ${n.bridge}`);
  if (linkExists(anchorNames(n.id).anchor)) leaks.push(`anchor ${anchorNames(n.id).anchor}`);
  for (const table of ['nat', 'filter']) {
    for (const rule of rules(table)) if (mentions(rule, n)) leaks.push(`iptables -t ${table} ${rule}`);
  }
  return leaks;
}

/** Removes the bridges and the rules (and the chains they jump to) that findNetworkLeaks reports. */
export function reapNetworkLeaks(dataRoot: string): void {
  for (const n of ownNetworks(dataRoot)) {
    if (n.bridge && linkExists(n.bridge)) tryRun('ip', ['link', 'del', n.bridge]);
    if (linkExists(anchorNames(n.id).anchor)) tryRun('ip', ['link', 'del', anchorNames(n.id).anchor]);
    for (const table of ['nat', 'filter']) {
      for (const rule of rules(table).filter((r) => r.startsWith('-A ') && mentions(r, n))) {
        tryRun('iptables', [
          '-t',
          table,
          '-D',
          ...rule
            .slice(3)
            .match(/"[^"]*"|\S+/g)!
            .map((w) => w.replace(/^"|"$/g, '')),
        ]);
      }
      for (const chain of netavarkChains(n.id)) {
        tryRun('iptables', ['-t', table, '-F', chain]);
        tryRun('iptables', ['-t', table, '-X', chain]);
      }
    }
  }
}

function tryRun(cmd: string, args: string[]): void {
  try {
    execFileSync(cmd, args, { stdio: 'ignore', timeout: 15_000 });
  } catch {
    // best effort: findNetworkLeaks afterwards tells what is left
  }
}

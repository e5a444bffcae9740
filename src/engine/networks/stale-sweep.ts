/**
 * What is left of a network without running containers: its kept bridge
 * with the anchor on it (keep-bridge.ts), the bridge's FORWARD rules in
 * netavark's NETAVARK_FORWARD chain and the network's two nat chains; also
 * what a reboot (or an exec root wiped under live state) leaves. netavark
 * 1.4 names those chains NETAVARK-<h> and NETAVARK-DN-<h>, h = the first 13
 * upper-hex digits of SHA-512 of the network's netavark name (berth's
 * network ID), and its FORWARD rules name the network's subnet, so only
 * this daemon's own rules are ever touched. Best effort: failures are logged.
 */
import { createHash } from 'node:crypto';
import { runHost } from '../host/spawner.js';
import { hostTool } from '../host/binaries.js';
import type { NetworkContext } from './context.js';
import { anchorNames } from './keep-bridge.js';
import { inNetavarkQueue } from './netavark.js';
import type { NetworkRecord } from '../model/network.js';

export function netavarkChains(networkId: string): string[] {
  const h = createHash('sha512').update(networkId).digest('hex').toUpperCase().slice(0, 13);
  return [`NETAVARK-${h}`, `NETAVARK-DN-${h}`];
}

/** Names in `ip -j link show`'s JSON ('' or bad JSON → none). Pure. */
export function linkNames(json: string): string[] {
  try {
    return (JSON.parse(json) as Array<{ ifname?: string }>).flatMap((l) => (l.ifname ? [l.ifname.replace(/@.*$/, '')] : []));
  } catch {
    return [];
  }
}

const run = (tool: 'ip' | 'iptables', args: string[]) => runHost(hostTool(tool), args, { timeoutMs: 15_000 });

/**
 * Removes the bridge and chains of every bridge network (of `only`, when
 * given) that no running container uses. Runs in the netavark queue, so no
 * setup is under way meanwhile; a setup records its run before it queues,
 * so a network about to be used counts as used.
 */
export function sweepStaleNetworks(ctx: NetworkContext, only?: ReadonlySet<string>): Promise<void> {
  return inNetavarkQueue(ctx.bin, () => sweepNow(ctx, only));
}

async function sweepNow(ctx: NetworkContext, only: ReadonlySet<string> | undefined): Promise<void> {
  const inUse = new Set(ctx.repo.allRuns().flatMap((r) => Object.keys(r.setup.networks)));
  const stale = ctx.repo.all().filter((n) => n.driver === 'bridge' && !inUse.has(n.id) && (!only || only.has(n.id)));
  if (stale.length === 0) return;
  const nat = (await run('iptables', ['-t', 'nat', '-S'])).stdout.split('\n');
  const forward = (await run('iptables', ['-S', FORWARD_CHAIN])).stdout.split('\n');
  for (const n of stale) await sweepOne(ctx, n, nat, forward);
}

/**
 * Deletes network `networkId`'s two nat chains and the rules that jump to
 * them, given `iptables -t nat -S` as lines. Also used by the benchmark's
 * netavark floor.
 */
export async function removeNetavarkChains(networkId: string, nat: string[]): Promise<void> {
  const chains = netavarkChains(networkId);
  for (const rule of nat.filter((r) => r.startsWith('-A ') && chains.some((c) => r.endsWith(` -j ${c}`) && !r.startsWith(`-A ${c} `)))) {
    await run('iptables', ['-t', 'nat', ...deleteArgs(rule)]);
  }
  for (const chain of chains.filter((c) => nat.includes(`-N ${c}`))) {
    await run('iptables', ['-t', 'nat', '-F', chain]);
    await run('iptables', ['-t', 'nat', '-X', chain]);
  }
}

/** `iptables -D` arguments that delete the rule an `iptables -S` line ("-A <chain> …") shows; quoted words (comments) kept whole. Pure. */
export function deleteArgs(rule: string): string[] {
  const words = rule.slice(3).match(/"[^"]*"|\S+/g) ?? [];
  return ['-D', ...words.map((w) => w.replace(/^"|"$/g, ''))];
}

/** netavark's filter chain, where each bridge network has two ACCEPT rules naming its subnet. */
const FORWARD_CHAIN = 'NETAVARK_FORWARD';

/** The rules of `iptables -S NETAVARK_FORWARD` (as lines) that name `subnet` as source or destination. Pure. */
export function forwardRulesOf(subnet: string, lines: string[]): string[] {
  return lines.filter((r) => r.startsWith(`-A ${FORWARD_CHAIN} `) && (r.includes(` -s ${subnet} `) || r.includes(` -d ${subnet} `)));
}

async function sweepOne(ctx: NetworkContext, n: NetworkRecord, nat: string[], forward: string[]): Promise<void> {
  ctx.keptBridges.delete(n.id);
  await removeNetavarkChains(n.id, nat);
  if (n.subnet) for (const rule of forwardRulesOf(n.subnet, forward)) await run('iptables', deleteArgs(rule));
  // The anchor, also when its bridge is already gone.
  await run('ip', ['link', 'del', anchorNames(n.id).anchor]);
  if ((await run('ip', ['link', 'show', 'dev', n.bridge])).exitCode === 0) {
    // Host ends of veths still on the bridge (their namespace outlived its run) would outlive the bridge.
    for (const veth of linkNames((await run('ip', ['-j', 'link', 'show', 'master', n.bridge])).stdout)) await run('ip', ['link', 'del', veth]);
    const res = await run('ip', ['link', 'del', n.bridge]);
    if (res.exitCode !== 0) ctx.log.warn({ bridge: n.bridge, stderr: res.stderr }, 'removing a stale bridge');
  }
}

/**
 * Kept bridges. netavark 1.4 removes a network's bridge and its firewall
 * rules when the last container's veth leaves it (its "complete teardown")
 * and makes them again at the next setup: most of a teardown's time (about
 * 130 of 170 ms here) for every container that is alone on its network, as
 * in a run of `docker run --rm` on the default bridge. Docker keeps a
 * network's bridge as long as the network exists, and so does berth: after
 * the first setup on a network, an anchor is enslaved to its bridge, so
 * netavark never finds it empty. The anchor is a veth pair with both ends
 * in the host, down (not every kernel has the dummy link type), named from
 * the network ID, so two daemons never share one. berth removes the anchor,
 * the bridge and the network's rules itself (stale-sweep.ts) when the
 * network is removed, at a clean shutdown and at startup, for every network
 * no running container uses.
 */
import { runHost } from '../host/spawner.js';
import { hostTool } from '../host/binaries.js';
import type { NetworkContext } from './context.js';
import { inNetavarkQueue } from './netavark.js';
import type { NetworkRecord } from '../model/network.js';

/** The anchor's two ends: "bk-" / "bp-" + 12 hex of the network ID (15 characters, Linux's limit). */
export function anchorNames(networkId: string): { anchor: string; peer: string } {
  const short = networkId.slice(0, 12);
  return { anchor: `bk-${short}`, peer: `bp-${short}` };
}

const ip = (args: string[]) => runHost(hostTool('ip'), args, { timeoutMs: 10_000 });

/**
 * After a setup: anchors the bridges of `networks` not yet anchored by this
 * daemon process (an anchor left by an earlier one is reused). Best effort:
 * without an anchor netavark removes the bridge as before.
 */
export async function keepBridges(ctx: NetworkContext, networks: NetworkRecord[]): Promise<void> {
  const missing = networks.filter((n) => n.driver === 'bridge' && n.bridge && !ctx.keptBridges.has(n.id));
  if (missing.length === 0) return;
  // In the netavark queue: a sweep never removes the bridge between the two calls.
  await inNetavarkQueue(ctx.bin, async () => {
    for (const n of missing) {
      const { anchor, peer } = anchorNames(n.id);
      await ip(['link', 'add', anchor, 'type', 'veth', 'peer', 'name', peer]);
      const res = await ip(['link', 'set', anchor, 'master', n.bridge]);
      if (res.exitCode === 0) ctx.keptBridges.add(n.id);
      else ctx.log.warn({ network: n.id, bridge: n.bridge, stderr: res.stderr }, 'anchoring a bridge');
    }
  });
}

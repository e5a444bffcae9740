/**
 * lifecycle-bridge: create → start → wait → remove of `true` on the engine's
 * default bridge network, alternating run by run with the same lifecycle on
 * `NetworkMode: none`, so both see the same machine; p50/p90/p99 of the
 * bridged one, each step's p50, the p50 of the unbridged one and the
 * difference ("the bridge adds"). Engines: those with a `bridge` network
 * (berth and podman: netavark; the bench's dockerd runs with --bridge=none
 * and is skipped in setup), and the fair floor, whose bridged lifecycle runs
 * `netavark setup` / `teardown` alone on a namespace of its own with the
 * JSON berth's builder makes from berth's default network (netavark-floor.ts):
 * its "bridge adds" is what netavark costs with no daemon.
 */
import type { DockerClient } from '../docker-client.js';
import type { BridgeTemplate } from '../netavark-floor.js';
import { percentile, percentiles } from '../stats.js';
import { daemonCpu, oneLifecycle } from './lifecycle.js';
import type { RoundResult, Scenario, Target } from './types.js';

const STEPS = ['create', 'start', 'wait', 'remove'] as const;

interface NetworkInspect {
  IPAM?: { Config?: Array<{ Subnet?: string }> };
  Options?: Record<string, string>;
}

/** `berth` gives the bench berthd's client: the floor copies its default network's options. */
export function lifecycleBridgeScenario(runs: number, berth: () => DockerClient): Scenario {
  return {
    name: 'lifecycle-bridge',
    applies: (t) => t.floor === undefined || t.name === 'floor',
    async setup(t) {
      if (t.floor) {
        const n = await berth().call<NetworkInspect>('GET', '/networks/bridge');
        const template: BridgeTemplate = { subnet: n.IPAM?.Config?.[0]?.Subnet ?? '', options: n.Options ?? {} };
        await t.floor.enableBridge(template);
        return;
      }
      // dockerd with --bridge=none has no such network: 404, and the engine sits this scenario out.
      await t.client!.call('GET', '/networks/bridge');
    },
    async round(t: Target): Promise<RoundResult> {
      const samples: Record<string, number[]> = { bridge: [], none: [], create: [], start: [], wait: [], remove: [] };
      let cpuMs = 0;
      for (let i = 0; i < runs; i++) {
        const cpu = daemonCpu(t);
        const step = await oneLifecycle(t, 'bridge');
        cpuMs += cpu();
        for (const s of STEPS) samples[s].push(step[s]);
        samples.bridge.push(STEPS.reduce((sum, s) => sum + step[s], 0));
        const none = await oneLifecycle(t, 'none');
        samples.none.push(STEPS.reduce((sum, s) => sum + none[s], 0));
      }
      const metrics = { ...percentiles('bridge lifecycle ms', samples.bridge) };
      for (const s of STEPS) metrics[`  bridge ${s} ms p50`] = percentile(samples[s], 50);
      metrics['  none lifecycle (same run) ms p50'] = percentile(samples.none, 50);
      metrics['  the bridge adds ms p50'] = percentile(samples.bridge, 50) - percentile(samples.none, 50);
      if (t.pid) metrics['  bridge daemon CPU ms/lifecycle'] = cpuMs / runs;
      return { metrics, samples };
    },
  };
}

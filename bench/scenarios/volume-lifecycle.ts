/**
 * volume-lifecycle: create → start → wait → remove of `true` with one named
 * volume mounted (`Binds: ["<vol>:/data"]`), alternating run by run with the
 * same lifecycle without it, so both see the same machine; p50/p90/p99 of
 * each and the p50 difference ("a volume adds"). API engines only; the
 * volume is made in setup and removed in teardown.
 */
import { ApiDriver } from '../driver.js';
import { msSince, percentile, percentiles } from '../stats.js';
import type { RoundResult, Scenario, Target } from './types.js';

const volumeName = (t: Target) => `bench-vol-${(t.driver as ApiDriver).runId}`;

async function lifecycle(t: Target, binds: string[]): Promise<number> {
  const d = t.driver as ApiDriver;
  const t0 = process.hrtime.bigint();
  const id = await t.client!.create({ Image: d.image, Cmd: ['true'], Labels: { 'berth.bench': d.runId }, HostConfig: { NetworkMode: 'none', Binds: binds } });
  d.live.add(id);
  await t.client!.start(id);
  const code = await t.client!.wait(id);
  await d.remove(id);
  const ms = msSince(t0);
  if (code !== 0) throw new Error(`${t.name}: \`true\` exited with ${code}`);
  return ms;
}

export function volumeLifecycleScenario(runs = 30): Scenario {
  return {
    name: 'volume-lifecycle',
    applies: (t) => t.client !== undefined && t.driver instanceof ApiDriver,
    async setup(t) {
      await t.client!.call('POST', '/volumes/create', { Name: volumeName(t) });
    },
    async round(t: Target): Promise<RoundResult> {
      const withVolume: number[] = [];
      const without: number[] = [];
      for (let i = 0; i < runs; i++) {
        withVolume.push(await lifecycle(t, [`${volumeName(t)}:/data`]));
        without.push(await lifecycle(t, []));
      }
      const metrics = {
        ...percentiles('lifecycle+volume ms', withVolume),
        ...percentiles('lifecycle (same run, no volume) ms', without),
        'a volume adds ms p50': percentile(withVolume, 50) - percentile(without, 50),
      };
      return { metrics, samples: { withVolume, without } };
    },
    async teardown(t) {
      await t.client!.call('DELETE', `/volumes/${volumeName(t)}`);
    },
  };
}

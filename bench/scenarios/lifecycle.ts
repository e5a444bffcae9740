/**
 * lifecycle: create → start → wait → remove of `true` (NetworkMode none),
 * sequentially, N runs per round; p50/p90/p99 of the whole and of each step.
 * The same on the bridge network is lifecycle-bridge.ts.
 */
import { cpuMs, engineCpuMs } from '../proc.js';
import { msSince, percentiles } from '../stats.js';
import type { RoundResult, Scenario, Target } from './types.js';

const STEPS = ['create', 'start', 'wait', 'remove'] as const;

export function lifecycleScenario(runs = 30): Scenario {
  return {
    name: 'lifecycle',
    applies: () => true,
    async round(t: Target): Promise<RoundResult> {
      const samples: Record<string, number[]> = { lifecycle: [], create: [], start: [], wait: [], remove: [] };
      const cpu = daemonCpu(t);
      const mainCpu = daemonMainCpu(t);
      for (let i = 0; i < runs; i++) {
        const step = await oneLifecycle(t);
        for (const s of STEPS) samples[s].push(step[s]);
        samples.lifecycle.push(STEPS.reduce((sum, s) => sum + step[s], 0));
      }
      const metrics = { ...percentiles('lifecycle ms', samples.lifecycle) };
      for (const s of STEPS) Object.assign(metrics, { [`  ${s} ms p50`]: percentiles('', samples[s])[' p50'] });
      if (t.pid) metrics['  daemon CPU ms/lifecycle'] = cpu() / runs;
      if (t.pid) metrics['    of which its main process'] = mainCpu() / runs;
      return { metrics, samples };
    },
  };
}

/**
 * Starts counting the engine daemon's own CPU (user + system of its
 * processes, children excluded: conmon, runc, mount are not the daemon's);
 * the returned function gives the ms used since. NaN without a pid.
 */
export function daemonCpu(t: Target): () => number {
  const pid = t.pid?.();
  if (!pid) return () => NaN;
  const before = engineCpuMs(pid);
  return () => engineCpuMs(pid) - before;
}

/** The same for the daemon's main process alone (berthd without its spawn helper, dockerd without containerd). */
export function daemonMainCpu(t: Target): () => number {
  const pid = t.pid?.();
  if (!pid) return () => NaN;
  const before = cpuMs(pid);
  return () => cpuMs(pid) - before;
}

/**
 * One create → start → wait → remove of `true`; the milliseconds of each
 * step. Throws on a non-zero exit. `onCreate` learns the id as soon as create answers.
 */
export async function oneLifecycle(t: Target, networkMode?: string, onCreate?: (id: string) => void): Promise<Record<(typeof STEPS)[number], number>> {
  let t0 = process.hrtime.bigint();
  const id = await t.driver.create(['true'], networkMode ? { networkMode } : undefined);
  onCreate?.(id);
  const create = msSince(t0);
  t0 = process.hrtime.bigint();
  await t.driver.start(id);
  const start = msSince(t0);
  t0 = process.hrtime.bigint();
  const code = await t.driver.wait(id);
  const wait = msSince(t0);
  t0 = process.hrtime.bigint();
  await t.driver.remove(id);
  const remove = msSince(t0);
  if (code !== 0) throw new Error(`${t.name}: \`true\` exited with ${code}`);
  return { create, start, wait, remove };
}

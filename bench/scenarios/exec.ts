/**
 * exec: in a running `sleep` container, exec create + attached start of
 * `true` + exec inspect, N times; p50. The floor runs `runc exec` instead.
 * An engine that answers exec create with 404/501 is reported "not supported".
 */
import { msSince, percentile } from '../stats.js';
import type { Scenario, Target } from './types.js';

/** Untimed execs first on every engine (the first ones also load code and warm caches). */
const WARMUP = 3;

export function execScenario(samples = 30): Scenario {
  const running = new Map<string, string>();
  return {
    name: 'exec',
    applies: () => true,
    async setup(t: Target) {
      const id = await t.driver.create(['sleep', '3600']);
      running.set(t.name, id);
      await t.driver.start(id);
    },
    async round(t: Target) {
      const id = running.get(t.name)!;
      const times: number[] = [];
      for (let i = -WARMUP; i < samples; i++) {
        const t0 = process.hrtime.bigint();
        if (t.floor) {
          await t.floor.runcExec(id, ['true']);
        } else {
          const res = await t.client!.exec(id, ['true']);
          if (res === 'unsupported') return { metrics: { 'exec ms p50': NaN }, note: 'exec: not supported' };
          if (res.exitCode !== 0) throw new Error(`${t.name}: exec true exited with ${res.exitCode}`);
        }
        if (i >= 0) times.push(msSince(t0));
      }
      return { metrics: { 'exec ms p50': percentile(times, 50) }, samples: { exec: times } };
    },
    async teardown(t: Target) {
      const id = running.get(t.name);
      if (!id) return;
      if (t.client) await t.client.remove(id, true);
      else await t.driver.remove(id);
      running.delete(t.name);
    },
  };
}

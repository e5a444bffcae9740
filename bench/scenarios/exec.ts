/**
 * exec: in a running `sleep` container, exec create + attached start of
 * `true` + exec inspect, N times; p50. The floor runs `runc exec` instead.
 * An engine that answers exec create with 404/501 is reported "not supported".
 */
import { msSince, percentile } from '../stats.js';
import { sleeperScenario } from './sleeper.js';
import type { Scenario, Target } from './types.js';

/** Untimed execs first on every engine (the first ones also load code and warm caches). */
const WARMUP = 3;

export function execScenario(samples = 30): Scenario {
  return sleeperScenario('exec', {}, async (t: Target, id: string) => {
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
  });
}

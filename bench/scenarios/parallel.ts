/**
 * parallel: N lifecycles with W in flight; containers per second over the
 * whole batch, the daemon's own CPU per lifecycle, and (berthd) its
 * event-loop delay over the batch.
 */
import { runPool } from '../driver.js';
import { msSince } from '../stats.js';
import { daemonCpu, oneLifecycle } from './lifecycle.js';
import type { Metrics, Scenario } from './types.js';

export function parallelScenario(total = 40, width = 8): Scenario {
  return {
    name: 'parallel',
    applies: () => true,
    async round(t) {
      await t.loopDelay?.(); // starts the span
      const cpu = daemonCpu(t);
      const t0 = process.hrtime.bigint();
      await runPool(Array.from({ length: total }), width, () => oneLifecycle(t));
      const metrics: Metrics = { [`parallel ${total}@${width} /s`]: total / (msSince(t0) / 1000) };
      if (t.pid) metrics['  parallel daemon CPU ms/lifecycle'] = cpu() / total;
      const delay = await t.loopDelay?.();
      if (delay)
        Object.assign(metrics, {
          '  parallel loop delay p50 ms': delay.p50,
          '  parallel loop delay p99 ms': delay.p99,
          '  parallel loop delay max ms': delay.max,
        });
      return { metrics };
    },
  };
}

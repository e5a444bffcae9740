/** parallel: N lifecycles with W in flight; containers per second over the whole batch. */
import { runPool } from '../driver.js';
import { msSince } from '../stats.js';
import { oneLifecycle } from './lifecycle.js';
import type { Scenario } from './types.js';

export function parallelScenario(total = 40, width = 8): Scenario {
  return {
    name: 'parallel',
    applies: () => true,
    async round(t) {
      const t0 = process.hrtime.bigint();
      await runPool(Array.from({ length: total }), width, () => oneLifecycle(t));
      return { metrics: { [`parallel ${total}@${width} /s`]: total / (msSince(t0) / 1000) } };
    },
  };
}

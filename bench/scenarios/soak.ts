/**
 * soak (only when asked for: `--only soak`): `total` lifecycles, 8 in
 * flight, on the engines with a daemon process; the daemon's RSS after the
 * first `first` and after all of them. Growth between the two is what a
 * long-running daemon keeps per container it has seen (a leak, or a cache
 * without bound). Runs in the first round only: it is long.
 */
import { runPool } from '../driver.js';
import { engineRssMiB } from '../proc.js';
import { oneLifecycle } from './lifecycle.js';
import type { Scenario } from './types.js';

export function soakScenario(total: number, first = Math.round(total / 10), width = 8): Scenario {
  return {
    name: 'soak',
    applies: (t) => t.pid !== undefined,
    async round(t, round) {
      if (round > 0) return { metrics: {} };
      const rss = () => engineRssMiB(t.pid?.() ?? 0);
      await runPool(Array.from({ length: first }), width, () => oneLifecycle(t));
      const early = rss();
      await runPool(Array.from({ length: total - first }), width, () => oneLifecycle(t));
      const late = rss();
      return {
        metrics: {
          [`RSS after ${first} lifecycles MiB`]: early,
          [`RSS after ${total} lifecycles MiB`]: late,
          [`  RSS growth ${first}→${total} MiB`]: late - early,
        },
      };
    },
  };
}

/**
 * soak (only when asked for: `--only soak`): `total` lifecycles, 8 in
 * flight, on the engines with a daemon process; the daemon's RSS after the
 * first `first` and after all of them, each read twice: at once ("busy":
 * it includes whatever garbage the runtime has not collected yet, which
 * swings by tens of MiB with the collector's phase) and once settled
 * (settle.ts, as the idle figure of the memory scenario: 15 s without
 * requests, and berthd's spawn helper gone). The busy figure counts the
 * spawn helper too while it lives (a node process of about 45 MiB that
 * berthd lets go 30 s after its last use), so it is also given for the
 * daemon's main process alone.
 * Growth between the settled figures is what a long-running daemon keeps
 * per container it has seen (a leak, or a cache without bound). Its open
 * fds before, after `first` and after all: a leaked fd per container shows
 * as growth. Runs in the first round only: it is long.
 */
import { runPool } from '../driver.js';
import { engineFds, engineRssMiB, rssKiB } from '../proc.js';
import { settle as settleEngine } from '../settle.js';
import { oneLifecycle } from './lifecycle.js';
import type { RoundResult, Scenario } from './types.js';

export function soakScenario(total: number, first = Math.round(total / 10), width = 8): Scenario {
  return {
    name: 'soak',
    applies: (t) => t.pid !== undefined,
    async round(t, round): Promise<RoundResult> {
      if (round > 0) return { metrics: {} };
      const rss = () => engineRssMiB(t.pid?.() ?? 0);
      const mainRss = () => rssKiB(t.pid?.() ?? 0) / 1024;
      const fds = () => engineFds(t.pid?.() ?? 0);
      const settle = () => settleEngine(t.name === 'berth' ? () => t.pid?.() : () => undefined);
      const fdsBefore = fds();
      await runPool(Array.from({ length: first }), width, () => oneLifecycle(t));
      const earlyBusy = rss();
      const earlyBusyMain = mainRss();
      await settle();
      const early = rss();
      const earlyMemory = (await t.loopDelay?.())?.memory;
      const fdsEarly = fds();
      await runPool(Array.from({ length: total - first }), width, () => oneLifecycle(t));
      const lateBusy = rss();
      const lateBusyMain = mainRss();
      await settle();
      const late = rss();
      const lateMemory = (await t.loopDelay?.())?.memory;
      return {
        metrics: {
          [`RSS after ${first} lifecycles, busy MiB`]: earlyBusy,
          [`  main process alone after ${first}, busy MiB`]: earlyBusyMain,
          [`RSS after ${total} lifecycles, busy MiB`]: lateBusy,
          [`  main process alone after ${total}, busy MiB`]: lateBusyMain,
          [`RSS after ${first} lifecycles, settled MiB`]: early,
          [`RSS after ${total} lifecycles, settled MiB`]: late,
          [`  RSS growth ${first}→${total}, settled MiB`]: late - early,
          ...(earlyMemory && lateMemory
            ? {
                [`  of which V8 heap used MiB`]: lateMemory.heap - earlyMemory.heap,
                [`  of which external + array buffers MiB`]: lateMemory.native - earlyMemory.native,
              }
            : {}),
          'open fds before': fdsBefore,
          [`open fds after ${first} lifecycles`]: fdsEarly,
          [`open fds after ${total} lifecycles`]: fds(),
        },
      };
    },
  };
}

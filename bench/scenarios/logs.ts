/**
 * logs: a container writes exactly PAYLOAD bytes to stdout (100-byte lines
 * from `yes | head -c`); the log is followed from the container's start to
 * its end (MB/s of the whole, writing included), then read again after the
 * exit without follow (MB/s of the daemon's log serving alone). Both byte
 * counts must equal PAYLOAD after de-framing, or the round fails.
 */
import { msSince } from '../stats.js';
import type { Scenario } from './types.js';

export const LOG_PAYLOAD = 50_000_000;
const LINE = 'x'.repeat(99);

export function logsScenario(payload = LOG_PAYLOAD): Scenario {
  return {
    name: 'logs',
    applies: (t) => t.name !== 'floor-min',
    async round(t) {
      const id = await t.driver.create(['sh', '-c', `yes ${LINE} | head -c ${payload}`]);
      try {
        let t0 = process.hrtime.bigint();
        await t.driver.start(id);
        const followed = await t.driver.followLogs(id);
        const followMs = msSince(t0);
        await t.driver.wait(id);
        t0 = process.hrtime.bigint();
        const read = await t.driver.readLogs(id);
        const readMs = msSince(t0);
        for (const [what, n] of [
          ['follow', followed],
          ['read', read],
        ] as const) {
          if (n !== payload) throw new Error(`${t.name}: logs ${what} delivered ${n} bytes, expected ${payload}`);
        }
        return { metrics: { 'logs follow MB/s': payload / 1e3 / followMs, 'logs read (after exit) MB/s': payload / 1e3 / readMs } };
      } finally {
        await t.driver.remove(id);
      }
    },
  };
}

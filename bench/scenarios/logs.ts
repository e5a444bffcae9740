/**
 * logs: a container writes exactly PAYLOAD bytes to stdout (100-byte lines
 * from `yes | head -c`); the log is followed from the container's start to
 * its end (MB/s of the whole, writing included), then read again after the
 * exit without follow (MB/s of the daemon's log serving alone). Both byte
 * counts must equal PAYLOAD after de-framing, or the round fails.
 *
 * logs-rotated: the same with `--log-opt max-size=8m --log-opt max-file=20`,
 * so the engine rotates the log about ten times during the burst; every
 * byte must still reach the follower (and the kept files hold them all).
 * The floor reads conmon's unrotated file, as for logs.
 */
import { msSince } from '../stats.js';
import type { Scenario } from './types.js';

export const LOG_PAYLOAD = 50_000_000;
const LINE = 'x'.repeat(99);

/** json-file options of logs-rotated: ~72 MB of k8s-file records in 8 MiB files, all kept. */
const ROTATE = { 'max-size': '8m', 'max-file': '20' };

export function logsScenario(payload = LOG_PAYLOAD, rotated = false): Scenario {
  const label = rotated ? 'logs follow (rotated 8m×20)' : 'logs follow';
  return {
    name: rotated ? 'logs-rotated' : 'logs',
    applies: (t) => t.name !== 'floor-min',
    async round(t) {
      const id = await t.driver.create(['sh', '-c', `yes ${LINE} | head -c ${payload}`], rotated ? { logOpts: ROTATE } : {});
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
        return { metrics: { [`${label} MB/s`]: payload / 1e3 / followMs, [`${label.replace('follow', 'read')} (after exit) MB/s`]: payload / 1e3 / readMs } };
      } finally {
        await t.driver.remove(id);
      }
    },
  };
}

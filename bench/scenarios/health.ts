/**
 * health: a `sleep` container with the health check `["CMD", "true"]` every
 * INTERVAL_MS. Each round polls inspect until PROBES new State.Health.Log
 * entries have appeared (the log keeps 5; the poll is faster than 5
 * intervals, so none is missed) and reports, per probe:
 *  - probe ms p50: End − Start of the log entry, the engine's own timing of
 *    one probe (dockerd: exec create to exit seen; berth: the same span);
 *  - daemon CPU ms/probe: the daemon's CPU (children such as conmon, runc,
 *    shims excluded) over the round ÷ probes in it; includes the polls
 *    (one inspect per POLL_MS).
 */
import { percentile } from '../stats.js';
import { daemonCpu } from './lifecycle.js';
import { sleeperScenario } from './sleeper.js';
import type { Scenario, Target } from './types.js';

const INTERVAL_MS = 250;
const POLL_MS = 500;
const PROBES = 20;

interface LogEntry {
  Start: string;
  End: string;
  ExitCode: number;
}

/** An RFC 3339 time with up to nanoseconds → ms since the epoch, keeping the sub-millisecond digits. */
export function rfc3339Ms(s: string): number {
  const m = /^(.*?:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(s);
  if (!m) return NaN;
  return Date.parse(m[1] + m[3]) + Number(`0.${m[2] ?? '0'}`) * 1000;
}

export function healthScenario(): Scenario {
  const config = { Healthcheck: { Test: ['CMD', 'true'], Interval: INTERVAL_MS * 1e6, Timeout: 10e9, Retries: 3 } };
  return sleeperScenario('health', { apiOnly: true, config }, async (t: Target, id: string) => {
    const seen = new Map<string, number>();
    const first = new Set((await health(t, id)).map((e) => e.Start));
    const cpu = daemonCpu(t);
    const deadline = Date.now() + PROBES * INTERVAL_MS * 20;
    while (seen.size < PROBES) {
      if (Date.now() > deadline) throw new Error(`${t.name}: only ${seen.size} health probes in ${PROBES * INTERVAL_MS * 20} ms`);
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      for (const e of await health(t, id)) {
        if (first.has(e.Start) || seen.has(e.Start)) continue;
        if (e.ExitCode !== 0) throw new Error(`${t.name}: health probe \`true\` exited with ${e.ExitCode}`);
        seen.set(e.Start, rfc3339Ms(e.End) - rfc3339Ms(e.Start));
      }
    }
    const times = [...seen.values()];
    const metrics: Record<string, number> = { 'health probe ms p50': percentile(times, 50) };
    if (t.pid) metrics['  health daemon CPU ms/probe'] = cpu() / seen.size;
    return { metrics, samples: { probe: times } };
  });
}

async function health(t: Target, id: string): Promise<LogEntry[]> {
  const state = (await t.client!.inspect(id)).State as { Health?: { Log?: LogEntry[] } };
  return state.Health?.Log ?? [];
}

/**
 * GET /containers/{id}/stats as dockerd answers it:
 * - stream: one frame per second while the client reads; the first frame
 *   has no previous CPU sample. Seconds when the container is not running
 *   send nothing (dockerd's collector skips them too).
 * - not streaming: two samples a second apart, the second sent with the
 *   first as its previous (so a CPU % can be computed) — unless one-shot,
 *   which sends one sample at once without a previous one.
 * - not streaming, container not running: one all-zero frame.
 * Samples come from the container's cgroup files (v1 or v2, as the host has).
 */
import type { ContainerContext } from '../containers/context.js';
import { findContainer } from '../containers/resolve.js';
import { isRunning } from '../model/lifecycle.js';
import { parseNetDev, parseProcStat } from './cgroup-parse.js';
import { readCgroupV1 } from './cgroup-v1.js';
import { readCgroupV2 } from './cgroup-v2.js';
import type { StatsFrame, StatsSample } from '../model/stats.js';
import { readTextSync } from '../host/read-sync.js';

export interface StatsOptions {
  stream: boolean;
  oneShot: boolean;
}

export interface StatsDeps {
  cgroupVersion: '1' | '2';
  memTotal: number;
  /** The cgroup filesystem root; /sys/fs/cgroup. */
  cgroupRoot?: string;
  intervalMs?: number;
}

const readOrNull = (file: string): string | null => readTextSync(file) ?? null;

export function createStatsService(ctx: ContainerContext, deps: StatsDeps) {
  const root = deps.cgroupRoot ?? '/sys/fs/cgroup';
  const interval = deps.intervalMs ?? 1000;
  /** A sample, or null when the container is not running (or its cgroup is gone). */
  const sample = (id: string): StatsSample | null => {
    const row = ctx.repo.get(id);
    if (!row || !isRunning(row.state.status)) return null;
    const host = { ...parseProcStat(readOrNull('/proc/stat') ?? ''), memTotal: deps.memTotal };
    const cgroupPath = `/${ctx.settings.cgroupParent}/${id}`;
    const read = deps.cgroupVersion === '2' ? readCgroupV2 : readCgroupV1;
    const s = read(readOrNull, root, cgroupPath, host, new Date());
    if (s.cpu.totalUsage === 0 && s.memory.usage === 0 && s.pids.current === 0) return null;
    return row.spec.networkMode === 'host' ? s : { ...s, networks: parseNetDev(readOrNull(`/proc/${row.state.pid}/net/dev`) ?? '') };
  };

  return {
    /** Resolves the container first (not-found before any output), then yields frames. */
    async stats(ref: string, opts: StatsOptions, signal: AbortSignal): Promise<AsyncIterable<StatsFrame>> {
      const row = findContainer(ctx, ref);
      const name = `/${row.name}`;
      const id = row.id;
      const sleep = () =>
        new Promise<void>((resolve) => {
          const t = setTimeout(done, interval);
          function done() {
            clearTimeout(t);
            signal.removeEventListener('abort', done);
            resolve();
          }
          signal.addEventListener('abort', done, { once: true });
        });
      return (async function* (): AsyncGenerator<StatsFrame> {
        const first = sample(id);
        if (!opts.stream) {
          if (!first || opts.oneShot) {
            yield { name, id, sample: first, pre: null };
            return;
          }
          await sleep();
          const second = sample(id);
          yield { name, id, sample: second, pre: second ? { read: first.read, cpu: first.cpu } : null };
          return;
        }
        let pre: StatsSample | null = null;
        for (let s = first; !signal.aborted; await sleep(), s = signal.aborted ? null : sample(id)) {
          if (!s) continue;
          yield { name, id, sample: s, pre: pre && { read: pre.read, cpu: pre.cpu } };
          pre = s;
        }
      })();
    },
  };
}

/**
 * A container's stats from cgroup v2 (unified) files at
 * `<root>/<cgroup-parent>/<id>`, mapped as dockerd maps them: cpu.stat's
 * microseconds become nanoseconds, there is no per-CPU usage and no
 * max_usage, io.stat becomes read/write entries. Pure apart from `read`.
 */
import { parseIoStatV2, parseKeyValues, parseSingle } from './cgroup-parse.js';
import type { FileReader, StatsSample } from '../model/stats.js';

export function readCgroupV2(
  read: FileReader,
  root: string,
  cgroupPath: string,
  host: { systemUsage: number; onlineCpus: number; memTotal: number },
  now: Date,
): StatsSample {
  const at = (file: string) => read(`${root}${cgroupPath}/${file}`);
  const cpu = parseKeyValues(at('cpu.stat'));
  const limit = parseSingle(at('memory.max'), host.memTotal);
  return {
    read: now,
    cpu: {
      totalUsage: (cpu.usage_usec ?? 0) * 1000,
      percpuUsage: null,
      kernelUsage: (cpu.system_usec ?? 0) * 1000,
      userUsage: (cpu.user_usec ?? 0) * 1000,
      systemUsage: host.systemUsage,
      onlineCpus: host.onlineCpus,
      throttling: { periods: cpu.nr_periods ?? 0, throttledPeriods: cpu.nr_throttled ?? 0, throttledTime: (cpu.throttled_usec ?? 0) * 1000 },
    },
    memory: {
      usage: parseSingle(at('memory.current')),
      maxUsage: 0,
      limit: limit > 0 && limit < host.memTotal ? limit : host.memTotal,
      failcnt: parseKeyValues(at('memory.events')).oom ?? 0,
      stats: parseKeyValues(at('memory.stat')),
    },
    pids: { current: parseSingle(at('pids.current')), limit: parseSingle(at('pids.max')) },
    blkio: parseIoStatV2(at('io.stat')),
  };
}

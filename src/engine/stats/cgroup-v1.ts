/**
 * A container's stats from cgroup v1 files. berth (cgroupfs) places a
 * container at `<hierarchy>/<cgroup-parent>/<id>` in each hierarchy
 * (`/sys/fs/cgroup/memory/berth/<id>`, …). Pure apart from `read`.
 */
import { parseBlkioV1, parseKeyValues, parseList, parseSingle } from './cgroup-parse.js';
import type { FileReader, StatsSample } from '../model/stats.js';

/** USER_HZ ticks (cpuacct.stat) → nanoseconds. */
const TICK_NS = 10_000_000;

export function readCgroupV1(
  read: FileReader,
  root: string,
  cgroupPath: string,
  host: { systemUsage: number; onlineCpus: number; memTotal: number },
  now: Date,
): StatsSample {
  const at = (controller: string, file: string) => read(`${root}/${controller}${cgroupPath}/${file}`);
  const cpuacct = parseKeyValues(at('cpuacct', 'cpuacct.stat'));
  const cpuStat = parseKeyValues(at('cpu', 'cpu.stat'));
  const limit = parseSingle(at('memory', 'memory.limit_in_bytes'));
  const recursiveBytes = at('blkio', 'blkio.io_service_bytes_recursive');
  const useThrottle = recursiveBytes === null || parseBlkioV1(recursiveBytes).length === 0;
  return {
    read: now,
    cpu: {
      totalUsage: parseSingle(at('cpuacct', 'cpuacct.usage')),
      percpuUsage: parseList(at('cpuacct', 'cpuacct.usage_percpu')),
      kernelUsage: (cpuacct.system ?? 0) * TICK_NS,
      userUsage: (cpuacct.user ?? 0) * TICK_NS,
      systemUsage: host.systemUsage,
      onlineCpus: host.onlineCpus,
      throttling: { periods: cpuStat.nr_periods ?? 0, throttledPeriods: cpuStat.nr_throttled ?? 0, throttledTime: cpuStat.throttled_time ?? 0 },
    },
    memory: {
      usage: parseSingle(at('memory', 'memory.usage_in_bytes')),
      maxUsage: parseSingle(at('memory', 'memory.max_usage_in_bytes')),
      // No limit reads as a huge number: dockerd reports the host's memory then.
      limit: limit > 0 && limit < host.memTotal ? limit : host.memTotal,
      failcnt: parseSingle(at('memory', 'memory.failcnt')),
      stats: parseKeyValues(at('memory', 'memory.stat')),
    },
    pids: { current: parseSingle(at('pids', 'pids.current')), limit: parseSingle(at('pids', 'pids.max')) },
    blkio: {
      ...(useThrottle
        ? {
            serviceBytes: parseBlkioV1(at('blkio', 'blkio.throttle.io_service_bytes_recursive')),
            serviced: parseBlkioV1(at('blkio', 'blkio.throttle.io_serviced_recursive')),
          }
        : { serviceBytes: parseBlkioV1(recursiveBytes), serviced: parseBlkioV1(at('blkio', 'blkio.io_serviced_recursive')) }),
      // The CFQ scheduler's lists; a kernel without CFQ has no such files, which read as empty lists.
      cfq: {
        queued: parseBlkioV1(at('blkio', 'blkio.io_queued_recursive')),
        serviceTime: parseBlkioV1(at('blkio', 'blkio.io_service_time_recursive')),
        waitTime: parseBlkioV1(at('blkio', 'blkio.io_wait_time_recursive')),
        merged: parseBlkioV1(at('blkio', 'blkio.io_merged_recursive')),
        time: parseBlkioV1(at('blkio', 'blkio.time_recursive')),
        sectors: parseBlkioV1(at('blkio', 'blkio.sectors_recursive')),
      },
    },
  };
}

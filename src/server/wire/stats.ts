/**
 * Docker's StatsJSON (API 1.41) from an engine stats frame. Field names and
 * omitempty rules follow moby's api/types/stats.go, so that an all-zero
 * frame (container not running) reads exactly as dockerd's.
 */
import type { BlkioEntry, CpuSample, NetCounters, StatsFrame } from '../../engine/api.js';
import { ZERO_TIME } from './containers.js';

const time = (d: Date | null | undefined) => (d ? d.toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z') : ZERO_TIME);

function cpuJson(c: CpuSample | null | undefined) {
  if (!c)
    return {
      cpu_usage: { total_usage: 0, usage_in_kernelmode: 0, usage_in_usermode: 0 },
      throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 },
    };
  return {
    cpu_usage: {
      total_usage: c.totalUsage,
      ...(c.percpuUsage && c.percpuUsage.length > 0 ? { percpu_usage: c.percpuUsage } : {}),
      usage_in_kernelmode: c.kernelUsage,
      usage_in_usermode: c.userUsage,
    },
    system_cpu_usage: c.systemUsage,
    online_cpus: c.onlineCpus,
    throttling_data: { periods: c.throttling.periods, throttled_periods: c.throttling.throttledPeriods, throttled_time: c.throttling.throttledTime },
  };
}

/** Docker's `networks` (omitempty: left out when the namespace has no interface but lo). */
function networksJson(nets: Record<string, NetCounters> | undefined): Record<string, unknown> {
  if (!nets || Object.keys(nets).length === 0) return {};
  const one = (n: NetCounters) => ({
    rx_bytes: n.rxBytes,
    rx_packets: n.rxPackets,
    rx_errors: n.rxErrors,
    rx_dropped: n.rxDropped,
    tx_bytes: n.txBytes,
    tx_packets: n.txPackets,
    tx_errors: n.txErrors,
    tx_dropped: n.txDropped,
  });
  return { networks: Object.fromEntries(Object.entries(nets).map(([name, n]) => [name, one(n)])) };
}

const blkio = (entries: BlkioEntry[] | undefined) => (entries ?? null) && entries!.map((e) => ({ major: e.major, minor: e.minor, op: e.op, value: e.value }));

export function toStatsJson(f: StatsFrame): Record<string, unknown> {
  const s = f.sample;
  return {
    read: time(s?.read),
    preread: time(f.pre?.read),
    pids_stats: s ? { current: s.pids.current, ...(s.pids.limit > 0 ? { limit: s.pids.limit } : {}) } : {},
    blkio_stats: {
      io_service_bytes_recursive: blkio(s?.blkio.serviceBytes),
      io_serviced_recursive: blkio(s?.blkio.serviced),
      // cgroup v1 lists, [] when empty (dockerd copies them into fresh slices); null on cgroup v2.
      io_queue_recursive: blkio(s?.blkio.cfq?.queued),
      io_service_time_recursive: blkio(s?.blkio.cfq?.serviceTime),
      io_wait_time_recursive: blkio(s?.blkio.cfq?.waitTime),
      io_merged_recursive: blkio(s?.blkio.cfq?.merged),
      io_time_recursive: blkio(s?.blkio.cfq?.time),
      sectors_recursive: blkio(s?.blkio.cfq?.sectors),
    },
    num_procs: 0,
    storage_stats: {},
    cpu_stats: cpuJson(s?.cpu),
    precpu_stats: cpuJson(f.pre?.cpu),
    memory_stats: s
      ? {
          usage: s.memory.usage,
          ...(s.memory.maxUsage ? { max_usage: s.memory.maxUsage } : {}),
          stats: s.memory.stats,
          ...(s.memory.failcnt ? { failcnt: s.memory.failcnt } : {}),
          limit: s.memory.limit,
        }
      : {},
    name: f.name,
    id: f.id,
    ...networksJson(s?.networks),
  };
}

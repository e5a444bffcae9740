/** cgroup v1 and v2 readers on fixture files, and the stats wire JSON. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseNetDev, parseProcStat } from '../../src/engine/stats/cgroup-parse.js';
import { readCgroupV1 } from '../../src/engine/stats/cgroup-v1.js';
import { readCgroupV2 } from '../../src/engine/stats/cgroup-v2.js';
import { toStatsJson } from '../../src/server/wire/stats.js';

const host = { systemUsage: 5e12, onlineCpus: 2, memTotal: 8 * 2 ** 30 };
const now = new Date('2026-12-06T09:00:00.123Z');
const reader = (files: Record<string, string>) => (f: string) => files[f] ?? null;

test('cgroup v1: cpuacct, cpu.stat, memory, pids and throttle blkio', () => {
  const p = '/sys/fs/cgroup';
  const s = readCgroupV1(
    reader({
      [`${p}/cpuacct/berth/c1/cpuacct.usage`]: '3000000000\n',
      [`${p}/cpuacct/berth/c1/cpuacct.usage_percpu`]: '1000000000 2000000000 \n',
      [`${p}/cpuacct/berth/c1/cpuacct.stat`]: 'user 250\nsystem 50\n',
      [`${p}/cpu/berth/c1/cpu.stat`]: 'nr_periods 10\nnr_throttled 4\nthrottled_time 123456\n',
      [`${p}/memory/berth/c1/memory.usage_in_bytes`]: '1048576\n',
      [`${p}/memory/berth/c1/memory.max_usage_in_bytes`]: '2097152\n',
      [`${p}/memory/berth/c1/memory.limit_in_bytes`]: '9223372036854771712\n',
      [`${p}/memory/berth/c1/memory.stat`]: 'cache 4096\nrss 8192\ntotal_inactive_file 4096\n',
      [`${p}/pids/berth/c1/pids.current`]: '3\n',
      [`${p}/pids/berth/c1/pids.max`]: 'max\n',
      [`${p}/blkio/berth/c1/blkio.throttle.io_service_bytes_recursive`]: '8:0 Read 4096\n8:0 Write 512\nTotal 4608\n',
      [`${p}/blkio/berth/c1/blkio.throttle.io_serviced_recursive`]: '8:0 Read 1\n8:0 Write 1\nTotal 2\n',
      [`${p}/blkio/berth/c1/blkio.sectors_recursive`]: '8:0 16\n',
    }),
    p,
    '/berth/c1',
    host,
    now,
  );
  assert.equal(s.cpu.totalUsage, 3e9);
  assert.deepEqual(s.cpu.percpuUsage, [1e9, 2e9]);
  assert.equal(s.cpu.userUsage, 2.5e9);
  assert.equal(s.cpu.kernelUsage, 5e8);
  assert.deepEqual(s.cpu.throttling, { periods: 10, throttledPeriods: 4, throttledTime: 123456 });
  assert.equal(s.memory.limit, host.memTotal, 'no limit reads as the host memory');
  assert.equal(s.memory.maxUsage, 2097152);
  assert.equal(s.memory.stats.total_inactive_file, 4096);
  assert.deepEqual(s.pids, { current: 3, limit: 0 });
  assert.deepEqual(s.blkio.serviceBytes, [
    { major: 8, minor: 0, op: 'Read', value: 4096 },
    { major: 8, minor: 0, op: 'Write', value: 512 },
  ]);
  assert.deepEqual(s.blkio.cfq?.sectors, [{ major: 8, minor: 0, op: '', value: 16 }], 'a line without an operation');
  const blkio = toStatsJson({ name: '/x', id: 'i', sample: s, pre: null }).blkio_stats as Record<string, unknown>;
  assert.deepEqual(blkio.io_queue_recursive, [], "a CFQ list the kernel does not keep is [] on v1, as dockerd's");
});

test('cgroup v2: cpu.stat in microseconds, memory.max, io.stat', () => {
  const p = '/sys/fs/cgroup';
  const s = readCgroupV2(
    reader({
      [`${p}/berth/c2/cpu.stat`]: 'usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 7\nnr_throttled 2\nthrottled_usec 30\n',
      [`${p}/berth/c2/memory.current`]: '65536\n',
      [`${p}/berth/c2/memory.max`]: '67108864\n',
      [`${p}/berth/c2/memory.stat`]: 'anon 4096\ninactive_file 1024\n',
      [`${p}/berth/c2/memory.events`]: 'low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n',
      [`${p}/berth/c2/pids.current`]: '2\n',
      [`${p}/berth/c2/pids.max`]: '50\n',
      [`${p}/berth/c2/io.stat`]: '259:0 rbytes=8192 wbytes=4096 rios=2 wios=1 dbytes=0 dios=0\n',
    }),
    p,
    '/berth/c2',
    host,
    now,
  );
  assert.equal(s.cpu.totalUsage, 1_500_000);
  assert.equal(s.cpu.percpuUsage, null);
  assert.equal(s.cpu.kernelUsage, 500_000);
  assert.deepEqual(s.cpu.throttling, { periods: 7, throttledPeriods: 2, throttledTime: 30_000 });
  assert.equal(s.memory.limit, 64 * 2 ** 20);
  assert.equal(s.memory.failcnt, 1);
  assert.deepEqual(s.pids, { current: 2, limit: 50 });
  assert.deepEqual(s.blkio.serviceBytes, [
    { major: 259, minor: 0, op: 'read', value: 8192 },
    { major: 259, minor: 0, op: 'write', value: 4096 },
  ]);
  assert.deepEqual(
    s.blkio.serviced.map((e) => e.value),
    [2, 1],
  );
  const blkio = toStatsJson({ name: '/x', id: 'i', sample: s, pre: null }).blkio_stats as Record<string, unknown>;
  assert.equal(blkio.io_queue_recursive, null, 'cgroup v2 has no CFQ lists');
  const unlimited = readCgroupV2(reader({ [`${p}/x/memory.max`]: 'max\n' }), p, '/x', host, now);
  assert.equal(unlimited.memory.limit, host.memTotal);
});

test('/proc/stat: host CPU nanoseconds and online CPUs', () => {
  const r = parseProcStat('cpu  100 0 50 1000 10 0 5 0 0 0\ncpu0 50 0 25 500 5 0 2 0 0 0\ncpu1 50 0 25 500 5 0 3 0 0 0\nintr 1\n');
  assert.equal(r.systemUsage, 1165 * 1e7);
  assert.equal(r.onlineCpus, 2);
});

test("a frame without a sample is dockerd's all-zero StatsJSON", () => {
  const j = toStatsJson({ name: '/x', id: 'i', sample: null, pre: null });
  assert.equal(j.read, '0001-01-01T00:00:00Z');
  assert.equal(j.preread, '0001-01-01T00:00:00Z');
  assert.deepEqual(j.memory_stats, {});
  assert.deepEqual(j.pids_stats, {});
  assert.deepEqual(j.cpu_stats, {
    cpu_usage: { total_usage: 0, usage_in_kernelmode: 0, usage_in_usermode: 0 },
    throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 },
  });
  assert.equal((j.blkio_stats as Record<string, unknown>).io_service_bytes_recursive, null);
});

test('/proc/<pid>/net/dev: counters per interface of the namespace, lo left out; networks in the JSON', () => {
  const text = [
    'Inter-|   Receive                                                |  Transmit',
    ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
    '    lo:     140       2    0    0    0     0          0         0      140       2    0    0    0     0       0          0',
    '  eth0:    1296      16    1    2    0     0          0         0      726       9    3    4    0     0       0          0',
    '',
  ].join('\n');
  const nets = parseNetDev(text);
  assert.deepEqual(nets, {
    eth0: { rxBytes: 1296, rxPackets: 16, rxErrors: 1, rxDropped: 2, txBytes: 726, txPackets: 9, txErrors: 3, txDropped: 4 },
  });
  assert.deepEqual(parseNetDev(''), {});
  const sample = readCgroupV2(reader({}), '/sys/fs/cgroup', '/x', host, now);
  const json = toStatsJson({ name: '/c', id: 'c', sample: { ...sample, networks: nets }, pre: null });
  assert.deepEqual(json.networks, {
    eth0: { rx_bytes: 1296, rx_packets: 16, rx_errors: 1, rx_dropped: 2, tx_bytes: 726, tx_packets: 9, tx_errors: 3, tx_dropped: 4 },
  });
  assert.equal('networks' in toStatsJson({ name: '/c', id: 'c', sample: { ...sample, networks: {} }, pre: null }), false);
});

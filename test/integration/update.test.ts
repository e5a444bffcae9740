/**
 * docker update: applied live to the running container's cgroup (read
 * back from the cgroup files), kept for the next start, shown by inspect,
 * with Docker's errors.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, test } from 'node:test';
import { useDaemon } from './helpers/suite.js';
import { dockerExpect, inspect, skipUnlessRoot } from './helpers/docker-cli.js';

const v2 = fs.existsSync('/sys/fs/cgroup/cgroup.controllers');

describe('update', { skip: skipUnlessRoot(), timeout: 120_000 }, () => {
  const d = useDaemon();
  const cg = (id: string, controller: string, file: string) =>
    fs.readFileSync(v2 ? `/sys/fs/cgroup/${d.cgroupParent}/${id}/${file}` : `/sys/fs/cgroup/${controller}/${d.cgroupParent}/${id}/${file}`, 'utf8').trim();

  test('memory, cpus, pids and restart policy are applied live and kept across a restart', async () => {
    const id = (await dockerExpect(d, ['run', '-d', '--name', 'up', 'busybox', 'sleep', '300'])).stdout.trim();
    const out = await dockerExpect(d, ['update', '--memory', '64m', '--cpus', '0.5', '--pids-limit', '50', '--cpu-shares', '512', '--restart', 'always', 'up']);
    assert.equal(out.stdout.trim(), 'up');
    const check = () => {
      assert.equal(cg(id, 'memory', v2 ? 'memory.max' : 'memory.limit_in_bytes'), String(64 * 1024 * 1024));
      if (v2) assert.equal(cg(id, 'cpu', 'cpu.max'), '50000 100000');
      else assert.equal(cg(id, 'cpu', 'cpu.cfs_quota_us'), '50000');
      if (!v2) assert.equal(cg(id, 'cpu', 'cpu.shares'), '512');
      assert.equal(cg(id, 'pids', 'pids.max'), '50');
    };
    check();
    const hc = (await inspect(d, 'up')).HostConfig;
    assert.equal(hc.Memory, 64 * 1024 * 1024);
    assert.equal(hc.NanoCpus, 5e8);
    assert.equal(hc.PidsLimit, 50);
    assert.equal(hc.CpuShares, 512);
    assert.equal(hc.RestartPolicy.Name, 'always');
    await dockerExpect(d, ['restart', '-t', '0', 'up']);
    check();
    const ev = await d.request('GET', '/events', { query: { since: '0', until: String(Date.now() / 1000), filters: JSON.stringify({ event: ['update'] }) } });
    assert.equal(ev.body.toString().trim().split('\n').length, 1);
    await dockerExpect(d, ['rm', '-f', 'up']);
  });

  test("a stopped container keeps the update for its next start; Docker's errors", async () => {
    const id = (await dockerExpect(d, ['create', '--name', 'later', 'busybox', 'sleep', '300'])).stdout.trim();
    const res = await d.request('POST', '/containers/later/update', { body: { Memory: 32 * 1024 * 1024 } });
    assert.equal(res.status, 200);
    assert.deepEqual(res.json(), { Warnings: null }, 'dockerd answers null when there are no warnings');
    await dockerExpect(d, ['start', 'later']);
    assert.equal(cg(id, 'memory', v2 ? 'memory.max' : 'memory.limit_in_bytes'), String(32 * 1024 * 1024));
    await dockerExpect(d, ['rm', '-f', 'later']);

    await dockerExpect(d, ['run', '-d', '--rm', '--name', 'auto', 'busybox', 'sleep', '300']);
    const r = await d.request('POST', '/containers/auto/update', { body: { RestartPolicy: { Name: 'always' } } });
    assert.equal(r.status, 409);
    assert.equal(r.json().message, 'Restart policy cannot be updated because AutoRemove is enabled for the container');
    const small = await d.request('POST', '/containers/auto/update', { body: { Memory: 1024 } });
    assert.equal(small.status, 400);
    assert.equal((await d.request('POST', '/containers/nope/update', { body: {} })).status, 404);
    await dockerExpect(d, ['rm', '-f', 'auto']);
  });
});

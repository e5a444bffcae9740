/**
 * docker build (classic builder) options that shape RUN containers and the
 * cache, against a real berthd: --network (default bridge, a user network
 * by name, none), --add-host, --shm-size, every resource limit, and
 * --cache-from (only the named images and their parents are cache sources).
 * Traffic goes only to containers this test starts.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { classicBuilder } from './helpers/build.js';
import { dockerExpect, eventually, inspect, skipUnlessRoot } from './helpers/docker-cli.js';
import { httpd } from './helpers/net.js';
import { useDaemon } from './helpers/suite.js';

const skip = skipUnlessRoot();

describe('docker build: RUN containers and cache sources', { skip }, () => {
  const d = useDaemon({ skip });
  let tmp = '';
  before(() => {
    if (!skip) tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-build-opts-'));
  });
  after(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  const cb = classicBuilder(d, () => tmp);
  const { build, built } = cb;
  /** A context dir holding only this Dockerfile. */
  const context = (name: string, dockerfile: string) => cb.context(name, { Dockerfile: dockerfile });
  const cat = async (image: string, file: string) => (await dockerExpect(d, ['run', '--rm', image, 'cat', file])).stdout;

  test('RUN reaches a container by name on --network <user network>, by IP on the default bridge; none has no route', async () => {
    await dockerExpect(d, ['network', 'create', 'bnet']);
    try {
      await dockerExpect(d, ['run', '-d', '--name', 'b-web', '--network', 'bnet', 'busybox', ...httpd('on-bnet')]);
      await dockerExpect(d, ['run', '-d', '--name', 'b-web0', 'busybox', ...httpd('on-bridge')]);
      const ip = (await inspect(d, 'b-web0')).NetworkSettings.Networks.bridge.IPAddress as string;
      await eventually('b-web0 answers', async () => (await dockerExpect(d, ['exec', 'b-web', 'true'])).code === 0);
      const fetch = (url: string) => `FROM busybox\nRUN for i in 1 2 3 4 5 6 7 8 9 10; do wget -qO /got ${url} && break; sleep 0.5; done; cat /got\n`;
      await built(['--network', 'bnet', '-t', 'net-user', context('net-user', fetch('http://b-web/'))]);
      assert.equal(await cat('net-user', '/got'), 'on-bnet\n');
      await built(['-t', 'net-default', context('net-default', fetch(`http://${ip}/`))]);
      assert.equal(await cat('net-default', '/got'), 'on-bridge\n');
      const none = await built([
        '--network',
        'none',
        '-t',
        'net-none',
        context('net-none', `FROM busybox\nRUN (wget -T 2 -qO- http://${ip}/ || echo unreachable) > /got; ls /sys/class/net > /ifs\n`),
      ]);
      assert.match(none, /Step 2\/2/);
      assert.equal(await cat('net-none', '/got'), 'unreachable\n');
      assert.equal(await cat('net-none', '/ifs'), 'lo\n');
      const missing = await build(['--network', 'no-such-net', context('net-missing', 'FROM busybox\nRUN true\n')]);
      assert.notEqual(missing.code, 0);
      assert.match(missing.stderr + missing.stdout, /network no-such-net not found/);
    } finally {
      await dockerExpect(d, ['rm', '-f', 'b-web', 'b-web0']);
      await dockerExpect(d, ['rmi', 'net-user', 'net-default', 'net-none']);
      await dockerExpect(d, ['network', 'rm', 'bnet']);
    }
  });

  test('--add-host and --shm-size reach RUN containers', async () => {
    const dir = context('hosts-shm', 'FROM busybox\nRUN grep -E "myhost|other" /etc/hosts > /hosts; df -k /dev/shm | tail -n 1 > /shm\n');
    await built(['--add-host', 'myhost:10.1.2.3', '--add-host', 'other:10.9.8.7', '--shm-size', '32m', '-t', 'hosts-shm', dir]);
    assert.equal(await cat('hosts-shm', '/hosts'), '10.1.2.3\tmyhost\n10.9.8.7\tother\n');
    assert.match(await cat('hosts-shm', '/shm'), /^shm\s+32768\s/);
    const bad = await build(['--add-host', 'nohost', dir]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /invalid IP address in add-host|bad format for add-host/);
  });

  test('--memory, --memory-swap, --cpu-shares, --cpu-period, --cpu-quota and --cpuset-cpus apply to RUN containers', async () => {
    // cgroup v2's files, else v1's.
    const read = (v2: string, v1: string) => `(cat /sys/fs/cgroup/${v2} 2>/dev/null || cat /sys/fs/cgroup/${v1} 2>/dev/null || echo n/a)`;
    const lines = [
      read('memory.max', 'memory/memory.limit_in_bytes'),
      read('memory.swap.max', 'memory/memory.memsw.limit_in_bytes'),
      read('cpu.weight', 'cpu/cpu.shares'),
      read('cpu.max', 'cpu/cpu.cfs_quota_us'),
      read('cpu.max', 'cpu/cpu.cfs_period_us'),
      read('cpuset.cpus', 'cpuset/cpuset.cpus'),
    ];
    const dir = context('limits-all', `FROM busybox\nRUN { ${lines.join('; ')}; } > /limits\n`);
    const flags = ['--memory', '64m', '--memory-swap', '96m', '--cpu-shares', '512', '--cpu-period', '50000', '--cpu-quota', '25000', '--cpuset-cpus', '0'];
    await built([...flags, '-t', 'limits-all', dir]);
    const [mem, swap, shares, quota, period, cpus] = (await cat('limits-all', '/limits')).trim().split('\n');
    const v2 = quota.includes(' ');
    assert.equal(mem, String(64 * 1024 * 1024));
    // v2 counts swap alone; v1's memsw is memory + swap (absent without swap accounting).
    assert.ok(swap === 'n/a' || swap === String((v2 ? 32 : 96) * 1024 * 1024), `swap limit ${swap}`);
    assert.ok(v2 ? shares !== '100' : shares === '512', `cpu shares 512 give ${shares}`);
    assert.equal(v2 ? quota : `${quota} ${period}`, '25000 50000');
    assert.equal(cpus, '0');
  });

  test('--cache-from: only the named images and their parents are cache sources', async () => {
    const dir = context('cache-from', 'FROM busybox\nRUN echo one > /one\nRUN echo two > /two\n');
    await built(['-t', 'cf:1', dir]);
    const plain = await built([dir]);
    assert.equal((plain.match(/Using cache/g) ?? []).length, 2);
    const unrelated = await built(['--cache-from', 'busybox', '--cache-from', 'no-such-image', dir]);
    assert.equal((unrelated.match(/Using cache/g) ?? []).length, 0, unrelated);
    const named = await built(['--cache-from', 'cf:1', '-t', 'cf:2', dir]);
    assert.equal((named.match(/Using cache/g) ?? []).length, 2, named);
    const [id1, id2] = await Promise.all(['cf:1', 'cf:2'].map(async (r) => (await dockerExpect(d, ['image', 'inspect', '-f', '{{.Id}}', r])).stdout));
    assert.equal(id2, id1);
    // A parent of a named image is a source too: the first RUN's image is cf:1's parent.
    const parentOnly = context('cache-from-parent', 'FROM busybox\nRUN echo one > /one\nRUN echo three > /three\n');
    const partly = await built(['--cache-from', 'cf:1', parentOnly]);
    assert.equal((partly.match(/Using cache/g) ?? []).length, 1, partly);
  });
});

/**
 * The honoured create fields, proven inside real containers (runc), with
 * inspect echoing them as dockerd 20.10 does, and dockerd's refusals
 * (issue 13 item 6; the table is docs/container-fields.md).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, test } from 'node:test';
import { useDaemon } from './helpers/suite.js';
import { dockerExpect, inspect, skipUnlessRoot } from './helpers/docker-cli.js';

const v2 = fs.existsSync('/sys/fs/cgroup/cgroup.controllers');

describe('create fields honoured inside the container', { skip: skipUnlessRoot(), timeout: 240_000 }, () => {
  const d = useDaemon();
  const run = async (args: string[]) => (await dockerExpect(d, ['run', '--rm', ...args])).stdout;

  test('--pid host sees the host PID 1; --uts host has the host name; --ipc host shares the host /dev/shm', async () => {
    const hostInit = fs.readFileSync('/proc/1/comm', 'utf8').trim();
    const out = await run(['--pid', 'host', '--uts', 'host', '--ipc', 'host', 'busybox', 'sh', '-c', 'cat /proc/1/comm; hostname; ls -d /dev/shm']);
    const [comm, name] = out.split('\n');
    assert.equal(comm, hostInit);
    assert.equal(name, fs.readFileSync('/proc/sys/kernel/hostname', 'utf8').trim());
  });

  test("--link: the target under its alias, hostname and name in /etc/hosts; dockerd's texts for a missing or stopped target", async () => {
    await dockerExpect(d, ['run', '-d', '--name', 'linktarget', '--hostname', 'lt', 'busybox', 'sleep', '60']);
    const ip = (await inspect(d, 'linktarget')).NetworkSettings.Networks.bridge.IPAddress as string;
    const hosts = await run(['--link', 'linktarget:db', 'busybox', 'sh', '-c', 'cat /etc/hosts; ping -c1 -W2 db >/dev/null && echo reached']);
    assert.ok(hosts.includes(`${ip}\tdb lt linktarget`), hosts);
    assert.match(hosts, /reached/);
    await dockerExpect(d, ['create', '--name', 'linker', '--link', 'linktarget:db', 'busybox', 'true']);
    assert.deepEqual((await inspect(d, 'linker')).HostConfig.Links, ['/linktarget:/linker/db']);
    const missing = await d.request('POST', '/containers/create', { body: { Image: 'busybox', HostConfig: { Links: ['nope:x'] } } });
    // dockerd 20.10: 400 (a 404 would make the CLI try to pull the image).
    assert.equal(missing.status, 400);
    assert.equal(missing.json().message, 'could not get container for nope: No such container: nope');
    await dockerExpect(d, ['stop', '-t', '0', 'linktarget']);
    const start = await d.request('POST', '/containers/linker/start');
    assert.equal(start.status, 500);
    assert.equal(start.json().message, 'Cannot link to a non running container: /linktarget AS /linker/db');
    await dockerExpect(d, ['rm', '-f', 'linker', 'linktarget']);
  });

  test('--init runs tini as PID 1 from /sbin/docker-init; inspect echoes Init', async () => {
    const out = await run(['--init', 'busybox', 'sh', '-c', 'cat /proc/1/cmdline | tr "\\0" " "']);
    assert.match(out, /^\/sbin\/docker-init -- sh -c/);
    await dockerExpect(d, ['create', '--name', 'ini', '--init', 'busybox']);
    assert.equal((await inspect(d, 'ini')).HostConfig.Init, true);
    await dockerExpect(d, ['rm', 'ini']);
  });

  test('--group-add by number and by name; --oom-score-adj; --shm-size; --sysctl; --device', async () => {
    const out = await run([
      '--group-add',
      '1000',
      '--group-add',
      'daemon',
      '--oom-score-adj',
      '500',
      '--shm-size',
      '128m',
      '--sysctl',
      'net.ipv4.ip_forward=1',
      '--device',
      '/dev/fuse',
      '--device',
      '/dev/null:/dev/mynull:r',
      'busybox',
      'sh',
      '-c',
      'id -G; cat /proc/self/oom_score_adj; df -k /dev/shm | tail -1; cat /proc/sys/net/ipv4/ip_forward; ls -l /dev/fuse /dev/mynull; echo x > /dev/mynull || echo denied',
    ]);
    const lines = out.trim().split('\n');
    const gids = lines[0].split(' ');
    assert.ok(gids.includes('1000') && gids.includes('1'), lines[0]);
    assert.equal(lines[1], '500');
    assert.match(lines[2], /^shm\s+131072\s/);
    assert.equal(lines[3], '1');
    assert.match(out, /^c.* 10,\s+229 .*\/dev\/fuse$/m);
    assert.match(out, /^c.* 1,\s+3 .*\/dev\/mynull$/m);
  });

  test('--device-cgroup-rule and --oom-kill-disable reach the cgroup; inspect echoes every field as dockerd', async () => {
    const created = await dockerExpect(d, [
      'create',
      '--name',
      'echo1',
      '--ipc',
      'shareable',
      '--group-add',
      '1000',
      '--device',
      '/dev/fuse',
      '--device-cgroup-rule',
      'c 42:* rwm',
      '--sysctl',
      'net.ipv4.ip_forward=1',
      '--shm-size',
      '128m',
      '--oom-score-adj',
      '500',
      '--oom-kill-disable',
      '--memory-reservation',
      '10m',
      '--tmpfs',
      '/run:rw,size=1m,noexec',
      '--stop-signal',
      'term',
      '--isolation',
      'default',
      '--log-opt',
      'max-size=1m',
      '--log-opt',
      'max-file=3',
      'busybox',
      'sleep',
      '300',
    ]);
    assert.match(created.stderr, /OOM killer is disabled for the container, but no memory limit is set/);
    const c = await inspect(d, 'echo1');
    const hc = c.HostConfig;
    assert.equal(hc.IpcMode, 'shareable');
    assert.deepEqual(hc.GroupAdd, ['1000']);
    assert.deepEqual(hc.Devices, [{ PathOnHost: '/dev/fuse', PathInContainer: '/dev/fuse', CgroupPermissions: 'rwm' }]);
    assert.deepEqual(hc.DeviceCgroupRules, ['c 42:* rwm']);
    assert.deepEqual(hc.Sysctls, { 'net.ipv4.ip_forward': '1' });
    assert.equal(hc.ShmSize, 128 * 1024 * 1024);
    assert.equal(hc.OomScoreAdj, 500);
    assert.equal(hc.OomKillDisable, true);
    assert.equal(hc.MemoryReservation, 10 * 1024 * 1024);
    assert.deepEqual(hc.Tmpfs, { '/run': 'rw,size=1m,noexec' });
    assert.equal(hc.Isolation, 'default');
    assert.deepEqual(hc.LogConfig, { Type: 'json-file', Config: { 'max-size': '1m', 'max-file': '3' } });
    assert.equal(c.Config.StopSignal, 'term');
    await dockerExpect(d, ['start', 'echo1']);
    const cgDir = (controller: string) => (v2 ? `/sys/fs/cgroup/${d.cgroupParent}/${c.Id}` : `/sys/fs/cgroup/${controller}/${d.cgroupParent}/${c.Id}`);
    if (!v2) {
      const list = fs.readFileSync(`${cgDir('devices')}/devices.list`, 'utf8');
      assert.match(list, /^c 42:\* rwm$/m);
      assert.match(list, /^c 10:229 rwm$/m);
      assert.match(fs.readFileSync(`${cgDir('memory')}/memory.oom_control`, 'utf8'), /oom_kill_disable 1/);
      assert.equal(fs.readFileSync(`${cgDir('memory')}/memory.soft_limit_in_bytes`, 'utf8').trim(), String(10 * 1024 * 1024));
    }
    // A second container joins echo1's IPC namespace and its /dev/shm.
    const donorNs = fs.readlinkSync(`/proc/${(await inspect(d, 'echo1')).State.Pid}/ns/ipc`);
    await dockerExpect(d, ['exec', 'echo1', 'touch', '/dev/shm/from-donor']);
    const joined = await run(['--ipc', 'container:echo1', 'busybox', 'sh', '-c', 'readlink /proc/self/ns/ipc; ls /dev/shm']);
    assert.equal(joined, `${donorNs}\nfrom-donor\n`);
    assert.match(await run(['--ipc', 'container:echo1', 'busybox', 'df', '-k', '/dev/shm']), /\s131072\s/, "the donor's 128m /dev/shm");
    await dockerExpect(d, ['create', '--name', 'pj', '--pid', 'container:echo1', 'busybox']);
    assert.equal((await inspect(d, 'pj')).HostConfig.PidMode, `container:${c.Id}`);
    await dockerExpect(d, ['start', 'pj']);
    await dockerExpect(d, ['rm', '-f', 'pj', 'echo1']);
  });

  test("dockerd's refusals: missing or stopped namespace donors, sysctls outside the container's namespaces, unknown log drivers, refused fields", async () => {
    const create = (body: Record<string, unknown>) => d.request('POST', '/containers/create', { body: { Image: 'busybox', ...body } });
    const expect400 = async (body: Record<string, unknown>, message: string | RegExp) => {
      const res = await create(body);
      assert.equal(res.status, 400, res.body.toString());
      if (typeof message === 'string') assert.equal(res.json().message, message);
      else assert.match(res.json().message, message);
    };
    await expect400({ HostConfig: { PidMode: 'container:nope' } }, 'No such container: nope');
    await expect400({ HostConfig: { IpcMode: 'bogus' } }, 'Invalid IPC mode: bogus');
    await expect400({ HostConfig: { Sysctls: { 'vm.swappiness': '1' } } }, 'HostConfig.Sysctls: sysctl "vm.swappiness" is not in a separate kernel namespace');
    await expect400({ HostConfig: { NetworkMode: 'host', Sysctls: { 'net.ipv4.ip_forward': '1' } } }, /not allowed in host network namespace/);
    await expect400({ HostConfig: { LogConfig: { Type: 'bogus' } } }, 'error looking up logging plugin bogus: plugin "bogus" not found');
    await expect400({ HostConfig: { LogConfig: { Type: 'json-file', Config: { bogus: '1' } } } }, "unknown log opt 'bogus' for json-file log driver");
    await expect400({ HostConfig: { OomScoreAdj: 2000 } }, 'Invalid value 2000, range for oom score adj is [-1000, 1000]');
    await expect400({ HostConfig: { Isolation: 'hyperv' } }, `Invalid isolation: "hyperv" - linux only supports 'default'`);
    await expect400({ HostConfig: { DeviceCgroupRules: ['bogus'] } }, "invalid device cgroup rule format: 'bogus'");
    await expect400({ HostConfig: { Links: ['a:b:c'] } }, 'invalid link format: a:b:c');
    await expect400({ HostConfig: { CpuRealtimeRuntime: 1000 } }, /^HostConfig\.CpuRealtimeRuntime is not supported by berth/);
    await expect400({ HostConfig: { Runtime: 'bogus' } }, 'Unknown runtime specified bogus');
    await expect400(
      { HostConfig: { Devices: [{ PathOnHost: '/dev/nope', PathInContainer: '/dev/nope', CgroupPermissions: 'rwm' }] } },
      'error gathering device information while adding custom device "/dev/nope": no such file or directory',
    );
    for (const accepted of [{ LogConfig: { Type: 'none' } }, { LogConfig: { Type: 'local', Config: { 'max-size': '1m' } } }]) {
      const res = await create({ HostConfig: accepted });
      assert.equal(res.status, 201, res.body.toString());
      await d.request('DELETE', `/containers/${res.json().Id}`);
    }
    await dockerExpect(d, ['create', '--name', 'stopped', 'busybox', 'true']);
    const res = await create({ Cmd: ['true'], HostConfig: { IpcMode: 'container:stopped' } });
    const id = (await inspect(d, 'stopped')).Id;
    const start = await d.request('POST', `/containers/${res.json().Id}/start`);
    assert.equal(start.status, 409);
    assert.equal(start.json().message, `can't join IPC of container ${id}: container ${id} is not running`);
    await d.request('DELETE', `/containers/${res.json().Id}`);
    await dockerExpect(d, ['rm', 'stopped']);
  });
});

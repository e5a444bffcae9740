/**
 * POST /containers/create over raw HTTP with every Config/HostConfig field of
 * issue 2, each checked where it shows: inside the container (its output in
 * the logs) or in its cgroup files on the host.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { create, inspectApi, logs, run, streamRequest, verb, waitExit } from './helpers/api.js';
import { startDaemon, type TestDaemon } from './helpers/daemon.js';
import { eventually, skipUnlessRoot } from './helpers/docker-cli.js';
import { importBusybox } from './helpers/images.js';

/** Docker's default capability set as a CapEff mask. */
const DEFAULT_CAPS = 0xa80425fbn;
const capEff = (text: string) => BigInt('0x' + /CapEff:\s*([0-9a-f]+)/.exec(text)![1]);

describe('container create: every HostConfig field takes effect', { skip: skipUnlessRoot(), timeout: 180_000 }, () => {
  let d: TestDaemon;
  let hostDir: string;
  before(async () => {
    d = await startDaemon();
    await importBusybox(d);
    hostDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-it-bind-'));
  });
  after(async () => {
    fs.rmSync(hostDir, { recursive: true, force: true });
    await d?.cleanup();
  });

  /** Runs `script` with `extra` create fields, waits for the exit and returns stdout (asserting exit 0). */
  async function output(script: string, extra: Record<string, unknown> = {}): Promise<string> {
    const id = await run(d, { Cmd: ['sh', '-c', script], ...extra });
    const code = await waitExit(d, id);
    const out = await logs(d, id, { stdout: 1, stderr: 1 });
    assert.equal(code, 0, `exit ${code}: ${out.stdout}${out.stderr}`);
    await d.request('DELETE', `/containers/${id}`);
    return out.stdout;
  }

  /** The cgroup v1 file of a running container on the host. */
  const cgroupFile = (controller: string, id: string, file: string) =>
    fs.readFileSync(path.join('/sys/fs/cgroup', controller, d.cgroupParent, id, file), 'utf8').trim();

  test('Env, WorkingDir, User, Entrypoint and Labels', async () => {
    const out = await output('echo "$A|$(pwd)|$(id -u):$(id -g)|$0"', {
      Env: ['A=1'],
      WorkingDir: '/tmp',
      User: 'nobody',
      Labels: { k: 'v' },
    });
    assert.equal(out, '1|/tmp|65534:65534|sh\n');
    const ep = await run(d, { Entrypoint: ['echo', 'ep'], Cmd: ['arg'] });
    await waitExit(d, ep);
    assert.equal((await logs(d, ep)).stdout, 'ep arg\n');
    const c = await inspectApi(d, ep);
    assert.deepEqual(c.Config.Entrypoint, ['echo', 'ep']);
    assert.deepEqual(c.Config.Cmd, ['arg']);
  });

  test('Hostname and Domainname', async () => {
    const out = await output('hostname; cat /etc/hostname; grep -c box1 /etc/hosts', { Hostname: 'box1', Domainname: 'example.test' });
    assert.match(out, /^box1\nbox1\n[1-9]\d*\n$/);
  });

  test('ReadonlyRootfs refuses writes; Tmpfs and a tmpfs Mount are writable tmpfs', async () => {
    const out = await output(
      'touch /x 2>/dev/null; echo rootfs=$?; touch /tmp/y && echo tmp=ok; touch /scratch/z && echo scratch=ok; ' +
        'grep -E " /(tmp|scratch) " /proc/mounts | cut -d" " -f1-3',
      {
        HostConfig: { ReadonlyRootfs: true, Tmpfs: { '/tmp': 'size=1m' }, Mounts: [{ Type: 'tmpfs', Target: '/scratch' }] },
      },
    );
    const lines = out.split('\n');
    assert.ok(lines[0] !== 'rootfs=0' && /^rootfs=\d+$/.test(lines[0]), out);
    assert.ok(lines.includes('tmp=ok') && lines.includes('scratch=ok'), out);
    assert.ok(lines.includes('tmpfs /tmp tmpfs') && lines.includes('tmpfs /scratch tmpfs'), out);
  });

  test('Binds and bind Mounts, read-write and read-only', async () => {
    fs.writeFileSync(path.join(hostDir, 'in.txt'), 'from-host\n');
    const out = await output(
      'cat /rw/in.txt; echo from-box > /rw/out.txt; cat /ro/in.txt; (echo no > /ro/f) 2>/dev/null || echo ro-denied; ' +
        '(echo no > /m-ro/f) 2>/dev/null || echo m-ro-denied; cat /m-rw/in.txt',
      {
        HostConfig: {
          Binds: [`${hostDir}:/rw`, `${hostDir}:/ro:ro`],
          Mounts: [
            { Type: 'bind', Source: hostDir, Target: '/m-ro', ReadOnly: true },
            { Type: 'bind', Source: hostDir, Target: '/m-rw' },
          ],
        },
      },
    );
    assert.equal(out, 'from-host\nfrom-host\nro-denied\nm-ro-denied\nfrom-host\n');
    assert.equal(fs.readFileSync(path.join(hostDir, 'out.txt'), 'utf8'), 'from-box\n');
    assert.ok(!fs.existsSync(path.join(hostDir, 'f')));
  });

  test('Memory, MemorySwap, PidsLimit, CpuShares, CpuQuota, CpuPeriod, CpusetCpus in the cgroup files', async () => {
    const id = await run(d, {
      Cmd: ['sleep', '1000'],
      HostConfig: {
        Memory: 64 * 1024 * 1024,
        MemorySwap: 128 * 1024 * 1024,
        PidsLimit: 50,
        CpuShares: 512,
        CpuQuota: 50000,
        CpuPeriod: 100000,
        CpusetCpus: '0',
      },
    });
    assert.equal(cgroupFile('memory', id, 'memory.limit_in_bytes'), String(64 * 1024 * 1024));
    if (fs.existsSync(path.join('/sys/fs/cgroup/memory', d.cgroupParent, id, 'memory.memsw.limit_in_bytes'))) {
      assert.equal(cgroupFile('memory', id, 'memory.memsw.limit_in_bytes'), String(128 * 1024 * 1024));
    }
    assert.equal(cgroupFile('pids', id, 'pids.max'), '50');
    assert.equal(cgroupFile('cpu', id, 'cpu.shares'), '512');
    assert.equal(cgroupFile('cpu', id, 'cpu.cfs_quota_us'), '50000');
    assert.equal(cgroupFile('cpu', id, 'cpu.cfs_period_us'), '100000');
    assert.equal(cgroupFile('cpuset', id, 'cpuset.cpus'), '0');
    await verb(d, id, 'kill');
    const nano = await run(d, { Cmd: ['sleep', '1000'], HostConfig: { NanoCpus: 500_000_000 } });
    const quota = Number(cgroupFile('cpu', nano, 'cpu.cfs_quota_us'));
    const period = Number(cgroupFile('cpu', nano, 'cpu.cfs_period_us'));
    assert.equal(quota / period, 0.5);
    await verb(d, nano, 'kill');
  });

  test('default capabilities, CapAdd, CapDrop and Privileged in CapEff', async () => {
    assert.equal(capEff(await output('cat /proc/self/status')), DEFAULT_CAPS);
    const added = capEff(await output('cat /proc/self/status', { HostConfig: { CapAdd: ['NET_ADMIN'] } }));
    assert.equal(added, DEFAULT_CAPS | (1n << 12n));
    const dropped = capEff(await output('cat /proc/self/status', { HostConfig: { CapDrop: ['CHOWN', 'CAP_NET_RAW'] } }));
    assert.equal(dropped, DEFAULT_CAPS & ~1n & ~(1n << 13n));
    // Privileged gets every capability the host can give: our own bounding set (this machine lacks SYS_RESOURCE).
    const bounding = BigInt('0x' + /CapBnd:\s*([0-9a-f]+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))![1]);
    const priv = capEff(await output('cat /proc/self/status', { HostConfig: { Privileged: true } }));
    assert.equal(priv, bounding);
  });

  test('SecurityOpt no-new-privileges sets NoNewPrivs', async () => {
    assert.match(await output('grep NoNewPrivs /proc/self/status'), /NoNewPrivs:\s*0/);
    const out = await output('grep NoNewPrivs /proc/self/status', { HostConfig: { SecurityOpt: ['no-new-privileges'] } });
    assert.match(out, /NoNewPrivs:\s*1/);
  });

  test('Ulimits apply to the container', async () => {
    const out = await output('ulimit -n; ulimit -Hn', { HostConfig: { Ulimits: [{ Name: 'nofile', Soft: 1024, Hard: 2048 }] } });
    assert.equal(out, '1024\n2048\n');
  });

  test("NetworkMode none has only lo; host sees the host's interfaces", async () => {
    const ifaces = (text: string) =>
      text
        .split('\n')
        .slice(2)
        .map((l) => l.split(':')[0].trim())
        .filter(Boolean)
        .sort();
    const none = await output('cat /proc/net/dev', { HostConfig: { NetworkMode: 'none' } });
    assert.deepEqual(ifaces(none), ['lo']);
    // Other engines and tests add, remove and re-add links all the time, so two snapshots of the host's
    // list never bracket the container's: the namespace itself is what must be the host's, and the
    // links that stay (lo, the default route's) must show in it.
    const host = await output('readlink /proc/self/ns/net; cat /proc/net/dev', { HostConfig: { NetworkMode: 'host' } });
    const [ns, ...dev] = host.split('\n');
    assert.equal(ns, fs.readlinkSync('/proc/self/ns/net'), "the host's network namespace");
    const routed = fs
      .readFileSync('/proc/net/route', 'utf8')
      .split('\n')
      .slice(1)
      .filter((l) => l.split('\t')[1] === '00000000')
      .map((l) => l.split('\t')[0]);
    const seen = ifaces(dev.join('\n'));
    for (const link of ['lo', ...routed]) assert.ok(seen.includes(link), `${link} in ${seen.join(' ')}`);
  });

  test('Tty: logs are the raw terminal output, not framed', async () => {
    const id = await run(d, { Cmd: ['echo', 'hi'], Tty: true });
    await waitExit(d, id);
    const res = await d.request('GET', `/containers/${id}/logs`, { query: { stdout: 1 } });
    assert.equal(res.body.toString(), 'hi\r\n');
  });

  test('StopSignal is sent by stop; the process handles it', async () => {
    const id = await run(d, {
      Cmd: ['sh', '-c', 'trap "echo got-usr1; exit 9" USR1; echo ready; while true; do sleep 0.1; done'],
      StopSignal: 'SIGUSR1',
    });
    await eventually('ready', async () => (await logs(d, id)).stdout.includes('ready'));
    const t0 = Date.now();
    await verb(d, id, 'stop', { t: 10 });
    assert.ok(Date.now() - t0 < 5000, `stop took ${Date.now() - t0} ms`);
    assert.equal((await inspectApi(d, id)).State.ExitCode, 9);
    assert.match((await logs(d, id)).stdout, /got-usr1/);
  });

  test('StopTimeout is the default grace period of stop', async () => {
    const id = await run(d, { Cmd: ['sleep', '1000'], StopTimeout: 1 });
    const t0 = Date.now();
    await verb(d, id, 'stop');
    const took = Date.now() - t0;
    assert.ok(took >= 900 && took < 6000, `stop took ${took} ms`);
    assert.equal((await inspectApi(d, id)).State.ExitCode, 137);
  });

  test('AutoRemove: wait?condition=removed returns the exit code, then the container is gone', async () => {
    const id = await create(d, { Cmd: ['sh', '-c', 'exit 4'], HostConfig: { AutoRemove: true } });
    const waiting = await streamRequest(d, 'POST', `/containers/${id}/wait`, { condition: 'removed' });
    assert.equal(waiting.status, 200);
    await verb(d, id, 'start');
    assert.equal(JSON.parse((await waiting.body).toString()).StatusCode, 4);
    assert.equal((await d.request('GET', `/containers/${id}/json`)).status, 404);
    assert.ok(!fs.existsSync(path.join(d.dataRoot, 'containers', id)), 'container dir removed');
  });
});

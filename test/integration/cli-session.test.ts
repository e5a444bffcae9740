/**
 * The docker CLI session of issue 2, run with the real docker CLI against a
 * private berthd, checking output and exit codes as dockerd gives them.
 * Tests in the "web" suite run in order and share one container.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { describe, test } from 'node:test';
import { useDaemon } from './helpers/suite.js';
import { dockerExpect, dockerTime, eventually, inspect, skipUnlessRoot } from './helpers/docker-cli.js';
import { busyboxRootfsTar } from './helpers/images.js';

const ID64 = /^[0-9a-f]{64}\n$/;
const TIMESTAMPED = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z \S/;
const lines = (s: string) => s.split('\n').filter((l) => l !== '');

describe('docker CLI session', { skip: skipUnlessRoot(), timeout: 300_000 }, () => {
  const d = useDaemon();

  test('run --rm echo prints hello, exits 0 and leaves no container', async () => {
    const r = await dockerExpect(d, ['run', '--rm', '--name', 'hello-rm', 'busybox', 'echo', 'hello']);
    assert.equal(r.stdout, 'hello\n');
    assert.equal((await dockerExpect(d, ['ps', '-aq', '--filter', 'name=hello-rm'])).stdout, '');
  });

  test('run --rm passes the exit code through', async () => {
    await dockerExpect(d, ['run', '--rm', 'busybox', 'sh', '-c', 'exit 3'], 3);
  });

  test("a missing command is 127 with Docker's message, and --rm still removes it", async () => {
    const r = await dockerExpect(d, ['run', '--rm', '--name', 'nosuch', 'busybox', 'nosuchcmd'], 127);
    assert.match(r.stderr, /executable file not found/);
    await eventually('nosuch removed', async () => (await d.docker(['ps', '-aq', '--filter', 'name=nosuch'])).stdout === '');
  });

  test('a command that is not executable is 126', async () => {
    const r = await dockerExpect(d, ['run', '--rm', 'busybox', '/etc/passwd'], 126);
    assert.match(r.stderr, /permission denied/);
  });

  test('-e, -w and -u apply inside the container', async () => {
    const r = await dockerExpect(d, ['run', '--rm', '-e', 'A=1', '-w', '/tmp', '-u', 'nobody', 'busybox', 'sh', '-c', 'echo "$(id -u):$(id -g) $(pwd) $A"']);
    assert.equal(r.stdout, '65534:65534 /tmp 1\n');
    // The image sets no PATH: the container gets Docker's default one.
    const path = await dockerExpect(d, ['run', '--rm', 'busybox', 'sh', '-c', 'echo $PATH']);
    assert.equal(path.stdout, '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n');
  });

  test('--memory 64m is the cgroup limit inside the container', async () => {
    const r = await dockerExpect(d, [
      'run',
      '--rm',
      '--memory',
      '64m',
      'busybox',
      'sh',
      '-c',
      'cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes',
    ]);
    assert.equal(r.stdout, '67108864\n');
  });

  describe('the web container', () => {
    const state = async (name = 'web') => (await inspect(d, name)).State;
    let firstPid = 0;

    test('run -d prints the ID and the container runs', async () => {
      const r = await dockerExpect(d, [
        'run',
        '-d',
        '--name',
        'web',
        '--restart',
        'on-failure:2',
        '-e',
        'A=1',
        '-w',
        '/tmp',
        '-u',
        'nobody',
        '--label',
        'k=v',
        '--memory',
        '64m',
        'busybox',
        'sh',
        '-c',
        'while true; do date; sleep 1; done',
      ]);
      assert.match(r.stdout, ID64);
      const s = await state();
      assert.equal(s.Status, 'running');
      assert.ok(s.Pid > 0 && fs.existsSync(`/proc/${s.Pid}`), `pid ${s.Pid} alive`);
      firstPid = s.Pid;
      await eventually('3 log lines', async () => lines((await d.docker(['logs', 'web'])).stdout).length >= 3);
    });

    test('logs --tail 2 --timestamps', async () => {
      const out = lines((await dockerExpect(d, ['logs', '--tail', '2', '--timestamps', 'web'])).stdout);
      assert.equal(out.length, 2, out.join('\n'));
      for (const l of out) assert.match(l, TIMESTAMPED);
    });

    test('logs -f --tail 2 --timestamps follows new lines', async () => {
      const r = await d.docker(['logs', '-f', '--tail', '2', '--timestamps', 'web'], {
        timeoutMs: 15_000,
        stopWhen: (out) => lines(out).length >= 4,
      });
      assert.ok(r.stopped && !r.timedOut, `follow produced: ${JSON.stringify(r.stdout)} ${r.stderr}`);
      const out = lines(r.stdout);
      for (const l of out) assert.match(l, TIMESTAMPED);
      assert.ok(out[3] > out[1], 'followed lines are newer than the tail');
    });

    test('ps lists it; filters and --format select it', async () => {
      const ps = await dockerExpect(d, ['ps']);
      assert.match(ps.stdout, /^CONTAINER ID\s+IMAGE\s+COMMAND\s+CREATED\s+STATUS\s+PORTS\s+NAMES\n/);
      assert.match(ps.stdout, /\n[0-9a-f]{12}\s+busybox\s+.*Up .*\sweb\n/);
      const fmt = ['--format', '{{.Names}} {{.Status}}'];
      assert.match((await dockerExpect(d, ['ps', '--filter', 'label=k=v', '--filter', 'name=web', ...fmt])).stdout, /^web Up .+\n$/);
      assert.equal((await dockerExpect(d, ['ps', '--filter', 'label=k=nope', ...fmt])).stdout, '');
      const exited = ['ps', '-a', '--filter', 'status=exited', '--filter', 'label=k=v', '--filter', 'name=web', ...fmt];
      assert.equal((await dockerExpect(d, exited)).stdout, '');
    });

    test('stop -t 2 kills after the grace period and the policy does not restart it', async () => {
      const t0 = Date.now();
      assert.equal((await dockerExpect(d, ['stop', '-t', '2', 'web'])).stdout, 'web\n');
      const took = Date.now() - t0;
      // sh as PID 1 ignores SIGTERM, so only the SIGKILL after 2 s ends it.
      assert.ok(took >= 1800 && took < 9000, `stop took ${took} ms`);
      const s = await state();
      assert.equal(s.Status, 'exited');
      assert.equal(s.ExitCode, 137);
      const exited = ['ps', '-a', '--filter', 'status=exited', '--filter', 'label=k=v', '--filter', 'name=web', '--format', '{{.Names}} {{.Status}}'];
      assert.match((await dockerExpect(d, exited)).stdout, /^web Exited \(137\) .+ ago\n$/);
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal((await state()).Status, 'exited', 'on-failure must not restart a stopped container');
    });

    test('start, kill -s USR1 (ignored by PID 1) and restart', async () => {
      assert.equal((await dockerExpect(d, ['start', 'web'])).stdout, 'web\n');
      const started = await state();
      assert.equal(started.Status, 'running');
      assert.notEqual(started.Pid, firstPid);
      assert.equal((await dockerExpect(d, ['kill', '-s', 'USR1', 'web'])).stdout, 'web\n');
      await new Promise((r) => setTimeout(r, 500));
      assert.equal((await state()).Pid, started.Pid, 'USR1 must not end the container');
      assert.equal((await dockerExpect(d, ['restart', 'web'], 0, { timeoutMs: 40_000 })).stdout, 'web\n');
      const restarted = await state();
      assert.equal(restarted.Status, 'running');
      assert.notEqual(restarted.Pid, started.Pid);
      assert.ok(dockerTime(restarted.StartedAt) > dockerTime(started.StartedAt));
    });

    test('pause shows (Paused) in ps; unpause resumes', async () => {
      assert.equal((await dockerExpect(d, ['pause', 'web'])).stdout, 'web\n');
      const s = await state();
      assert.equal(s.Status, 'paused');
      assert.equal(s.Paused, true);
      assert.match((await dockerExpect(d, ['ps'])).stdout, /Up .*\(Paused\)\s+web\n/);
      assert.equal((await dockerExpect(d, ['ps', '--filter', 'status=paused', '--format', '{{.Names}}'])).stdout, 'web\n');
      assert.equal((await dockerExpect(d, ['unpause', 'web'])).stdout, 'web\n');
      assert.equal((await state()).Status, 'running');
    });

    test('wait returns the exit code of a kill; the policy ignores a user kill', async () => {
      const waiting = d.docker(['wait', 'web'], { timeoutMs: 20_000 });
      await new Promise((r) => setTimeout(r, 500));
      assert.equal((await dockerExpect(d, ['kill', 'web'])).stdout, 'web\n');
      const w = await waiting;
      assert.equal(w.code, 0, w.stderr);
      assert.equal(w.stdout, '137\n');
      await new Promise((r) => setTimeout(r, 1500));
      const s = await inspect(d, 'web');
      assert.equal(s.State.Status, 'exited');
      assert.equal(s.RestartCount, 0);
    });

    test('rename, then top of the running container', async () => {
      await dockerExpect(d, ['start', 'web']);
      assert.equal((await dockerExpect(d, ['rename', 'web', 'web2'])).stdout, '');
      assert.match((await dockerExpect(d, ['inspect', 'web'], 1)).stderr, /no such object: web/i);
      const top = await dockerExpect(d, ['top', 'web2']);
      assert.match(top.stdout, /^UID\s+PID\s+PPID\s+C\s+STIME\s+TTY\s+TIME\s+CMD\n/);
      assert.match(top.stdout, /while true/);
    });

    test('inspect shows the configuration the run asked for', async () => {
      const c = await inspect(d, 'web2');
      assert.equal(c.Name, '/web2');
      assert.ok(c.Config.Env.includes('A=1'), JSON.stringify(c.Config.Env));
      assert.equal(c.Config.WorkingDir, '/tmp');
      assert.equal(c.Config.User, 'nobody');
      assert.deepEqual(c.Config.Labels, { k: 'v' });
      assert.deepEqual(c.Config.Cmd, ['sh', '-c', 'while true; do date; sleep 1; done']);
      assert.equal(c.Config.Image, 'busybox');
      assert.equal(c.HostConfig.Memory, 67108864);
      assert.deepEqual(c.HostConfig.RestartPolicy, { Name: 'on-failure', MaximumRetryCount: 2 });
      assert.equal(c.State.Running, true);
    });

    test('rm -f removes the running container', async () => {
      assert.equal((await dockerExpect(d, ['rm', '-f', 'web2'])).stdout, 'web2\n');
      assert.match((await dockerExpect(d, ['inspect', 'web2'], 1)).stderr, /no such object: web2/i);
      assert.equal((await dockerExpect(d, ['ps', '-aq', '--filter', 'name=web'])).stdout, '');
    });
  });

  test('container prune --filter label=k=v removes only stopped containers with that label', async () => {
    const run = async (name: string, label: string, ...cmd: string[]) =>
      (await dockerExpect(d, ['run', '-d', '--name', name, '--label', label, 'busybox', ...cmd])).stdout.trim();
    const a = await run('prune-a', 'k=v', 'true');
    const b = await run('prune-b', 'k=v', 'sh', '-c', 'exit 2');
    await run('prune-other', 'k=other', 'true');
    const live = await run('prune-live', 'k=v', 'sleep', '1000');
    assert.equal((await dockerExpect(d, ['wait', 'prune-a', 'prune-b', 'prune-other'])).stdout, '0\n2\n0\n');
    const r = await dockerExpect(d, ['container', 'prune', '-f', '--filter', 'label=k=v']);
    assert.match(r.stdout, /^Deleted Containers:\n/);
    assert.ok(r.stdout.includes(`${a}\n`) && r.stdout.includes(`${b}\n`), r.stdout);
    assert.ok(!r.stdout.includes(live), 'a running container is never pruned');
    assert.match(r.stdout, /Total reclaimed space: /);
    const left = lines((await dockerExpect(d, ['ps', '-a', '--filter', 'name=prune-', '--format', '{{.Names}}'])).stdout).sort();
    assert.deepEqual(left, ['prune-live', 'prune-other']);
    assert.equal((await dockerExpect(d, ['rm', '-f', 'prune-live', 'prune-other'])).stdout, 'prune-live\nprune-other\n');
  });

  test('import with --change, images, image inspect, tag, rmi', async () => {
    const tar = await busyboxRootfsTar();
    const imported = await dockerExpect(d, ['import', tar, 'mything:1', '--change', 'CMD ["/bin/sh"]']);
    assert.match(imported.stdout, /^sha256:[0-9a-f]{64}\n$/);
    const id = imported.stdout.trim();
    assert.match((await dockerExpect(d, ['images'])).stdout, /\nmything\s+1\s+[0-9a-f]{12}\s/);
    const img = JSON.parse((await dockerExpect(d, ['image', 'inspect', 'mything:1'])).stdout)[0];
    assert.equal(img.Id, id);
    assert.deepEqual(img.RepoTags, ['mything:1']);
    assert.deepEqual(img.Config.Cmd, ['/bin/sh']);
    assert.equal(img.Os, 'linux');
    // The layer's DiffID is the digest of the uncompressed tar as sent.
    const digest = createHash('sha256').update(fs.readFileSync(tar)).digest('hex');
    assert.equal(img.RootFS.Type, 'layers');
    assert.deepEqual(img.RootFS.Layers, [`sha256:${digest}`]);

    assert.equal((await dockerExpect(d, ['tag', 'mything:1', 'mything:2'])).stdout, '');
    const tags = lines((await dockerExpect(d, ['images', '--format', '{{.Repository}}:{{.Tag}}'])).stdout);
    assert.ok(tags.includes('mything:1') && tags.includes('mything:2') && tags.includes('busybox:latest'), tags.join(' '));
    assert.equal((await dockerExpect(d, ['run', '--rm', 'mything:2', 'echo', 'ok'])).stdout, 'ok\n');

    assert.equal((await dockerExpect(d, ['rmi', 'mything:2'])).stdout, 'Untagged: mything:2\n');
    const rmi = await dockerExpect(d, ['rmi', 'mything:1']);
    assert.match(rmi.stdout, /^Untagged: mything:1\n/);
    assert.ok(rmi.stdout.includes(`Deleted: ${id}\n`), rmi.stdout);
    assert.match((await dockerExpect(d, ['image', 'inspect', 'mything:1'], 1)).stderr, /no such image: mything:1/i);
  });

  test('rmi of an image a container uses is a conflict', async () => {
    await dockerExpect(d, ['create', '--name', 'holder', 'busybox', 'true']);
    const r = await dockerExpect(d, ['rmi', 'busybox'], 1);
    assert.match(r.stderr, /conflict/i);
    await dockerExpect(d, ['image', 'inspect', 'busybox']);
    await dockerExpect(d, ['rm', 'holder']);
  });
});

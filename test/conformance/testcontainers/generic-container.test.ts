/**
 * Testcontainers' GenericContainer against berthd: published ports and
 * getMappedPort, copies into and out of a container, exec, bind mounts,
 * restart, and stop with and without a grace period.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { after, before, describe, test } from 'node:test';
import * as tar from 'tar';
import type { GenericContainer } from 'testcontainers';
import { BUSYBOX, httpGet, pullEvents, skipTestcontainers, useTestcontainers } from './tc-suite.js';

describe('Testcontainers GenericContainer', { skip: skipTestcontainers, timeout: 240_000 }, () => {
  const t = useTestcontainers();
  const d = t.d;

  /** A busybox httpd serving /www (index.html says `text`) on port 8080. */
  function webServer(text: string): GenericContainer {
    return new t.tc.GenericContainer(BUSYBOX)
      .withCommand(['sh', '-c', `mkdir -p /www && echo ${text} > /www/index.html && exec httpd -f -p 8080 -h /www`])
      .withExposedPorts(8080);
  }

  /** A container that sleeps; as PID 1 without a handler, sh ignores SIGTERM. */
  const sleeper = () => new t.tc.GenericContainer(BUSYBOX).withCommand(['sh', '-c', 'while true; do sleep 1; done']);
  let hostDir: string;

  before(() => {
    hostDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-tc-'));
  });
  after(() => {
    if (hostDir) fs.rmSync(hostDir, { recursive: true, force: true });
  });

  async function containerIds(): Promise<string[]> {
    const res = await d.request('GET', '/containers/json', { query: { all: 1 } });
    return (res.json() as { Id: string }[]).map((c) => c.Id);
  }

  test('exposed port: getMappedPort answers HTTP on 127.0.0.1, and stop removes the container', async () => {
    const c = await webServer('hello-berth').start();
    try {
      const port = c.getMappedPort(8080);
      assert.equal(c.getFirstMappedPort(), port);
      assert.equal(c.getMappedPort('8080/tcp'), port);
      assert.equal(await httpGet(port, '/index.html'), 'hello-berth\n');
      assert.equal(c.getHost(), '127.0.0.1');
      assert.ok((await containerIds()).includes(c.getId()));
      // Testcontainers' own labels are on the container.
      assert.equal(c.getLabels()['org.testcontainers'], 'true');
    } finally {
      await c.stop();
    }
    assert.deepEqual(await containerIds(), []);
  });

  test('copies: files, content and directories before start; content and archives after', async () => {
    const file = path.join(hostDir, 'script.sh');
    fs.writeFileSync(file, '#!/bin/sh\necho from-script\n');
    const dir = path.join(hostDir, 'tree');
    fs.mkdirSync(path.join(dir, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'sub', 'leaf.txt'), 'leaf\n');
    fs.writeFileSync(path.join(dir, 'top.txt'), 'top\n');

    const c = await sleeper()
      .withCopyFilesToContainer([{ source: file, target: '/opt/bin/script.sh', mode: 0o755 }])
      .withCopyContentToContainer([{ content: 'some content\n', target: '/etc/app/config.txt', mode: 0o600 }])
      .withCopyDirectoriesToContainer([{ source: dir, target: '/data/tree' }])
      .start();
    try {
      assert.equal((await c.exec(['/opt/bin/script.sh'])).stdout, 'from-script\n');
      assert.equal((await c.exec(['stat', '-c', '%a', '/opt/bin/script.sh', '/etc/app/config.txt'])).stdout, '755\n600\n');
      assert.equal((await c.exec(['cat', '/etc/app/config.txt'])).stdout, 'some content\n');
      assert.equal((await c.exec(['cat', '/data/tree/top.txt', '/data/tree/sub/leaf.txt'])).stdout, 'top\nleaf\n');

      await c.copyContentToContainer([{ content: Buffer.from('late\n'), target: '/tmp/late/later.txt' }]);
      assert.equal((await c.exec(['cat', '/tmp/late/later.txt'])).stdout, 'late\n');
      await c.copyFilesToContainer([{ source: file, target: '/tmp/copied.sh' }]);
      assert.equal((await c.exec(['cat', '/tmp/copied.sh'])).stdout, fs.readFileSync(file, 'utf8'));

      // Out of the container: the tar stream of GET /archive.
      const out = path.join(hostDir, 'out');
      fs.mkdirSync(out);
      await pipeline((await c.copyArchiveFromContainer('/data/tree')) as Readable, tar.x({ cwd: out }));
      assert.equal(fs.readFileSync(path.join(out, 'tree', 'sub', 'leaf.txt'), 'utf8'), 'leaf\n');
    } finally {
      await c.stop();
    }
  });

  test('exec: stdout and stderr apart, exit code, env, working dir and user', async () => {
    const c = await sleeper().start();
    try {
      const r = await c.exec(['sh', '-c', 'echo out; echo err >&2; exit 3']);
      assert.equal(r.exitCode, 3);
      assert.equal(r.stdout, 'out\n');
      assert.equal(r.stderr, 'err\n');
      assert.match(r.output, /out\n/);
      // A string command is split at spaces by Testcontainers.
      assert.equal((await c.exec('echo split at spaces')).stdout, 'split at spaces\n');
      const opts = await c.exec(['sh', '-c', 'echo $GREETING; pwd; id -u'], { env: { GREETING: 'hi' }, workingDir: '/tmp', user: 'nobody' });
      assert.equal(opts.exitCode, 0);
      assert.equal(opts.stdout, 'hi\n/tmp\n65534\n');
      // As dockerd 20.10: exit code 126 and runc's message on the exec's stream.
      const missing = await c.exec(['/no/such/binary']);
      assert.equal(missing.exitCode, 126);
      assert.match(missing.output, /exec: "\/no\/such\/binary": stat \/no\/such\/binary: no such file or directory: unknown/);
    } finally {
      await c.stop();
    }
  });

  test('bind mounts: rw writes reach the host, ro refuses writes', async () => {
    const rw = path.join(hostDir, 'rw');
    const ro = path.join(hostDir, 'ro');
    fs.mkdirSync(rw);
    fs.mkdirSync(ro);
    fs.writeFileSync(path.join(ro, 'seed.txt'), 'seed\n');
    const c = await sleeper()
      .withBindMounts([
        { source: rw, target: '/mnt/rw' },
        { source: ro, target: '/mnt/ro', mode: 'ro' },
      ])
      .start();
    try {
      assert.equal((await c.exec(['sh', '-c', 'echo written > /mnt/rw/out.txt'])).exitCode, 0);
      assert.equal(fs.readFileSync(path.join(rw, 'out.txt'), 'utf8'), 'written\n');
      assert.equal((await c.exec(['cat', '/mnt/ro/seed.txt'])).stdout, 'seed\n');
      const denied = await c.exec(['sh', '-c', 'echo x > /mnt/ro/seed.txt']);
      assert.notEqual(denied.exitCode, 0);
      assert.match(denied.stderr, /Read-only file system/);
      assert.equal(fs.readFileSync(path.join(ro, 'seed.txt'), 'utf8'), 'seed\n');
    } finally {
      await c.stop();
    }
  });

  test('restart: a new start time, the port answers again, the container keeps its files', async () => {
    const c = await webServer('before-restart').start();
    try {
      await c.exec(['sh', '-c', 'echo kept > /kept.txt']);
      const before = await d.request('GET', `/containers/${c.getId()}/json`);
      await c.restart({ timeout: 1000 });
      const afterRes = await d.request('GET', `/containers/${c.getId()}/json`);
      const [b, a] = [before.json(), afterRes.json()];
      assert.equal(a.State.Running, true);
      assert.ok(Date.parse(a.State.StartedAt) > Date.parse(b.State.StartedAt), 'StartedAt moves on restart');
      assert.equal(await httpGet(c.getMappedPort(8080), '/index.html'), 'before-restart\n');
      assert.equal((await c.exec(['cat', '/kept.txt'])).stdout, 'kept\n');
    } finally {
      await c.stop();
    }
  });

  test('stop: the grace period is honoured before SIGKILL, and a TERM handler exits at once', async () => {
    const stubborn = await sleeper().start();
    const t0 = Date.now();
    const stopped = await stubborn.stop({ timeout: 2000, remove: false });
    const took = Date.now() - t0;
    assert.ok(took >= 1900 && took < 10_000, `stop with a 2 s grace period took ${took} ms`);
    const state = (await d.request('GET', `/containers/${stopped.getId()}/json`)).json();
    assert.equal(state.State.Status, 'exited');
    assert.equal(state.State.ExitCode, 137);
    // A stopped container still gives its files.
    const archive = await stopped.copyArchiveFromContainer('/etc/passwd');
    const names: string[] = [];
    await pipeline(archive as Readable, tar.t({ onReadEntry: (e) => names.push(e.path) }));
    assert.deepEqual(names, ['passwd']);
    assert.equal((await d.request('DELETE', `/containers/${stopped.getId()}`)).status, 204);

    const polite = await new t.tc.GenericContainer(BUSYBOX).withCommand(['sh', '-c', "trap 'exit 7' TERM; while true; do sleep 0.1; done"]).start();
    const t1 = Date.now();
    const stopped2 = await polite.stop({ timeout: 20_000, remove: false });
    assert.ok(Date.now() - t1 < 10_000, 'a container that handles SIGTERM does not wait out the grace period');
    assert.equal((await d.request('GET', `/containers/${stopped2.getId()}/json`)).json().State.ExitCode, 7);
    assert.equal((await d.request('DELETE', `/containers/${stopped2.getId()}`)).status, 204);
    assert.deepEqual(await containerIds(), []);
  });

  test('tmpfs, environment, working dir, user, hostname and commit', async () => {
    const c = await sleeper()
      .withTmpFs({ '/scratch': 'rw,size=1m' })
      .withEnvironment({ APP_MODE: 'test' })
      .withWorkingDir('/tmp')
      .withUser('nobody')
      .withHostname('tc-host')
      .start();
    try {
      const r = await c.exec(['sh', '-c', 'echo $APP_MODE; pwd; id -u; hostname; grep " /scratch " /proc/mounts | cut -d" " -f3']);
      assert.equal(r.stdout, 'test\n/tmp\n65534\ntc-host\ntmpfs\n');
      assert.equal(c.getHostname(), 'tc-host');
      const imageId = await c.commit({ repo: 'tc-committed', tag: 'v1', deleteOnExit: false });
      const img = await d.request('GET', '/images/tc-committed:v1/json');
      assert.equal(img.status, 200);
      assert.equal((img.json() as { Id: string }).Id, imageId.startsWith('sha256:') ? imageId : `sha256:${imageId}`);
    } finally {
      await c.stop();
    }
  });

  test('reuse finds the running container by its hash label; labels, logs and a log consumer', async () => {
    const lines: string[] = [];
    const make = () =>
      new t.tc.GenericContainer(BUSYBOX)
        .withCommand(['sh', '-c', 'echo line-out; echo line-err >&2; exec sleep 600'])
        .withLabels({ 'berth.test': 'reuse' })
        .withReuse()
        .withWaitStrategy(t.tc.Wait.forLogMessage('line-err'));
    const first = await make()
      .withLogConsumer((stream) => stream.on('data', (line: string | Buffer) => lines.push(String(line))))
      .start();
    try {
      // Same configuration (the log consumer is not part of it): GET /containers/json?limit=1 with
      // label and status filters finds the first one, so no second container is made.
      const second = await make().start();
      assert.equal(second.getId(), first.getId());
      assert.equal(first.getLabels()['berth.test'], 'reuse');
      assert.match(first.getLabels()['org.testcontainers.container-hash'] ?? '', /^[0-9a-f]+$/);
      assert.deepEqual(await containerIds(), [first.getId()]);

      const text = await new Promise<string>((resolve, reject) => {
        const seen: string[] = [];
        const timer = setTimeout(() => reject(new Error(`logs() gave only ${JSON.stringify(seen)}`)), 10_000);
        void first.logs().then((stream) =>
          stream.on('data', (line: string | Buffer) => {
            seen.push(String(line));
            if (seen.join('').includes('line-err')) {
              clearTimeout(timer);
              stream.destroy();
              resolve(seen.join(''));
            }
          }),
        );
      });
      assert.match(text, /line-out/);
      assert.match(lines.join(''), /line-out[\s\S]*line-err|line-err[\s\S]*line-out/);
    } finally {
      await first.stop();
    }
  });

  test('nothing was pulled: the image was there, so the default pull policy never asked a registry', async () => {
    assert.deepEqual(await pullEvents(d), []);
  });
});

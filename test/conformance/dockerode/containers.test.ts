/**
 * dockerode's container API against berthd: create/start/inspect, logs
 * demultiplexed with modem.demuxStream, attach streams (output, and stdin
 * both hijacked and as dockerode writes it without hijack), exec with
 * start/inspect, wait, and getArchive/putArchive/infoArchive.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { makeTar } from '../../integration/helpers/image-archives.js';
import { useDaemon } from '../../integration/helpers/suite.js';
import { demuxed, dockerode, readAll, skipUnlessRoot } from './client.js';

describe('dockerode: containers', { skip: skipUnlessRoot(), timeout: 120_000 }, () => {
  const d = useDaemon();

  test('createContainer, start, inspect, logs (follow, demuxed), wait', async () => {
    const docker = dockerode(d);
    const c = await docker.createContainer({
      Image: 'busybox',
      name: 'dode-logs',
      Cmd: ['sh', '-c', 'echo out1; echo err1 >&2; echo out2; exit 3'],
      Labels: { 'dode.test': 'logs' },
    });
    const created = await c.inspect();
    assert.equal(created.Name, '/dode-logs');
    assert.equal(created.State.Status, 'created');
    assert.equal(created.Config.Labels['dode.test'], 'logs');
    await c.start();
    assert.deepEqual(await c.wait(), { StatusCode: 3, Error: null });
    const logs = await demuxed(docker, await c.logs({ follow: true, stdout: true, stderr: true }));
    assert.deepEqual(logs, { stdout: 'out1\nout2\n', stderr: 'err1\n' });
    // Without follow dockerode hands back the multiplexed bytes in one Buffer.
    const buffered = await c.logs({ stdout: true, stderr: false, timestamps: true });
    const lines: string[] = [];
    for (let at = 0; at < buffered.length; at += 8 + buffered.readUInt32BE(at + 4)) {
      assert.equal(buffered[at], 1, 'stdout frames only');
      lines.push(buffered.subarray(at + 8, at + 8 + buffered.readUInt32BE(at + 4)).toString());
    }
    assert.match(lines.join(''), /^\d{4}-\d\d-\d\dT[\d:.]+Z out1\n[^ ]+Z out2\n$/);
    const stopped = await c.inspect();
    assert.equal(stopped.State.Status, 'exited');
    assert.equal(stopped.State.ExitCode, 3);
    await c.remove();
  });

  test('attach before start: stdout and stderr demultiplexed, stream ends at exit', async () => {
    const docker = dockerode(d);
    const c = await docker.createContainer({ Image: 'busybox', Cmd: ['sh', '-c', 'echo a; echo b >&2; echo c'], AttachStdout: true, AttachStderr: true });
    const stream = await c.attach({ stream: true, stdout: true, stderr: true });
    const output = demuxed(docker, stream);
    await c.start();
    assert.deepEqual(await output, { stdout: 'a\nc\n', stderr: 'b\n' });
    assert.equal((await c.wait()).StatusCode, 0);
    await c.remove();
  });

  for (const hijack of [true, false]) {
    test(`attach with stdin (${hijack ? 'hijack: Upgrade tcp' : 'no hijack: stdin after the request'})`, async () => {
      const docker = dockerode(d);
      const c = await docker.createContainer({
        Image: 'busybox',
        Cmd: ['sh', '-c', 'read line; echo "got $line"; echo bye >&2'],
        OpenStdin: true,
        StdinOnce: true,
        AttachStdin: true,
        AttachStdout: true,
        AttachStderr: true,
      });
      const stream = await c.attach({ stream: true, hijack, stdin: true, stdout: true, stderr: true });
      const output = demuxed(docker, stream);
      await c.start();
      stream.write('ping\n');
      assert.deepEqual((await c.wait()).StatusCode, 0);
      assert.deepEqual(await output, { stdout: 'got ping\n', stderr: 'bye\n' });
      await c.remove();
    });
  }

  test('exec: create, start (demuxed), inspect with the exit code; hijacked exec with stdin', async () => {
    const docker = dockerode(d);
    const c = await docker.createContainer({ Image: 'busybox', Cmd: ['sleep', '60'] });
    await c.start();
    const exec = await c.exec({ Cmd: ['sh', '-c', 'echo "x=$X"; echo warn >&2; exit 4'], Env: ['X=1'], AttachStdout: true, AttachStderr: true });
    const before = await exec.inspect();
    assert.equal(before.Running, false);
    assert.equal(before.ContainerID, c.id);
    assert.deepEqual(await demuxed(docker, await exec.start({})), { stdout: 'x=1\n', stderr: 'warn\n' });
    const after = await exec.inspect();
    assert.equal(after.ExitCode, 4);
    assert.equal(after.Running, false);

    const cat = await c.exec({ Cmd: ['cat'], AttachStdin: true, AttachStdout: true });
    const duplex = await cat.start({ hijack: true, stdin: true });
    const output = demuxed(docker, duplex);
    duplex.end('all of me\n');
    assert.deepEqual(await output, { stdout: 'all of me\n', stderr: '' });
    assert.equal((await cat.inspect()).ExitCode, 0);
    await c.remove({ force: true });
  });

  test('wait with condition next-exit, then kill', async () => {
    const docker = dockerode(d);
    const c = await docker.createContainer({ Image: 'busybox', Cmd: ['sleep', '60'] });
    await c.start();
    const waited = c.wait({ condition: 'next-exit' });
    await c.kill({ signal: 'SIGKILL' });
    assert.equal((await waited).StatusCode, 137);
    await c.remove();
  });

  test('putArchive, infoArchive, getArchive on a created and on a running container', async () => {
    const docker = dockerode(d);
    const c = await docker.createContainer({ Image: 'busybox', Cmd: ['sleep', '60'] });
    const upload = await makeTar([['drop/'], ['drop/hello.txt', 'hello from dockerode\n']]);
    await c.putArchive(upload, { path: '/tmp' });
    // Never started: the init layer's files are there already.
    assert.ok(await readAll(await c.getArchive({ path: '/etc/resolv.conf' })));
    await c.start();
    const tar = await readAll(await c.getArchive({ path: '/tmp/drop/hello.txt' }));
    assert.equal(tar.subarray(0, 9).toString(), 'hello.txt');
    assert.equal(tar.subarray(512, 512 + 21).toString(), 'hello from dockerode\n');
    const info = (await c.infoArchive({ path: '/tmp/drop' })) as unknown as { headers: Record<string, string> };
    const stat = JSON.parse(Buffer.from(info.headers['x-docker-container-path-stat'], 'base64').toString());
    assert.equal(stat.name, 'drop');
    assert.ok(stat.mode & 0x80000000, 'a directory');
    await assert.rejects(c.getArchive({ path: '/nowhere' }), (err: { statusCode?: number }) => err.statusCode === 404);
    await c.remove({ force: true });
  });
});

/**
 * Exec sessions with the real docker CLI and raw HTTP against a private
 * berthd: output, env/cwd/user, exit codes, detached execs, Docker's
 * conflicts and 404s, and that finished sessions leave no conmon and no
 * directory behind (the daemon's cleanup() also checks for leaks).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startDaemon, type TestDaemon } from './helpers/daemon.js';
import { dockerExpect, eventually, inspect, skipUnlessRoot } from './helpers/docker-cli.js';
import { importBusybox } from './helpers/images.js';
import { processesMentioning } from './helpers/leaks.js';
import { execConmons } from './helpers/exec-conmons.js';
import net from 'node:net';
import { demux, run, streamText } from './helpers/api.js';

/** POST /exec/{id}/start with Upgrade over a raw socket; resolves every chunk as read once the server closes. */
function rawExecStart(socketPath: string, execId: string): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ Detach: false, Tty: false });
    const sock = net.connect(socketPath);
    const chunks: Buffer[] = [];
    sock.on('data', (c: Buffer) => chunks.push(c));
    sock.on('error', reject);
    sock.on('close', () => resolve(chunks));
    sock.write(
      `POST /v1.41/exec/${execId}/start HTTP/1.1\r\nHost: berth\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n${body}`,
    );
  });
}

describe('exec sessions', { skip: skipUnlessRoot(), timeout: 300_000 }, () => {
  let d: TestDaemon;
  let ctrId: string;
  const execDir = () => path.join(d.execRoot, 'containers', ctrId, 'exec');

  before(async () => {
    d = await startDaemon();
    await importBusybox(d);
    ctrId = (await dockerExpect(d, ['run', '-d', '--name', 'ex', 'busybox', 'sleep', '1000'])).stdout.trim();
  });
  after(async () => {
    await d?.cleanup();
  });

  test('TTY exec detach keys end the stream and leave the process running; bad keys are a 400', async () => {
    for (const keys of ['', 'ctrl-a,x']) {
      const created = await d.request('POST', `/containers/${ctrId}/exec`, {
        body: { Cmd: ['sh'], Tty: true, AttachStdin: true, AttachStdout: true, AttachStderr: true, DetachKeys: keys },
      });
      assert.equal(created.status, 201, created.body.toString());
      const execId = created.json().Id as string;
      const body = JSON.stringify({ Detach: false, Tty: true });
      const sock = net.connect(d.socket);
      let got = '';
      let closed = false;
      sock.on('data', (c: Buffer) => (got += c.toString('latin1')));
      sock.on('error', () => undefined);
      const gone = new Promise<void>((r) => sock.on('close', () => ((closed = true), r())));
      sock.write(
        `POST /v1.41/exec/${execId}/start HTTP/1.1\r\nHost: berth\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n${body}`,
      );
      await eventually('101', () => got.startsWith('HTTP/1.1 101 '));
      sock.write('echo sum=$((40+2))\n');
      await eventually('the shell answers', () => got.includes('sum=42'));
      sock.write(keys === '' ? Buffer.from([0x10, 0x11]) : Buffer.from([0x01, 0x78]));
      await Promise.race([gone, new Promise((r) => setTimeout(r, 5_000))]);
      assert.ok(closed, `the stream ended on detach (${keys || 'default keys'})`);
      const view = (await d.request('GET', `/exec/${execId}/json`)).json();
      assert.equal(view.Running, true, 'the exec keeps running');
      // Let the shell go (kill its pid from the host).
      process.kill(view.Pid, 'SIGKILL');
      await eventually('the exec ended', async () => (await d.request('GET', `/exec/${execId}/json`)).json().Running === false);
    }
    const bad = await d.request('POST', `/containers/${ctrId}/exec`, { body: { Cmd: ['sh'], Tty: true, DetachKeys: 'ctrl-xx' } });
    assert.equal(bad.status, 400);
    assert.equal(bad.json().message, 'Invalid detach keys (ctrl-xx) provided');
  });

  test('exec echo prints its output every time (fast processes lose nothing)', async () => {
    for (let i = 0; i < 10; i++) {
      const r = await dockerExpect(d, ['exec', 'ex', 'echo', `hi${i}`]);
      assert.equal(r.stdout, `hi${i}\n`);
    }
  });

  test('stdout and stderr stay apart; env, working dir and user apply', async () => {
    const r = await dockerExpect(d, ['exec', 'ex', 'sh', '-c', 'echo out; echo err >&2']);
    assert.equal(r.stdout, 'out\n');
    assert.equal(r.stderr, 'err\n');
    const u = await dockerExpect(d, ['exec', '-e', 'A=1', '-w', '/tmp', '-u', 'nobody', 'ex', 'sh', '-c', 'echo $A $(pwd) $(id -u)']);
    assert.equal(u.stdout, '1 /tmp 65534\n');
  });

  test("exit codes: 7 passes through, a missing binary and a directory are 126 (as dockerd's exec)", async () => {
    await dockerExpect(d, ['exec', 'ex', 'sh', '-c', 'exit 7'], 7);
    const missing = await dockerExpect(d, ['exec', 'ex', 'nosuch'], 126);
    assert.match(missing.stdout + missing.stderr, /executable file not found/);
    await dockerExpect(d, ['exec', 'ex', '/etc'], 126);
  });

  test('stdin reaches the process and its end closes it', async () => {
    const r = await dockerExpect(d, ['exec', '-i', 'ex', 'cat'], 0, { input: 'hello\n' });
    assert.equal(r.stdout, 'hello\n');
  });

  test('inspect right after the stream shows the exit code; unknown ids are 404', async () => {
    const created = await d.request('POST', `/containers/ex/exec`, { body: { Cmd: ['sh', '-c', 'exit 5'], AttachStdout: true } });
    assert.equal(created.status, 201, created.body.toString());
    const id = created.json().Id as string;
    const started = await d.request('POST', `/exec/${id}/start`, { body: { Detach: false, Tty: false } });
    assert.equal(started.status, 200);
    const info = (await d.request('GET', `/exec/${id}/json`)).json();
    assert.equal(info.ExitCode, 5);
    assert.equal(info.Running, false);
    assert.equal(info.ContainerID, ctrId);
    const again = await d.request('POST', `/exec/${id}/start`, { body: {} });
    assert.equal(again.status, 409);
    const missing = await d.request('GET', '/exec/nope/json');
    assert.equal(missing.status, 404);
    assert.equal(missing.json().message, 'No such exec instance: nope');
    const empty = await d.request('POST', '/containers/ex/exec', { body: { Cmd: [] } });
    assert.equal(empty.status, 400);
  });

  test('exec -d runs in the background; finished sessions leave no conmon or directory', async () => {
    await dockerExpect(d, ['exec', '-d', 'ex', 'sh', '-c', 'echo $$ > /tmp/detached.pid; exec sleep 31']);
    const ps = await dockerExpect(d, ['exec', 'ex', 'ps']);
    assert.match(ps.stdout, /sleep 31/);
    // The ps session is over when the CLI has its exit code: its conmon is gone by then (the engine waits for it).
    // The container's spare conmon (spare-conmons.ts) belongs to no session.
    assert.equal((await execConmons(d)).sessions.length, 1, 'only the detached session keeps a conmon');
    await dockerExpect(d, ['exec', 'ex', 'sh', '-c', 'kill $(cat /tmp/detached.pid)']);
    await eventually('exec sessions to end', async () => (await execConmons(d)).sessions.length === 0);
    await eventually('exec dirs to go (a spare keeps its own)', async () => {
      const spares = new Set((await execConmons(d)).spares.map((s) => s.id));
      return !fs.existsSync(execDir()) || fs.readdirSync(execDir()).every((entry) => spares.has(entry));
    });
  });

  test("exec in a paused or stopped container is 409 with Docker's words", async () => {
    await dockerExpect(d, ['pause', 'ex']);
    const paused = await dockerExpect(d, ['exec', 'ex', 'true'], 1);
    // dockerd names a paused container as the client did (a stopped one by its ID, below).
    assert.match(paused.stderr, /Container ex is paused, unpause the container before exec/);
    await dockerExpect(d, ['unpause', 'ex']);
    await dockerExpect(d, ['run', '--name', 'done', 'busybox', 'true']);
    const id = (await inspect(d, 'done')).Id as string;
    const stopped = await dockerExpect(d, ['exec', 'done', 'true'], 1);
    assert.match(stopped.stderr, new RegExp(`Container ${id} is not running`));
  });

  test('the first exec in 30 fresh containers delivers all of its output, after the headers', async () => {
    for (let i = 0; i < 30; i++) {
      const id = await run(d, { Cmd: ['sleep', '100'] });
      const created = await d.request('POST', `/containers/${id}/exec`, {
        body: { Cmd: ['sh', '-c', 'echo out; echo err >&2'], AttachStdout: true, AttachStderr: true },
      });
      assert.equal(created.status, 201, created.body.toString());
      const execId = created.json().Id as string;
      const chunks = await rawExecStart(d.socket, execId);
      const all = Buffer.concat(chunks);
      const headerEnd = all.indexOf('\r\n\r\n') + 4;
      assert.ok(all.subarray(0, 13).toString() === 'HTTP/1.1 101 ', `container ${i}: ${all.toString('latin1')}`);
      const frames = demux(all.subarray(headerEnd));
      assert.equal(streamText(frames, 1), 'out\n', `container ${i}: stdout`);
      assert.equal(streamText(frames, 2), 'err\n', `container ${i}: stderr`);
      // docker-py reads the headers through a buffered reader: output that shares their read is lost to it.
      assert.equal(chunks[0].length, headerEnd, `container ${i}: output came together with the headers`);
      assert.equal((await d.request('GET', `/exec/${execId}/json`)).json().ExitCode, 0);
      assert.equal((await d.request('DELETE', `/containers/${id}`, { query: { force: '1' } })).status, 204);
    }
  });

  test('removing a container with a running exec leaks nothing', async () => {
    await dockerExpect(d, ['exec', '-d', 'ex', 'sleep', '200']);
    await dockerExpect(d, ['rm', '-f', 'ex']);
    await eventually('exec conmons (spares too) to exit', () => processesMentioning(d.root).filter((p) => p.cmdline.includes('--exec-attach')).length === 0);
  });
});

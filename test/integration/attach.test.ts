/**
 * Interactive attach end to end: the raw hijack with stdin (with and
 * without Upgrade), stdin sent before start, half-close with and without
 * StdinOnce, detach keys, TTY sessions through a real pty (script, tmux),
 * resize before and after start, 20 clients, a slow reader, WebSocket.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import WebSocket from 'ws';
import { create, demux, inspectApi, sleep, streamText, verb, waitExit } from './helpers/api.js';
import { dockerExpect, eventually, skipUnlessRoot } from './helpers/docker-cli.js';
import { useDaemon } from './helpers/suite.js';
import type { TestDaemon } from './helpers/daemon.js';

/** A hijacked attach: raw request out, everything back collected; write and half-close stdin. */
class Hijack {
  data = Buffer.alloc(0);
  readonly sock: net.Socket;
  readonly closed: Promise<void>;

  constructor(socketPath: string, cid: string, query: string, opts: { upgrade?: boolean; body?: string } = {}) {
    this.sock = net.connect({ path: socketPath, allowHalfOpen: true });
    this.sock.on('data', (c: Buffer) => (this.data = Buffer.concat([this.data, c])));
    this.sock.on('error', () => undefined);
    // Half-open only while stdin may still be sent: once berth ends the stream, close our side too.
    this.sock.on('end', () => this.sock.end());
    this.closed = new Promise((r) => this.sock.on('close', () => r()));
    const upgrade = opts.upgrade ?? true;
    const body = opts.body ?? '';
    this.sock.write(
      `POST /v1.41/containers/${cid}/attach?${query} HTTP/1.1\r\nHost: berth\r\n` +
        (upgrade ? 'Connection: Upgrade\r\nUpgrade: tcp\r\n' : `Content-Type: application/octet-stream\r\nContent-Length: ${body.length}\r\n`) +
        `\r\n${body}`,
    );
  }

  head(): string {
    const at = this.data.indexOf('\r\n\r\n');
    return at < 0 ? '' : this.data.subarray(0, at).toString('latin1');
  }

  body(): Buffer {
    const at = this.data.indexOf('\r\n\r\n');
    return at < 0 ? Buffer.alloc(0) : this.data.subarray(at + 4);
  }

  async until(pred: () => boolean, what: string, ms = 10_000): Promise<void> {
    await eventually(what, () => pred(), { timeoutMs: ms, intervalMs: 20 });
  }

  write(s: string | Buffer): void {
    this.sock.write(s);
  }

  halfClose(): void {
    this.sock.end();
  }

  close(): void {
    this.sock.destroy();
  }
}

const STDIN_Q = 'stream=1&stdin=1&stdout=1&stderr=1';
const text = (h: Hijack) => streamText(demux(h.body()), 1);

describe('interactive attach', { skip: skipUnlessRoot(), timeout: 240_000 }, () => {
  const d = useDaemon();

  for (const upgrade of [true, false]) {
    test(`stdin before start, then its end, reaches a StdinOnce container (${upgrade ? '101' : '200'})`, async () => {
      const cid = await create(d, { Cmd: ['sh', '-c', 'cat; echo end'], OpenStdin: true, StdinOnce: true, AttachStdin: true });
      const h = new Hijack(d.socket, cid, STDIN_Q, { upgrade, body: upgrade ? '' : 'early\n' });
      await h.until(() => h.head() !== '', 'the hijack answer');
      assert.match(h.head(), upgrade ? /^HTTP\/1\.1 101 / : /^HTTP\/1\.1 200 /);
      if (upgrade) {
        h.write('early\n');
        h.halfClose();
      }
      await verb(d, cid, 'start');
      await Promise.race([h.closed, sleep(10_000)]);
      assert.equal(text(h), 'early\nend\n');
      assert.equal(await waitExit(d, cid), 0);
    });
  }

  test('OpenStdin without StdinOnce: a half-close or a disconnect leaves the container stdin open', async () => {
    const cid = await create(d, { Cmd: ['cat'], OpenStdin: true });
    await verb(d, cid, 'start');
    const a = new Hijack(d.socket, cid, STDIN_Q);
    await a.until(() => a.head() !== '', 'first attach');
    a.write('one\n');
    await a.until(() => text(a) === 'one\n', 'echo of one');
    a.halfClose();
    await sleep(300);
    a.close();
    await sleep(300);
    assert.equal((await inspectApi(d, cid)).State.Running, true);
    const b = new Hijack(d.socket, cid, STDIN_Q);
    await b.until(() => b.head() !== '', 'second attach');
    b.write('two\n');
    await b.until(() => text(b) === 'two\n', 'echo of two');
    b.close();
    await verb(d, cid, 'kill');
  });

  test('detach keys end the attach and leave the container running; a lone prefix passes', async () => {
    const cid = await create(d, { Cmd: ['cat'], OpenStdin: true });
    await verb(d, cid, 'start');
    const h = new Hijack(d.socket, cid, `${STDIN_Q}&detachKeys=ctrl-a,x`);
    await h.until(() => h.head() !== '', 'attach');
    h.write(Buffer.from([0x01, 0x79, 0x0a]));
    await h.until(() => text(h) === '\x01y\n', 'the released prefix');
    h.write(Buffer.from([0x61, 0x01, 0x78, 0x62]));
    await Promise.race([h.closed, sleep(5_000)]);
    assert.ok(h.sock.destroyed || h.sock.readableEnded, 'the connection closed on detach');
    assert.equal((await inspectApi(d, cid)).State.Running, true);
    await verb(d, cid, 'kill');
  });

  test('bad detach keys are a 400 before the hijack (API and CLI)', async () => {
    const cid = await create(d, { Cmd: ['cat'], OpenStdin: true });
    const res = await d.request('POST', `/containers/${cid}/attach`, { query: { stream: 1, stdin: 1, detachKeys: 'ctrl-xx' } });
    assert.equal(res.status, 400);
    assert.equal(res.json().message, 'Invalid detach keys (ctrl-xx) provided');
    assert.equal((await inspectApi(d, cid)).State.Status, 'created');
  });

  test('a client that attached stdin before start and detached puts the container back to created', async () => {
    const cid = await create(d, { Cmd: ['cat'], OpenStdin: true, StdinOnce: true });
    const h = new Hijack(d.socket, cid, STDIN_Q);
    await h.until(() => h.head() !== '', 'attach');
    // Detach keys (a plain close would look like a half-close, after which the client may still read).
    h.write(Buffer.from([0x10, 0x11]));
    await Promise.race([h.closed, sleep(5_000)]);
    // Inspect shows an initialized container as created too: wait for its process to go.
    await eventually('no process', async () => (await inspectApi(d, cid)).State.Pid === 0);
    const res = await d.request('DELETE', `/containers/${cid}`);
    assert.equal(res.status, 204, res.body.toString());
  });

  test('a container initialized by an attach that then vanished is removable without force; no conmon is left', async () => {
    const cid = await create(d, { Cmd: ['cat'], OpenStdin: true, StdinOnce: true });
    const h = new Hijack(d.socket, cid, STDIN_Q);
    await h.until(() => h.head() !== '', 'attach');
    await eventually('initialized (a conmon runs)', () => conmonsOf(cid) > 0);
    h.close();
    const res = await d.request('DELETE', `/containers/${cid}`);
    assert.equal(res.status, 204, res.body.toString());
    await eventually('no conmon left', () => conmonsOf(cid) === 0, { timeoutMs: 5_000 });
    assert.equal((await d.request('GET', `/containers/${cid}/json`)).status, 404);
  });

  test('docker CLI: piped stdin to run -i, exit codes, 30 × run --rm echo', async () => {
    assert.equal((await dockerExpect(d, ['run', '-i', '--rm', 'busybox', 'cat'], 0, { input: 'hi\n' })).stdout, 'hi\n');
    const r = await d.docker(['run', '-i', '--rm', 'busybox', 'sh', '-c', 'cat; exit 3'], { input: 'a\nb\n' });
    assert.deepEqual([r.code, r.stdout], [3, 'a\nb\n']);
    const runs = await Promise.all(
      Array.from({ length: 30 }, (_, i) => (i % 3 === 0 ? sleep(i * 10) : Promise.resolve()).then(() => d.docker(['run', '--rm', 'busybox', 'echo', 'hi']))),
    );
    assert.deepEqual(
      runs.map((x) => `${x.code}:${x.stdout}`),
      Array(30).fill('0:hi\n'),
    );
  });

  test('TTY under script: the initial size is the terminal size', async () => {
    const cmd = `stty rows 33 cols 77; docker run -it --rm busybox sh -c 'stty size; exit 4'`;
    const out = runScript(d, cmd, '');
    assert.match(out.stdout, /33 77\r?\n/);
    assert.equal(out.code, 4);
  });

  test('resize before start is applied at start; resize after start reaches the pty', async () => {
    // The second size is printed once the terminal changes (up to 30 s), so a slow machine cannot reorder the two.
    const script = 'stty size; i=0; while [ "$(stty size)" = "21 66" ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done; stty size';
    const cid = await create(d, { Cmd: ['sh', '-c', script], Tty: true });
    await verb(d, cid, 'resize', { h: 21, w: 66 }, 200);
    await verb(d, cid, 'start');
    await eventually('the first size in the log', async () =>
      (await d.request('GET', `/containers/${cid}/logs`, { query: { stdout: 1 } })).body.toString().includes('21 66'),
    );
    await verb(d, cid, 'resize', { h: 42, w: 99 }, 200);
    await waitExit(d, cid);
    const res = await d.request('GET', `/containers/${cid}/logs`, { query: { stdout: 1 } });
    assert.equal(res.body.toString().replace(/\r/g, ''), '21 66\n42 99\n');
    const bad = await d.request('POST', `/containers/${cid}/resize`, { query: { h: 70000, w: 10 } });
    assert.equal(bad.status, 400);
  });

  test('TTY session in tmux: typing, stty size follows the window, ctrl-p ctrl-q detaches', { skip: hasTmux() ? false : 'tmux not installed' }, async () => {
    const session = `berth-att-${process.pid}`;
    const tmux = (...args: string[]) => execFileSync('tmux', args, { encoding: 'utf8' });
    const env = `DOCKER_HOST=${d.env.DOCKER_HOST} DOCKER_CONFIG=${d.env.DOCKER_CONFIG}`;
    tmux('new-session', '-d', '-s', session, '-x', '100', '-y', '30', `${env} docker run -it --name tmuxed busybox sh; echo CLI_EXIT=$?; sleep 30`);
    const pane = () => tmux('capture-pane', '-p', '-t', session);
    try {
      await eventually('the prompt', () => pane().includes('/ #'), { timeoutMs: 15_000 });
      tmux('send-keys', '-t', session, 'stty size; echo sum=$((40+2))', 'Enter');
      await eventually('size and echo', () => /30 100[\s\S]*sum=42/.test(pane()));
      tmux('resize-window', '-t', session, '-x', '80', '-y', '20');
      await sleep(500);
      tmux('send-keys', '-t', session, 'stty size', 'Enter');
      await eventually('the new size', () => pane().includes('20 80'));
      tmux('send-keys', '-t', session, 'C-p', 'C-q');
      await eventually('the CLI detached', () => pane().includes('CLI_EXIT=0'));
      assert.equal((await inspectApi(d, 'tmuxed')).State.Running, true);
    } finally {
      try {
        tmux('kill-session', '-t', session);
      } catch {
        // already gone
      }
    }
  });

  test('20 clients attached to one chatty container all get the same bytes', async () => {
    const cid = await create(d, { Cmd: ['sh', '-c', 'i=0; while [ $i -lt 3000 ]; do echo line-$i; i=$((i+1)); done'] });
    const clients = Array.from({ length: 20 }, () => new Hijack(d.socket, cid, 'stream=1&stdout=1&stderr=1'));
    for (const c of clients) await c.until(() => c.head() !== '', 'attach');
    await verb(d, cid, 'start');
    await Promise.all(clients.map((c) => Promise.race([c.closed, sleep(20_000)])));
    const expected = Array.from({ length: 3000 }, (_, i) => `line-${i}\n`).join('');
    for (const c of clients) assert.equal(text(c), expected);
  });

  test('a client that stops reading neither stalls the container nor grows berthd', async () => {
    // 20 MB in 1000-byte lines: the log (32 MB cap by default) holds it all, so the follower reads it whole.
    const cid = await create(d, { Cmd: ['sh', '-c', 'yes "$(printf %0999d 0)" | head -c 20000000; echo; echo done'] });
    const slow = new Hijack(d.socket, cid, 'stream=1&stdout=1');
    const fast = new Hijack(d.socket, cid, 'stream=1&stdout=1');
    let fastBytes = 0;
    fast.sock.removeAllListeners('data');
    fast.sock.on('data', (c: Buffer) => (fastBytes += c.length));
    await slow.until(() => slow.head() !== '', 'slow attach');
    slow.sock.pause();
    const rssBefore = rssKb(d.pid);
    await verb(d, cid, 'start');
    assert.equal(await waitExit(d, cid), 0, 'the container finished while a client did not read');
    await Promise.race([fast.closed, sleep(30_000)]);
    assert.ok(fastBytes > 20_000_000, `the fast client got everything (${fastBytes})`);
    const grownMb = (rssKb(d.pid) - rssBefore) / 1024;
    assert.ok(grownMb < 64, `berthd grew by ${grownMb.toFixed(1)} MB`);
    slow.close();
  });

  test('WebSocket: stdin from frames, output in binary frames, detach keys; 404 before the upgrade', async () => {
    const cid = await create(d, { Cmd: ['cat'], OpenStdin: true }, 'wsattach');
    await verb(d, cid, 'start');
    const ws = new WebSocket(`ws+unix://${d.socket}:/v1.41/containers/wsattach/attach/ws?stream=1&stdin=1&stdout=1&detachKeys=ctrl-e`);
    const got: Buffer[] = [];
    const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      assert.equal(isBinary, true);
      got.push(data);
    });
    await new Promise((r, j) => (ws.once('open', r), ws.once('error', j)));
    ws.send('over ws\n');
    await eventually('the echo', () => Buffer.concat(got).toString() === 'over ws\n');
    ws.send(Buffer.from([0x05]));
    assert.equal(await closed, 1000);
    assert.equal((await inspectApi(d, cid)).State.Running, true);
    const status = await new Promise<number>((resolve) => {
      const missing = new WebSocket(`ws+unix://${d.socket}:/v1.41/containers/no-such/attach/ws?stream=1`);
      missing.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      missing.on('error', () => undefined);
    });
    assert.equal(status, 404);
    await verb(d, cid, 'kill');
  });
});

/** conmon processes whose command line names the container. */
function conmonsOf(cid: string): number {
  try {
    return execFileSync('pgrep', ['-f', `conmon .*${cid}`], { encoding: 'utf8' })
      .trim()
      .split('\n').length;
  } catch {
    return 0;
  }
}

function hasTmux(): boolean {
  try {
    execFileSync('tmux', ['-V']);
    return true;
  } catch {
    return false;
  }
}

function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0);
}

/** Runs `cmd` under script(1) (a real pty) with the daemon's docker environment. */
function runScript(d: TestDaemon, cmd: string, input: string): { code: number; stdout: string } {
  try {
    const stdout = execFileSync('script', ['-qec', cmd, '/dev/null'], { env: d.env, input, encoding: 'utf8', timeout: 30_000 });
    return { code: 0, stdout };
  } catch (err) {
    const e = err as { status?: number; stdout?: string };
    return { code: e.status ?? -1, stdout: e.stdout ?? '' };
  }
}

/**
 * Programs started by berthd itself with posix_spawn (host/posix-spawn.ts)
 * and conmon's handshake over it (host/conmon-process.ts), against real
 * processes: /bin/sh stands for conmon.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import type { Socket } from 'node:net';
import { runConmon } from '../../src/engine/host/conmon-process.js';
import { decodeWaitStatus } from '../../src/engine/host/child-reaper.js';
import { spawnProcess } from '../../src/engine/host/posix-spawn.js';

// A watched child does not keep node alive (berthd's server does): this test file holds it up.
const keepAlive = setInterval(() => {}, 1000);
after(() => clearInterval(keepAlive));

function readAll(s: Socket): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    s.setEncoding('utf8');
    s.on('data', (d: string) => (text += d));
    s.on('close', () => resolve(text));
  });
}

test('exit codes and signals are decoded as waitpid reports them', () => {
  assert.deepEqual(decodeWaitStatus(7 << 8), { code: 7, signal: null });
  assert.deepEqual(decodeWaitStatus(9), { code: null, signal: 9 });
});

test('a spawned program gets its argv, environment, cwd and pipes, and nothing else of berthd', async () => {
  // A descriptor of this process without close-on-exec must not reach the child.
  const leaky = fs.openSync('/dev/null', fs.constants.O_RDONLY);
  try {
    const script = [
      'echo "$0 $1 $X $(pwd)"',
      'ls /proc/$$/fd | sort -n | tr "\\n" " " >&2',
      'grep -E "^(SigIgn|SigBlk)" /proc/$$/status | tr -s "\\t\\n" "  " >&2',
      'ps -o sid= -p $$ | tr -d " " >&3',
      'exit 3',
    ].join('; ');
    const proc = await spawnProcess({
      file: '/bin/sh',
      args: ['-c', script, 'zero', 'one'],
      env: { X: 'hello', PATH: '/usr/bin:/bin' },
      cwd: '/usr',
      pipes: { 1: 'out', 2: 'out', 3: 'out' },
      newSession: true,
    });
    const [out, err, sid, status] = await Promise.all([readAll(proc.pipes.get(1)!), readAll(proc.pipes.get(2)!), readAll(proc.pipes.get(3)!), proc.exited]);
    assert.equal(out.trim(), 'zero one hello /usr');
    // 0..3 are its own; 255 or 10 may be the shell's copies of them: nothing else, and never `leaky`.
    const fds = err.split('Sig')[0].trim().split(/\s+/).map(Number);
    assert.ok(fds.length >= 4, err);
    assert.ok(!fds.includes(leaky), `fds ${fds.join(',')} include ${leaky}`);
    assert.ok(
      fds.every((fd) => fd <= 3 || fd === 10 || fd === 255),
      `unexpected fds ${fds.join(',')}`,
    );
    // SIGPIPE (bit 13) is not ignored although berthd ignores it; nothing is blocked.
    const ignored = BigInt('0x' + /SigIgn: ([0-9a-f]+)/.exec(err)![1]);
    assert.equal(ignored & (1n << 12n), 0n);
    assert.match(err, /SigBlk: 0+ /);
    assert.equal(Number(sid.trim()), proc.pid, 'a session of its own');
    assert.deepEqual(status, { code: 3, signal: null });
  } finally {
    fs.closeSync(leaky);
  }
});

test('a program that cannot be started rejects with the errno', async () => {
  await assert.rejects(spawnProcess({ file: '/nonexistent/berth-binary', args: [], env: {}, pipes: { 2: 'out' } }), /ENOENT/);
});

test('a killed program reports its signal', async () => {
  const proc = await spawnProcess({ file: '/bin/sleep', args: ['5'], env: {}, pipes: {} });
  process.kill(proc.pid, 'SIGTERM');
  assert.deepEqual(await proc.exited, { code: null, signal: 15 });
});

test('a conmon that exits without a sync message is reported with its stderr', async () => {
  const res = await runConmon('/bin/sh', ['-c', 'echo no runtime >&2; exit 1'], { cwd: '/', env: {}, timeoutMs: 10_000 });
  assert.equal(res.line, undefined);
  assert.equal(res.stderr.trim(), 'no runtime');
  assert.equal(res.exitCode, 1);
});

test('the sync line comes back as written, once the released process has exited', async () => {
  const script = 'head -c1 <&4 >/dev/null; echo \'{"data": 42}\' >&3; sleep 0.2; exit 0';
  const started = Date.now();
  const res = await runConmon('/bin/sh', ['-c', script], { cwd: '/', env: {}, timeoutMs: 10_000 });
  assert.equal(res.line, '{"data": 42}');
  assert.equal(res.exitCode, 0);
  assert.ok(Date.now() - started >= 150, 'waited for the exit');
});

test('a conmon that never answers times out and is killed', async () => {
  const res = await runConmon('/bin/sleep', ['30'], { cwd: '/', env: {}, timeoutMs: 200 });
  assert.equal(res.timedOut, true);
  assert.equal(res.line, undefined);
});

test('a conmon whose first process exited but whose child never answers times out without a kill', async () => {
  // The first process is reaped long before the timeout: its pid is not ours to signal any more.
  const res = await runConmon('/bin/sh', ['-c', 'sleep 1 & exit 0'], { cwd: '/', env: {}, timeoutMs: 300 });
  assert.equal(res.timedOut, true);
  assert.equal(res.exitCode, 0);
});

test('a conmon that cannot be started is a failure, not an exception', async () => {
  const res = await runConmon('/nonexistent/conmon', [], { cwd: '/', env: {}, timeoutMs: 10_000 });
  assert.match(res.failure ?? '', /ENOENT/);
});

/**
 * Children started by posix_spawn are reaped on SIGCHLD
 * (host/child-reaper.ts), beside node's own child_process children, which
 * libuv reaps by their pids: each side gets its own exit statuses, no
 * zombie is left, and a child that lives long holds no thread of libuv's
 * pool (every file operation shares its 4 threads).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnProcess } from '../../src/engine/host/posix-spawn.js';
import { spawnExecConmon } from '../../src/engine/runtime/conmon-exec.js';

// A watched child does not keep node alive (berthd's server does): this test file holds it up.
const keepAlive = setInterval(() => {}, 1000);
after(() => clearInterval(keepAlive));

/** This process's children and their states (R, S, Z …), from /proc. */
function children(): { pid: number; state: string }[] {
  const pids = fs
    .readdirSync('/proc/self/task')
    .flatMap((task) => fs.readFileSync(`/proc/self/task/${task}/children`, 'utf8').trim().split(/\s+/))
    .filter(Boolean)
    .map(Number);
  return pids.flatMap((pid) => {
    try {
      // The state follows the command's closing parenthesis.
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      return [{ pid, state: stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) }];
    } catch {
      return [];
    }
  });
}

function nodeChildExit(args: string[]): Promise<number | null> {
  return new Promise((resolve) => spawn('/bin/sh', args, { stdio: 'ignore' }).once('exit', (code) => resolve(code)));
}

test('posix_spawn and child_process children, ending in any order, each get their own exit status; no zombie is left', async () => {
  const ours = await Promise.all(
    [0, 1, 2, 3, 4, 5].map((i) => spawnProcess({ file: '/bin/sh', args: ['-c', `sleep 0.0${i}; exit ${10 + i}`], env: {}, pipes: {} })),
  );
  const theirs = [0, 1, 2, 3, 4, 5].map((i) => nodeChildExit(['-c', `sleep 0.0${5 - i}; exit ${20 + i}`]));
  assert.deepEqual(
    (await Promise.all(ours.map((p) => p.exited))).map((s) => s.code),
    [10, 11, 12, 13, 14, 15],
  );
  assert.deepEqual(await Promise.all(theirs), [20, 21, 22, 23, 24, 25]);
  const left = children().filter((c) => ours.some((p) => p.pid === c.pid));
  assert.deepEqual(left, [], 'every posix_spawn child reaped');
  assert.deepEqual(
    children().filter((c) => c.state === 'Z'),
    [],
  );
});

test('a reaped child is never signalled', async () => {
  const proc = await spawnProcess({ file: '/bin/true', args: [], env: {}, pipes: {} });
  assert.deepEqual(await proc.exited, { code: 0, signal: null });
  assert.equal(proc.kill('SIGKILL'), false);
  const sleeper = await spawnProcess({ file: '/bin/sleep', args: ['5'], env: {}, pipes: {} });
  assert.equal(sleeper.kill('SIGTERM'), true);
  assert.deepEqual(await sleeper.exited, { code: null, signal: 15 });
});

test('six exec conmons waiting for their start hold no thread: file operations complete meanwhile', async (t) => {
  // A stand-in for conmon whose spawned process itself waits for its start byte (the real one forks and exits at
  // its first start byte, sent at once); closing berthd's end of the start pipe ends it.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-reaper-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const fake = path.join(dir, 'conmon');
  fs.writeFileSync(fake, '#!/bin/sh\nexec head -c1 <&4 >/dev/null\n', { mode: 0o755 });
  const input = { containerId: 'c', runtimePath: '/bin/false', runtimeRoot: dir, terminal: false, stdin: false, logLevel: 'error' as const };
  const conmons = [0, 1, 2, 3, 4, 5].map((i) => spawnExecConmon(fake, { ...input, sessionId: `s${i}`, bundleDir: dir }));
  try {
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(children().length, 6, 'six conmons wait');
    const started = Date.now();
    // More file operations than the pool has threads, each on the pool.
    await Promise.all([...Array(16).keys()].map((i) => fs.promises.writeFile(path.join(dir, `f${i}`), 'x').then(() => fs.promises.stat(dir))));
    assert.ok(Date.now() - started < 2_000, `file operations took ${Date.now() - started} ms`);
  } finally {
    conmons.forEach((c) => c.close());
  }
  for (let i = 0; i < 100 && children().length > 0; i++) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(children(), [], 'the conmons ended and were reaped');
});

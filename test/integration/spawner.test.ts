/**
 * berthd's spawn helper (src/engine/host/spawner.ts) with real programs and
 * no daemon: what a run reports, and the helper's death failing what it
 * ran and being replaced at the next call.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isEngineError } from '../../src/engine/errors.js';
import { runHost, spawnHelperPid } from '../../src/engine/host/spawner.js';

test('a run reports exit code, stdout and stderr, and feeds its input', async () => {
  const res = await runHost('/bin/sh', ['-c', 'cat; echo out; echo err >&2; exit 3'], { input: 'in\n', timeoutMs: 10_000 });
  assert.deepEqual([res.exitCode, res.stdout, res.stderr, res.timedOut], [3, 'in\nout\n', 'err\n', false]);
});

test('a run honours cwd', async () => {
  const res = await runHost('/bin/pwd', [], { cwd: '/usr', timeoutMs: 10_000 });
  assert.equal(res.stdout.trim(), '/usr');
});

test('a run past its timeout is killed and says so', async () => {
  const res = await runHost('/bin/sleep', ['5'], { timeoutMs: 100 });
  assert.equal(res.timedOut, true);
  assert.equal(res.signal, 'SIGKILL');
});

test('a program that cannot be started is a failure, not an exception', async () => {
  const res = await runHost('/nonexistent/berth-binary', [], { timeoutMs: 10_000 });
  assert.equal(res.exitCode, null);
  assert.match(res.failure ?? '', /ENOENT/);
});

test('the death of the helper fails the run in flight, and the next call starts a new helper', async () => {
  await runHost('/bin/true', [], { timeoutMs: 10_000 });
  const first = spawnHelperPid();
  assert.ok(first !== undefined);
  const inFlight = runHost('/bin/sleep', ['5'], { timeoutMs: 10_000 });
  process.kill(first, 'SIGKILL');
  await assert.rejects(inFlight, (err) => isEngineError(err) && err.code === 'BERTH_HOST_SPAWN_HELPER');
  const res = await runHost('/bin/echo', ['again'], { timeoutMs: 10_000 });
  assert.equal(res.stdout, 'again\n');
  assert.notEqual(spawnHelperPid(), first);
});

/**
 * berthd's spawn helper (src/engine/host/spawner.ts) with real programs and
 * no daemon: what a run reports, an exec
 * conmon's pipes relayed both ways, and the helper's death failing what it
 * ran and being replaced at the next call.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isEngineError } from '../../src/engine/errors.js';
import { runExecConmon, runHost, spawnHelperPid, type ExecEvent } from '../../src/engine/host/spawner.js';

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

/** An exec relay does not keep the process alive (berthd's server does): the test holds it up until `p` settles. */
async function held<T>(p: Promise<T>): Promise<T> {
  const timer = setInterval(() => {}, 1000);
  try {
    return await p;
  } finally {
    clearInterval(timer);
  }
}

/** Collects an exec relay's events as text per pipe. */
function collector() {
  const text: Record<ExecEvent['event'], string> = { sync: '', attach: '', stderr: '' };
  return { text, onEvent: (e: ExecEvent) => (text[e.event] += e.data) };
}

test("an exec conmon's pipes: start bytes in, sync and attach out (held by berthd), stderr relayed, then the end", async () => {
  // conmon's exec handshake in shell: start byte → attach ready → start byte → pid, exit code.
  const script =
    'head -c1 <&4 >/dev/null; echo \'{"data": 0}\' >&5; head -c1 <&4 >/dev/null; echo \'{"data": 42}\' >&3; echo oops >&2; echo \'{"data": 7}\' >&3';
  const c = collector();
  const relay = runExecConmon('/bin/sh', ['-c', script], {}, c.onEvent);
  relay.release();
  while (!c.text.attach.includes('\n')) await new Promise((r) => setTimeout(r, 5));
  assert.equal(c.text.sync, '', 'nothing before the second start byte');
  relay.release();
  const end = await held(relay.ended);
  assert.equal(end.failure, undefined);
  assert.deepEqual([c.text.attach, c.text.sync], ['{"data": 0}\n', '{"data": 42}\n{"data": 7}\n']);
  assert.equal(c.text.stderr, 'oops\n');
});

test('an exec relay let go of ends at once although its program runs on; a missing program is a failure', async () => {
  const c = collector();
  const relay = runExecConmon('/bin/sleep', ['2'], {}, c.onEvent);
  relay.close();
  await held(relay.ended);
  const missing = await held(runExecConmon('/nonexistent/berth-conmon', [], {}, () => {}).ended);
  assert.match(missing.failure ?? '', /ENOENT/);
});

test('the death of the helper ends an exec relay with BERTH_HOST_SPAWN_HELPER before its pipes were handed over, not after', async () => {
  // The pipes are handed over in the helper's tick that spawns the program: kill it before that tick can run.
  await runHost('/bin/true', [], { timeoutMs: 10_000 });
  const helper = spawnHelperPid()!;
  process.kill(helper, 'SIGSTOP');
  const early = runExecConmon('/bin/sleep', ['5'], {}, () => {});
  process.kill(helper, 'SIGKILL');
  await assert.rejects(held(early.ended), (err) => isEngineError(err) && err.code === 'BERTH_HOST_SPAWN_HELPER');
  // The program writes on its sync pipe after the helper is gone: berthd holds that pipe itself.
  const c = collector();
  const relay = runExecConmon('/bin/sh', ['-c', 'head -c1 <&4 >/dev/null; sleep 0.5; echo \'{"data": 3}\' >&3'], {}, c.onEvent);
  relay.release();
  await runHost('/bin/true', [], { timeoutMs: 10_000 });
  await new Promise((r) => setTimeout(r, 100));
  process.kill(spawnHelperPid()!, 'SIGKILL');
  await held(relay.ended);
  assert.equal(c.text.sync, '{"data": 3}\n');
});

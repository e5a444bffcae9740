/**
 * The exit path (containers/exit-path.ts) on a real SQLite file with the
 * fake runtime, which writes exit files as conmon does: recording an exit,
 * restart policies and their backoff timing, AutoRemove, a failed start,
 * stop's escalation, an exit racing a stop, and the live state a container
 * leaves behind.
 */
import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { ContainerEvent } from '../../src/engine/events/event-bus.js';
import { EngineError, isEngineError } from '../../src/engine/errors.js';
import { withContainerLock } from '../../src/engine/locks.js';
import { initLocked } from '../../src/engine/containers/start-locked.js';
import { bootEngine, makeRoot, sleep, until, type TestEngine, type TestRoot } from './engine-harness.js';

const events = (e: TestEngine, id: string, ...actions: string[]) =>
  e.seen.filter((ev): ev is ContainerEvent => ev.type === 'container' && ev.id === id && actions.includes(ev.action));
const ms = (ev: ContainerEvent) => Number(ev.timeNano / 1_000_000n);

describe('the exit path', () => {
  let root: TestRoot;
  let e: TestEngine;
  beforeEach(async () => {
    root = makeRoot();
    e = await bootEngine(root);
  });
  afterEach(() => {
    e?.close();
    root?.remove();
  });

  test('network events pair up: a started container disconnects at its exit; one never started (initialized) does not, and stop or rm -f logs nothing for it', async () => {
    e.close();
    e = await bootEngine(root, { predefinedNetworks: true });
    const networkActions = (id: string) => e.seen.filter((ev) => ev.type === 'network' && ev.attributes.container === id).map((ev) => ev.action);
    const started = await e.create({ name: 'started' });
    await e.api.start(started);
    await e.api.stop(started, { timeout: 1 });
    assert.deepEqual(networkActions(started), ['connect', 'disconnect']);

    const initialized = await e.create({ name: 'initialized' });
    await withContainerLock(e.ctx.mutex, initialized, (lock) => initLocked(e.ctx, lock, e.ctx.repo.get(initialized)!));
    assert.equal(e.status(initialized), 'initialized');
    // dockerd sees a created container: stop is not-modified, a forced removal logs only its destroy.
    await assert.rejects(e.api.stop(initialized, { timeout: 1 }), (err: EngineError) => err.kind === 'not-modified');
    assert.equal(e.status(initialized), 'initialized');
    await e.api.remove(initialized, { force: true, volumes: false });
    assert.deepEqual(events(e, initialized, 'die', 'kill', 'stop'), []);
    assert.deepEqual(events(e, initialized, 'destroy').length, 1);
    assert.deepEqual(networkActions(initialized), []);
    assert.ok(!root.host.procs.has(initialized), 'the runtime container is deleted');
  });

  test("waits end when the container is removed without an exit (dockerd's State.Wait); an initialized container is not running", async () => {
    const never = new AbortController().signal;
    const initialized = await e.create({ name: 'init-wait' });
    await withContainerLock(e.ctx.mutex, initialized, (lock) => initLocked(e.ctx, lock, e.ctx.repo.get(initialized)!));
    // dockerd sees a created container: not-running answers at once.
    assert.equal((await (await e.api.wait(initialized, 'not-running', never)).result).exitCode, 0);
    const nextExit = await e.api.wait(initialized, 'next-exit', never);
    await e.api.remove(initialized, { force: true, volumes: false });
    assert.equal((await nextExit.result).exitCode, 0, 'rm -f logs only destroy, and the wait ends with it');

    const backingOff = await e.create({ name: 'backoff-wait', restartPolicy: { name: 'always', maximumRetryCount: 0 } });
    root.host.behaviours.set(backingOff, { exitAfterMs: 5, exitCode: 4 });
    await e.api.start(backingOff);
    await until(() => e.status(backingOff) === 'restarting', 'the backoff');
    const waited = await e.api.wait(backingOff, 'next-exit', never);
    await e.api.remove(backingOff, { force: true, volumes: false });
    assert.equal((await waited.result).exitCode, 4, 'the last exit code');
  });

  test('an exit is recorded from the exit file: code, finish time, die, runtime and root released', async () => {
    const id = await e.create();
    root.host.behaviours.set(id, { exitAfterMs: 10, exitCode: 3 });
    const died = e.events.next('die', id);
    await e.api.start(id);
    assert.equal((await died).attributes.exitCode, '3');
    const state = e.state(id);
    assert.equal(state.status, 'exited');
    assert.equal(state.exitCode, 3);
    assert.equal(state.pid, 0);
    assert.match(state.finishedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
    assert.ok(Date.parse(state.finishedAt) >= Date.parse(state.startedAt));
    await until(() => !root.host.procs.has(id), 'the runtime delete');
    assert.deepEqual([...root.host.mounted], []);
    // Consumed under the lock right after the exit and its events commit: before any other verb on it.
    await until(() => !fs.existsSync(path.join(e.ctx.paths.exitsDir, id)), 'the exit file is consumed');
    // wait on a stopped container answers at once with the recorded code
    const { result } = await e.api.wait(id, 'not-running', new AbortController().signal);
    assert.equal((await result).exitCode, 3);
  });

  test('the runtime is torn down before the exit is announced, so a remove does no runtime work', async () => {
    const id = await e.create();
    root.host.behaviours.set(id, { exitAfterMs: 5, exitCode: 0 });
    const died = e.events.next('die', id);
    await e.api.start(id);
    await died;
    assert.ok(!root.host.procs.has(id), 'runc delete ran before die');
    assert.deepEqual([...root.host.mounted], [], 'the root was unmounted before die');
    const before = root.host.calls.length;
    await e.api.remove(id, { force: false, volumes: false });
    assert.deepEqual(root.host.calls.slice(before), [], 'remove of an exited container calls neither runc nor umount');
  });

  test('on-failure:2 restarts twice with a doubling backoff, then stays exited', async () => {
    root.host.defaultBehaviour = { exitAfterMs: 5, exitCode: 2 };
    const id = await e.create({ restartPolicy: { name: 'on-failure', maximumRetryCount: 2 } });
    await e.api.start(id);
    await until(() => events(e, id, 'die').length === 3 && e.status(id) === 'exited', 'three runs', 5_000);
    await sleep(450); // longer than the next backoff would be: no fourth run
    assert.equal(events(e, id, 'start').length, 3);
    assert.equal(events(e, id, 'restart').length, 0, 'a restart by policy is logged as start alone, as dockerd does');
    const state = e.state(id);
    assert.equal(state.status, 'exited');
    assert.equal(state.restartCount, 2);
    assert.equal(state.exitCode, 2);
    const [die1, die2] = events(e, id, 'die');
    const [, start2, start3] = events(e, id, 'start');
    const first = ms(start2) - ms(die1);
    const second = ms(start3) - ms(die2);
    // Timers never fire early, so the lower bounds hold on any machine; the exact delays (100, then
    // 200) are nextBackoffMs's, unit-tested in engine-pure. The upper bounds only catch a lost timer.
    assert.ok(first >= 95 && first < 2_000, `first backoff ${first} ms, Docker waits 100`);
    assert.ok(second >= 195 && second < 2_000, `second backoff ${second} ms, Docker waits 200`);
  });

  test('on-failure does not restart a clean exit', async () => {
    const id = await e.create({ restartPolicy: { name: 'on-failure', maximumRetryCount: 0 } });
    root.host.behaviours.set(id, { exitAfterMs: 5, exitCode: 0 });
    await e.api.start(id);
    await until(() => e.status(id) === 'exited', 'the exit');
    await sleep(200);
    assert.equal(events(e, id, 'start').length, 1);
  });

  test('always restarts a clean exit; a stop during the backoff ends it at once and for good', async () => {
    const id = await e.create({ restartPolicy: { name: 'always', maximumRetryCount: 0 } });
    root.host.behaviours.set(id, { exitAfterMs: 5, exitCode: 0 });
    await e.api.start(id);
    await until(() => events(e, id, 'start').length === 2, 'a restart');
    root.host.behaviours.set(id, { exitAfterMs: 5, exitCode: 0 });
    await until(() => e.status(id) === 'restarting', 'the next backoff');
    await e.api.stop(id, { timeout: 1 }); // 204, not 304: restarting counts as running
    assert.equal(e.status(id), 'exited');
    assert.equal(e.ctx.live.peek(id)?.restartTimer, undefined, 'the timer is disarmed');
    const starts = events(e, id, 'start').length;
    await sleep(500);
    assert.equal(events(e, id, 'start').length, starts);
    assert.equal(e.state(id).stoppedByUser, true);
  });

  test('waiting out the backoff: kill stops it without a signal or event, a failed restart leaves it exited; both end waits', async () => {
    // The wait's registration, not its result (awaiting an async function's returned promise would wait for the result).
    const wait = (id: string) => e.api.wait(id, 'not-running', new AbortController().signal);
    const killed = await e.create({ restartPolicy: { name: 'always', maximumRetryCount: 0 } });
    root.host.behaviours.set(killed, { exitAfterMs: 5, exitCode: 3 });
    await e.api.start(killed);
    await until(() => e.status(killed) === 'restarting', 'the backoff');
    const waited = await wait(killed);
    await e.api.kill(killed, 'KILL'); // dockerd: 204, the restart cancelled
    assert.equal((await waited.result).exitCode, 3);
    assert.equal(e.status(killed), 'exited');
    assert.equal(e.state(killed).exitCode, 3, 'the last exit code is kept');
    assert.deepEqual(events(e, killed, 'kill'), [], 'nothing to signal: dockerd logs no kill');
    assert.equal(e.ctx.live.peek(killed)?.restartTimer, undefined, 'the timer is disarmed');

    const failing = await e.create({ restartPolicy: { name: 'always', maximumRetryCount: 0 } });
    root.host.behaviours.set(failing, { exitAfterMs: 5, exitCode: 0 });
    await e.api.start(failing);
    await until(() => e.status(failing) === 'restarting', 'the backoff');
    root.host.failNext('create', new EngineError('system', 'BERTH_RUNTIME_CREATE_FAILED', 'failed to create shim task: boom: unknown'));
    await (
      await wait(failing)
    ).result;
    assert.equal(e.status(failing), 'exited');
    assert.equal(events(e, failing, 'die').length, 1, 'the first run died; the failed restart logs no die');
  });

  test('always: a stopped container stays stopped', async () => {
    const id = await e.create({ restartPolicy: { name: 'always', maximumRetryCount: 0 } });
    await e.api.start(id);
    await e.api.stop(id, { timeout: 1 });
    await sleep(300);
    assert.equal(e.status(id), 'exited');
    assert.equal(e.state(id).exitCode, 143);
    assert.equal(events(e, id, 'start').length, 1);
  });

  test('unless-stopped restarts an exit of its own, not one after a stop, not even across a daemon restart', async () => {
    const id = await e.create({ restartPolicy: { name: 'unless-stopped', maximumRetryCount: 0 } });
    root.host.behaviours.set(id, { exitAfterMs: 5, exitCode: 1 });
    await e.api.start(id);
    await until(() => events(e, id, 'start').length === 2 && e.status(id) === 'running', 'a restart');
    root.host.behaviours.delete(id); // from the next run on, it runs until stopped
    await until(() => e.status(id) === 'running' && root.host.procs.get(id)?.state === 'running' && !root.host.procs.get(id)?.timer, 'a run that lasts');
    await e.api.stop(id, { timeout: 1 });
    assert.equal(e.status(id), 'exited');
    e.crash();
    e = await bootEngine(root);
    await sleep(300);
    assert.equal(e.status(id), 'exited');
    assert.deepEqual(root.host.alive(), []);
  });

  test('an exit racing a stop: one outcome, no restart afterwards, nothing left running', async () => {
    for (let i = 0; i < 12; i++) {
      const id = await e.create({ restartPolicy: { name: 'always', maximumRetryCount: 0 } });
      await e.api.start(id);
      // The process ends on its own in the same turn as the stop begins (or just before or after it).
      setTimeout(() => root.host.exit(id, 0), i % 3);
      await sleep(i % 2);
      await e.api.stop(id, { timeout: 1 }).catch((err: unknown) => {
        if (!isEngineError(err, 'not-modified')) throw err;
      });
      await sleep(250); // past the first backoff
      assert.equal(e.status(id), 'exited', `round ${i}`);
      assert.ok(!root.host.alive().includes(id), `round ${i}: nothing runs`);
      assert.equal(e.ctx.live.peek(id)?.restartTimer, undefined);
      assert.ok(!fs.existsSync(path.join(e.ctx.paths.exitsDir, id)));
    }
  });

  test('stop escalates to SIGKILL after the timeout when the stop signal is ignored', async () => {
    const id = await e.create();
    root.host.behaviours.set(id, { ignores: [15] });
    await e.api.start(id);
    const t0 = Date.now();
    await e.api.stop(id, { timeout: 1 });
    const took = Date.now() - t0;
    assert.ok(took >= 950, `stop waited ${took} ms of its 1 s`);
    assert.equal(e.state(id).exitCode, 137);
    assert.deepEqual(
      root.host.calls.filter((c) => c.startsWith('kill')),
      [`kill ${id}`, `kill ${id}`],
    );
  });

  test('stop of a paused container thaws it so that it can act on the signal', async () => {
    const id = await e.create();
    await e.api.start(id);
    await e.api.pause(id);
    await e.api.stop(id, { timeout: 5 });
    assert.equal(e.state(id).exitCode, 143);
    assert.ok(root.host.calls.includes(`resume ${id}`));
  });

  test('AutoRemove: the exit removes the container; wait(removed) gets its code; its live state is dropped', async () => {
    const id = await e.create({ autoRemove: true, tty: true });
    await e.api.resize(id, 24, 80); // leaves live state: a pending size
    root.host.behaviours.set(id, { exitAfterMs: 5, exitCode: 4 });
    const { result } = await e.api.wait(id, 'removed', new AbortController().signal);
    await e.api.start(id);
    assert.equal((await result).exitCode, 4);
    assert.equal(e.status(id), undefined);
    assert.ok(!e.ctx.live.ids().includes(id));
    assert.ok(!fs.existsSync(e.ctx.paths.containerDir(id)));
    assert.deepEqual([...root.host.mounted], []);
    assert.ok(!root.host.procs.has(id));
  });

  test('a failed start keeps the status, records the error and code (no die, finish time kept), releases everything; AutoRemove removes it', async () => {
    const id = await e.create();
    root.host.failNext('start', new EngineError('system', 'BERTH_RUNTIME_FAILED', 'exec: "sleep": executable file not found in $PATH'));
    const failed = e.events.next('start-failed', id);
    await assert.rejects(e.api.start(id), (err: EngineError) => err.kind === 'invalid-parameter' && /executable file not found/.test(err.message));
    await failed;
    assert.deepEqual(events(e, id, 'die'), [], 'dockerd logs no die for a start that failed');
    const state = e.state(id);
    assert.equal(state.status, 'created');
    assert.equal(state.exitCode, 127);
    assert.equal(state.finishedAt, '', 'never finished: FinishedAt stays zero');
    assert.match(state.error, /executable file not found/);
    assert.ok(!root.host.procs.has(id), 'the runtime container is deleted');
    assert.deepEqual([...root.host.mounted], []);
    await e.api.start(id); // and it can be started after all
    assert.equal(e.status(id), 'running');

    const rm = await e.create({ autoRemove: true });
    root.host.failNext('create', new EngineError('system', 'BERTH_RUNTIME_CREATE_FAILED', 'OCI runtime create failed: boom'));
    await assert.rejects(e.api.start(rm), /boom/);
    assert.equal(e.status(rm), undefined, 'Docker removes an AutoRemove container whose start failed');
  });

  test('a terminal size sent before start reaches conmon right after create', async () => {
    const id = await e.create({ tty: true });
    await e.api.resize(id, 30, 100);
    await e.api.resize(id, 40, 120); // the last one wins
    assert.deepEqual(e.ctx.live.peek(id)?.pendingSize, { height: 40, width: 120 });
    await e.api.start(id);
    assert.equal(fs.readFileSync(path.join(e.ctx.paths.bundleDir(id), 'ctl'), 'utf8'), '1 40 120\n');
    assert.equal(e.ctx.live.peek(id)?.pendingSize, undefined);
  });

  test("removing a container waiting out its backoff: refused without force (dockerd's 409), forced it disarms the restart", async () => {
    const id = await e.create({ restartPolicy: { name: 'always', maximumRetryCount: 0 } });
    root.host.behaviours.set(id, { exitAfterMs: 5, exitCode: 0 });
    await e.api.start(id);
    await until(() => e.status(id) === 'restarting', 'the backoff');
    await assert.rejects(
      e.api.remove(id, { force: false, volumes: false }),
      (err: EngineError) => err.kind === 'conflict' && err.message.startsWith(`You cannot remove a restarting container ${id}.`),
    );
    await until(() => e.status(id) === 'restarting', 'still restarting');
    await e.api.remove(id, { force: true, volumes: false });
    await sleep(300);
    assert.equal(e.status(id), undefined);
    assert.deepEqual(root.host.alive(), []);
    assert.ok(!e.ctx.live.ids().includes(id));
  });
});

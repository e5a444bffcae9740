/**
 * Startup reconciliation (containers/reconcile.ts) after a daemon crash, with
 * the fake runtime: the engine dies at each step boundary of create, start
 * and remove (the fake hangs the runtime or mount call there for good, and
 * the engine is dropped as a SIGKILL would drop it); a new engine boots on
 * the same database and host and must leave a consistent container with
 * nothing leaked. Also: exits while the daemon was down, a conmon that died
 * without an exit file, an adopted conmon, a reboot, an interrupted backoff.
 */
import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { bootEngine, makeRoot, sleep, until, type TestEngine, type TestRoot } from './engine-harness.js';
import type { RuntimeMethod } from './fake-runtime.js';

describe('startup reconciliation after a crash', () => {
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

  /** Runs `action` until it reaches the crash point, then drops the engine and boots a new one. */
  async function crashDuring(method: RuntimeMethod, when: 'before' | 'after', action: () => Promise<unknown>): Promise<void> {
    const reached = root.host.crashAt(method, when);
    void action().catch(() => {});
    await reached;
    e.crash();
    e = await bootEngine(root);
  }

  const exitFile = (id: string) => path.join(e.ctx.paths.exitsDir, id);

  /** Nothing of the container left in the runtime, the mounts or the exits directory. */
  async function assertReleased(id: string): Promise<void> {
    await until(() => !fs.existsSync(exitFile(id)), 'the exit file to be consumed');
    assert.ok(!root.host.procs.has(id), 'no runtime container');
    assert.ok(![...root.host.mounted].some((m) => m.includes(id)), 'root not mounted');
  }

  test('create: a crash before the insert leaves a directory without a row, which startup removes', async () => {
    const orphan = 'a'.repeat(64);
    fs.mkdirSync(path.join(e.ctx.paths.containerDir(orphan), 'upper'), { recursive: true });
    e.crash();
    e = await bootEngine(root);
    assert.ok(!fs.existsSync(e.ctx.paths.containerDir(orphan)));
  });

  for (const [method, when] of [
    ['mount', 'after'],
    ['create', 'before'],
    ['create', 'after'],
    ['start', 'before'],
    ['start', 'after'],
  ] as const) {
    test(`start: a crash ${when} the ${method} step leaves a created container that starts and removes cleanly`, async () => {
      const id = await e.create();
      await crashDuring(method, when, () => e.api.start(id));
      assert.equal(e.status(id), 'created', 'the start never committed');
      await sleep(50);
      assert.deepEqual(root.host.alive(), [], 'a process made before the crash is killed');
      assert.ok(!root.host.procs.has(id), 'and its runtime record deleted');
      await until(() => !fs.existsSync(exitFile(id)), 'the exit file of the killed process to be consumed');
      assert.equal(e.status(id), 'created', 'that exit is not recorded as a run');
      await e.api.start(id);
      assert.equal(e.status(id), 'running');
      await e.api.remove(id, { force: true, volumes: false });
      await assertReleased(id);
    });
  }

  test('remove of an exited container commits once (no removing mark); a crash before its directory went leaves an unrecorded directory, which startup removes', async () => {
    const id = await e.create();
    await e.api.start(id);
    root.host.exit(id, 0);
    await until(() => e.status(id) === 'exited', 'the exit to be recorded');
    const saved: string[] = [];
    const saveState = e.ctx.repo.saveState.bind(e.ctx.repo);
    e.ctx.repo.saveState = (rowId, state) => (saved.push(state.status), saveState(rowId, state));
    const dir = e.ctx.paths.containerDir(id);
    await e.api.remove(id, { force: false, volumes: false });
    assert.deepEqual(saved, [], 'no state written before the row went');
    assert.equal(e.status(id), undefined);
    assert.ok(!fs.existsSync(dir));
    assert.equal(e.seen.filter((ev) => ev.action === 'destroy' && ev.id === id).length, 1);
    await assertReleased(id);
    // The state a crash between the commit and the directory's removal leaves.
    fs.mkdirSync(path.join(dir, 'upper', 'etc'), { recursive: true });
    e.crash();
    e = await bootEngine(root);
    assert.ok(!fs.existsSync(dir), 'startup removed the unrecorded directory');
  });

  for (const [method, when] of [
    ['kill', 'before'],
    ['kill', 'after'],
    ['delete', 'before'],
    ['delete', 'after'],
    ['unmount', 'before'],
    ['unmount', 'after'],
  ] as const) {
    test(`remove --force of a running container: a crash ${when} the ${method} step is finished at startup`, async () => {
      const id = await e.create();
      await e.api.start(id);
      const dir = e.ctx.paths.containerDir(id);
      await crashDuring(method, when, () => e.api.remove(id, { force: true, volumes: false }));
      assert.equal(e.status(id), undefined, 'the removal was finished');
      assert.ok(e.seen.some((ev) => ev.type === 'container' && ev.action === 'destroy' && ev.id === id));
      assert.ok(!fs.existsSync(dir));
      assert.deepEqual(root.host.alive(), []);
      await assertReleased(id);
    });
  }

  test('an exit while the daemon was down is recorded with its code at startup; --rm and restart policies apply', async () => {
    const plain = await e.create({ name: 'plain' });
    const rm = await e.create({ name: 'rm', autoRemove: true });
    const always = await e.create({ name: 'always', restartPolicy: { name: 'always', maximumRetryCount: 0 } });
    for (const id of [plain, rm, always]) await e.api.start(id);
    e.crash();
    for (const id of [plain, rm, always]) root.host.exit(id, 7);
    e = await bootEngine(root);
    await until(() => e.status(plain) === 'exited', 'the exit to be recorded');
    assert.equal(e.state(plain).exitCode, 7);
    await until(() => e.status(rm) === undefined, 'the --rm container to go');
    await until(() => e.status(always) === 'running', 'the restart');
    assert.equal(e.state(always).restartCount, 1);
    await assertReleased(plain);
  });

  test('conmon gone without an exit file: the surviving process is killed and the exit recorded as -1', async () => {
    const id = await e.create();
    await e.api.start(id);
    const pid = e.state(id).pid;
    e.crash();
    root.host.loseMonitor(id);
    e = await bootEngine(root);
    assert.equal(e.status(id), 'exited');
    assert.equal(e.state(id).exitCode, -1);
    assert.match(e.state(id).error, /conmon died/);
    assert.deepEqual(root.host.orphansKilled, [pid]);
    await assertReleased(id);
  });

  test('a live conmon is adopted: same pid, still running, and its later exit is recorded', async () => {
    const id = await e.create();
    await e.api.start(id);
    const pid = e.state(id).pid;
    e.crash();
    e = await bootEngine(root);
    assert.equal(e.status(id), 'running');
    assert.equal(e.state(id).pid, pid);
    await e.api.stop(id, { timeout: 1 });
    assert.equal(e.state(id).exitCode, 143);
  });

  test('after a reboot running containers are exited 255 and restart policies apply', async () => {
    const plain = await e.create({ name: 'plain' });
    const always = await e.create({ name: 'always', restartPolicy: { name: 'always', maximumRetryCount: 0 } });
    await e.api.start(plain);
    await e.api.start(always);
    await e.api.pause(plain);
    e.crash();
    root.host.reboot();
    e = await bootEngine(root, { rebooted: true });
    assert.equal(e.status(plain), 'exited');
    assert.equal(e.state(plain).exitCode, 255);
    assert.equal(e.state(plain).error, 'host rebooted');
    await until(() => e.status(always) === 'running', 'the restart by policy');
    assert.deepEqual(root.host.alive(), [always]);
  });

  test('a container whose backoff a crash interrupted is started at startup', async () => {
    const id = await e.create({ restartPolicy: { name: 'on-failure', maximumRetryCount: 0 } });
    root.host.behaviours.set(id, { exitAfterMs: 5, exitCode: 1 });
    await e.api.start(id);
    await until(() => e.status(id) === 'restarting', 'the backoff');
    await until(() => root.host.calls.at(-1)?.startsWith('unmount ') === true, 'the teardown after the exit');
    e.crash();
    root.host.behaviours.delete(id);
    e = await bootEngine(root);
    assert.equal(e.status(id), 'running');
    assert.equal(e.state(id).restartCount, 1);
  });

  test('exit: a crash in the teardown, before the exit is recorded; the restart at startup still works', async () => {
    const id = await e.create({ restartPolicy: { name: 'on-failure', maximumRetryCount: 0 } });
    await e.api.start(id);
    const reached = root.host.crashAt('delete', 'before');
    root.host.exit(id, 1);
    await reached;
    assert.equal(e.status(id), 'running', 'the exit is recorded only after the teardown');
    e.crash();
    e = await bootEngine(root);
    await until(() => e.state(id).restartCount === 1 && e.status(id) === 'running', 'the exit recorded and the restart by policy');
    assert.deepEqual(root.host.alive(), [id]);
  });

  test('exit: a crash in the teardown of a plain container; startup finishes it and records the exit', async () => {
    const id = await e.create();
    await e.api.start(id);
    const reached = root.host.crashAt('delete', 'before');
    root.host.exit(id, 5);
    await reached;
    e.crash();
    e = await bootEngine(root);
    await until(() => e.status(id) === 'exited', 'the exit recorded by the first sweep');
    assert.equal(e.state(id).exitCode, 5);
    await assertReleased(id);
  });
});

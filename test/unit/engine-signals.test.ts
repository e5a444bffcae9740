/**
 * What dockerd 20.10 shows (events, State) around a signal to a paused
 * container, the volume events of a start and an exit, and a restart by
 * policy whose start fails — on the engine with the fake runtime
 * (engine-harness.ts); each expectation was taken from a real dockerd.
 * Also the pure halves: stopsContainer, exitCodeAfterFailedStart,
 * volumeMountEvents and the one start-failure classifier.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EngineError } from '../../src/engine/errors.js';
import { stopsContainer } from '../../src/engine/containers/deliver-signal.js';
import { exitCodeAfterFailedStart } from '../../src/engine/containers/start-locked.js';
import { volumeMountEvents } from '../../src/engine/volumes/container-mounts.js';
import { translateStartFailure } from '../../src/engine/runtime/runtime-errors.js';
import type { MountSpec } from '../../src/engine/model/container.js';
import { bootEngine, until, useTestEngine } from './engine-harness.js';

const volume = (name: string, target: string, readOnly = false): MountSpec => ({
  type: 'volume',
  name,
  source: '',
  target,
  readOnly,
  origin: 'mounts',
  mode: '',
});

describe('signals to a paused container, volume events, a failed restart by policy', () => {
  const t = useTestEngine();
  /** The container's actions with the signal of each kill ("kill 10"). */
  const actions = (id: string) =>
    t.e.seen.filter((ev) => ev.type === 'container' && ev.id === id).map((ev) => (ev.action === 'kill' ? `kill ${ev.attributes.signal}` : ev.action));

  async function pausedContainer(over: { stopSignal?: string } = {}): Promise<string> {
    const id = await t.e.create(over);
    t.root.host.behaviours.set(id, { ignores: [10, 12] });
    await t.e.api.start(id);
    await t.e.api.pause(id);
    return id;
  }

  test('kill (SIGKILL) and rm -f of a paused container: kill 9, die — no unpause', async () => {
    const killed = await pausedContainer();
    await t.e.api.kill(killed, 'KILL');
    assert.deepEqual(actions(killed), ['create', 'start', 'pause', 'kill 9', 'die']);
    assert.deepEqual([t.e.state(killed).status, t.e.state(killed).exitCode], ['exited', 137]);
    const removed = await pausedContainer();
    await t.e.api.remove(removed, { force: true, volumes: false });
    assert.deepEqual(actions(removed), ['create', 'start', 'pause', 'kill 9', 'die', 'destroy']);
  });

  test('kill -s USR1 of a paused container that names no stop signal thaws it: kill 10, unpause, running', async () => {
    const id = await pausedContainer();
    await t.e.api.kill(id, 'USR1');
    assert.deepEqual(actions(id), ['create', 'start', 'pause', 'kill 10', 'unpause']);
    assert.equal(t.e.state(id).status, 'running');
    assert.ok(t.root.host.calls.includes(`resume ${id}`));
  });

  test('kill -s USR1 of a paused container whose stop signal is USR2 leaves it paused: kill 10 alone', async () => {
    const id = await pausedContainer({ stopSignal: 'SIGUSR2' });
    await t.e.api.kill(id, 'USR1');
    assert.deepEqual(actions(id), ['create', 'start', 'pause', 'kill 10']);
    assert.equal(t.e.state(id).status, 'paused');
    assert.ok(!t.root.host.calls.includes(`resume ${id}`));
  });

  test('stop of a paused container: kill 15, unpause, then die and stop; it reads running while the grace period runs', async () => {
    const id = await pausedContainer();
    t.root.host.behaviours.set(id, { ignores: [15] });
    const stopping = t.e.api.stop(id, { timeout: 1 });
    await until(() => actions(id).includes('unpause'), 'the thaw');
    assert.equal(t.e.state(id).status, 'running');
    await stopping;
    assert.deepEqual(actions(id), ['create', 'start', 'pause', 'kill 15', 'unpause', 'kill 9', 'die', 'stop']);
  });

  test("volume mount events come after the start's network events and before start; unmount after die", async () => {
    t.e.close();
    t.e = await bootEngine(t.root, { predefinedNetworks: true });
    const id = await t.e.create({ mounts: [volume('named', '/n'), volume('', '/anon', true)] });
    await t.e.api.start(id);
    await t.e.api.kill(id, 'KILL');
    const anon = t.e.ctx.repo.get(id)!.spec.mounts[1].name!;
    const lines = t.e.seen
      .filter((ev) => ev.id === id || ev.attributes.container === id)
      .map((ev) => `${ev.type} ${ev.action}${ev.type === 'volume' ? ` ${ev.id} ${ev.attributes['read/write'] ?? ''}` : ''}`.trim());
    assert.deepEqual(lines, [
      'container create',
      'network connect',
      'volume mount named true',
      `volume mount ${anon} false`,
      'container start',
      'container kill',
      'container die',
      'network disconnect',
      'volume unmount named',
      `volume unmount ${anon}`,
    ]);
  });

  test('a restart by policy whose start fails: exited with the exit that asked for it, the error, the attempt counted', async () => {
    const id = await t.e.create({ restartPolicy: { name: 'on-failure', maximumRetryCount: 2 } });
    t.root.host.behaviours.set(id, { exitAfterMs: 20, exitCode: 1 });
    await t.e.api.start(id);
    t.root.host.failNext('create', new EngineError('system', 'BERTH_RUNTIME_FAILED', 'error mounting "/gone" to rootfs at "/rb": no such file or directory'));
    await until(() => t.e.state(id).error !== '', 'the failed restart', 5_000);
    const state = t.e.state(id);
    assert.deepEqual([state.status, state.exitCode, state.restartCount], ['exited', 1, 1]);
    assert.match(state.error, /error mounting "\/gone"/);
    assert.notEqual(state.finishedAt, '', 'the finish time of the exit is kept');
    assert.deepEqual(actions(id), ['create', 'start', 'die']);
  });
});

test("dockerd's stop-signal rule: SIGKILL, the container's stop signal, any signal when it names none", () => {
  assert.equal(stopsContainer(9, 'SIGUSR2'), true);
  assert.equal(stopsContainer(10, ''), true);
  assert.equal(stopsContainer(12, 'SIGUSR2'), true);
  assert.equal(stopsContainer(12, 'usr2'), true);
  assert.equal(stopsContainer(10, 'SIGUSR2'), false);
  assert.equal(stopsContainer(15, 'SIGUSR2'), false);
});

test("a failed start's exit code: a restart by policy keeps its exit; 127/126 always; 128 only over a zero", () => {
  assert.equal(exitCodeAfterFailedStart(1, 127, true), 1);
  assert.equal(exitCodeAfterFailedStart(1, 128, true), 1);
  assert.equal(exitCodeAfterFailedStart(0, 128, false), 128);
  assert.equal(exitCodeAfterFailedStart(3, 128, false), 3);
  assert.equal(exitCodeAfterFailedStart(3, 127, false), 127);
  assert.equal(exitCodeAfterFailedStart(0, 126, false), 126);
});

test('volume events name volumes only (no binds, no tmpfs), with dockerd attributes', () => {
  const mounts: MountSpec[] = [
    volume('v1', '/a'),
    { type: 'bind', source: '/host', target: '/b', readOnly: true, origin: 'binds', mode: 'ro' },
    { type: 'tmpfs', source: '', target: '/t', readOnly: false, origin: 'tmpfs', mode: '' },
    { ...volume('v2', '/c', true), volumeDriver: 'local' },
  ];
  assert.deepEqual(volumeMountEvents('cid', mounts, 'mount'), [
    { type: 'volume', action: 'mount', id: 'v1', attributes: { container: 'cid', destination: '/a', driver: 'local', propagation: '', 'read/write': 'true' } },
    { type: 'volume', action: 'mount', id: 'v2', attributes: { container: 'cid', destination: '/c', driver: 'local', propagation: '', 'read/write': 'false' } },
  ]);
  assert.deepEqual(
    volumeMountEvents('cid', mounts, 'unmount').map((ev) => [ev.id, ev.attributes]),
    [
      ['v1', { container: 'cid', driver: 'local' }],
      ['v2', { container: 'cid', driver: 'local' }],
    ],
  );
});

test('one start-failure classifier: with a command (an exec’s or a container’s), or without one', () => {
  const texts = [
    'exec: "x": executable file not found in $PATH',
    'exec: "/etc": permission denied',
    'error mounting "/a" to rootfs at "/etc": not a directory',
    'stat /x: no such file or directory',
    'exec format error',
    'cgroup trouble',
  ];
  const reading = (cmd: string) => texts.map((t) => translateStartFailure(t, cmd)).map((f) => (f.invalid ? f.exitCode : undefined));
  assert.deepEqual(reading(''), [127, 126, 127, 127, undefined, undefined]);
  // A missing file is the client's only when the text names the command (here `sleep`, named by none).
  assert.deepEqual(reading('sleep'), [undefined, 126, 127, undefined, undefined, undefined]);
});

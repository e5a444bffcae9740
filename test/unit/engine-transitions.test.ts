/**
 * Every cell of the transition table, through the engine's verbs: each verb
 * from each status, on a real SQLite file with the fake runtime. The
 * expected answers are written out here as Docker gives them (done, 304 or
 * 409), independently of lifecycle.ts, and so is the status each verb
 * leaves. At the end nothing may be left running, mounted or remembered.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { withContainerLock } from '../../src/engine/locks.js';
import { initLocked } from '../../src/engine/containers/start-locked.js';
import type { ContainerStatus } from '../../src/engine/model/container.js';
import { EngineError } from '../../src/engine/errors.js';
import { bootEngine, makeRoot, until, type TestEngine, type TestRoot } from './engine-harness.js';

const STATUSES: ContainerStatus[] = ['created', 'initialized', 'running', 'paused', 'restarting', 'exited', 'removing', 'dead'];
type Verb = 'start' | 'stop' | 'kill' | 'pause' | 'unpause' | 'restart' | 'remove' | 'remove --force' | 'rename' | 'attach' | 'resize' | 'exec';
type Answer = 'done' | 304 | 409;

// Columns in the order of STATUSES.
const EXPECTED: Record<Verb, Answer[]> = {
  start: ['done', 'done', 304, 409, 'done', 'done', 409, 409],
  // An initialized container never ran its command: dockerd sees a created one (stop 304). Kill of a
  // restarting one cancels the restart (dockerd: 204, no signal).
  stop: [304, 304, 'done', 'done', 'done', 304, 304, 304],
  kill: [409, 409, 'done', 'done', 'done', 409, 409, 409],
  pause: [409, 409, 'done', 409, 409, 409, 409, 409],
  unpause: [409, 409, 409, 'done', 409, 409, 409, 409],
  restart: ['done', 'done', 'done', 'done', 'done', 'done', 409, 409],
  // dockerd refuses to remove a restarting container without force.
  remove: ['done', 'done', 409, 409, 409, 'done', 'done', 'done'],
  'remove --force': ['done', 'done', 'done', 'done', 'done', 'done', 'done', 'done'],
  rename: ['done', 'done', 'done', 'done', 'done', 'done', 409, 'done'],
  attach: ['done', 'done', 'done', 409, 'done', 'done', 409, 409],
  resize: [409, 'done', 'done', 409, 409, 409, 409, 409],
  exec: [409, 409, 'done', 409, 409, 409, 409, 409],
};

/** The status a verb that was done leaves; 'same' = unchanged, 'gone' = removed. */
const LEAVES: Record<Verb, ContainerStatus | 'same' | 'gone'> = {
  start: 'running',
  stop: 'exited',
  kill: 'exited',
  pause: 'paused',
  unpause: 'running',
  restart: 'running',
  remove: 'gone',
  'remove --force': 'gone',
  rename: 'same',
  attach: 'same',
  resize: 'same',
  exec: 'same',
};

describe('the transition table, verb by verb and status by status', () => {
  let root: TestRoot;
  let e: TestEngine;
  let n = 0;
  before(async () => {
    root = makeRoot();
    e = await bootEngine(root);
  });
  after(() => {
    e?.close();
    root?.remove();
  });

  async function containerIn(status: ContainerStatus): Promise<string> {
    const id = await e.create({ name: `c${n++}` });
    if (status === 'created') return id;
    if (status === 'initialized') {
      await withContainerLock(e.ctx.mutex, id, (lock) => initLocked(e.ctx, lock, e.ctx.repo.get(id)!));
    } else if (status === 'running' || status === 'paused' || status === 'exited') {
      await e.api.start(id);
      if (status === 'paused') await e.api.pause(id);
      if (status === 'exited') await e.api.stop(id, { timeout: 1 });
    } else {
      // restarting, removing and dead are reached only by a timer or a crash: set them as they are recorded.
      e.force(id, { status, hasBeenStarted: true });
    }
    assert.equal(e.status(id), status);
    return id;
  }

  async function apply(verb: Verb, id: string): Promise<void> {
    switch (verb) {
      case 'start':
        return e.api.start(id);
      case 'stop':
        return e.api.stop(id, { timeout: 1 });
      case 'kill': {
        // An exit, or (restarting) a stop without one.
        const ended = Promise.race([e.events.next('die', id), e.events.next('stopped', id)]);
        await e.api.kill(id, 'KILL');
        await ended;
        return;
      }
      case 'pause':
        return e.api.pause(id);
      case 'unpause':
        return e.api.unpause(id);
      case 'restart':
        return e.api.restart(id, { timeout: 1 });
      case 'remove':
        return e.api.remove(id, { force: false, volumes: false });
      case 'remove --force':
        return e.api.remove(id, { force: true, volumes: false });
      case 'rename':
        return e.api.rename(id, `renamed${n++}`);
      case 'attach': {
        const session = await e.api.attach(id, { stream: false, logs: false, stdin: false, stdout: true, stderr: true, detachKeys: '' });
        session.detach();
        return;
      }
      case 'resize':
        return e.api.resize(id, 24, 80);
      case 'exec': {
        await e.exec.create(id, {
          cmd: ['true'],
          env: [],
          workingDir: '',
          user: '',
          tty: false,
          attachStdin: false,
          attachStdout: true,
          attachStderr: true,
          privileged: false,
          detachKeys: '',
        });
        return;
      }
    }
  }

  for (const verb of Object.keys(EXPECTED) as Verb[]) {
    STATUSES.forEach((status, column) => {
      const want = EXPECTED[verb][column];
      test(`${verb} from ${status}: ${want === 'done' ? 'done' : want}`, async () => {
        const id = await containerIn(status);
        let answer: Answer = 'done';
        try {
          await apply(verb, id);
        } catch (err) {
          assert.ok(err instanceof EngineError, `not an EngineError: ${String(err)}`);
          assert.match(err.code, /^BERTH_[A-Z_]+$/);
          if (err.kind === 'not-modified') answer = 304;
          else if (err.kind === 'conflict') answer = 409;
          else throw err;
        }
        assert.equal(answer, want);
        const leaves = answer === 'done' ? LEAVES[verb] : 'same';
        if (leaves === 'gone') assert.equal(e.status(id), undefined);
        else if (leaves === 'same') assert.equal(e.status(id), status);
        else await until(() => e.status(id) === leaves, `${leaves} after ${verb}`);
        if (e.status(id) !== undefined) await e.api.remove(id, { force: true, volumes: false });
      });
    });
  }

  test('nothing is left running, mounted, in the runtime or in memory', async () => {
    assert.deepEqual(e.ctx.repo.all(), []);
    assert.deepEqual(root.host.alive(), []);
    assert.deepEqual([...root.host.procs.keys()], []);
    assert.deepEqual([...root.host.mounted], []);
    assert.deepEqual(e.ctx.live.ids(), []);
  });
});

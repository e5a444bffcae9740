import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, openDatabaseReadOnly, closeDatabase, type Db } from '../../src/db/database.js';
import { ContainersRepo } from '../../src/db/containers-repo.js';

interface Spec {
  imageId: string;
  cmd: string[];
}
interface State {
  status: string;
  pid: number;
  exitCode: number;
  health?: { log: string[] };
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-containers-repo-'));
const file = path.join(dir, 'berth.db');
const db = openDatabase(file);
const repo = new ContainersRepo<Spec, State>(db);
const opened: Db[] = [];
after(() => {
  for (const other of opened) other.close();
  closeDatabase(db);
  fs.rmSync(dir, { recursive: true, force: true });
});

let next = 0;
function addContainer(state: State = { status: 'created', pid: 0, exitCode: 0 }): string {
  const id = (next++).toString(16).padStart(64, '0');
  repo.insert({ id, name: `c${next}`, created: '2026-12-07T00:00:00Z', spec: { imageId: 'i', cmd: ['true'] }, state });
  return id;
}

test('get after a write returns what was written (state, exit, rename, delete)', () => {
  const id = addContainer();
  assert.equal(repo.get(id)?.state.status, 'created');
  repo.saveState(id, { status: 'running', pid: 7, exitCode: 0 });
  assert.deepEqual(repo.get(id)?.state, { status: 'running', pid: 7, exitCode: 0 });
  repo.saveExit(id, { status: 'exited', pid: 0, exitCode: 3 }, Date.now());
  assert.deepEqual(repo.get(id)?.state, { status: 'exited', pid: 0, exitCode: 3 });
  repo.rename(id, 'renamed');
  assert.equal(repo.get(id)?.name, 'renamed');
  repo.updateSpec(id, { imageId: 'i', cmd: ['false'] });
  assert.deepEqual(repo.get(id)?.spec.cmd, ['false']);
  repo.delete(id);
  assert.equal(repo.get(id), undefined);
});

test('each get returns a state of its own', () => {
  const id = addContainer({ status: 'running', pid: 1, exitCode: 0, health: { log: ['a'] } });
  const first = repo.get(id)!;
  const second = repo.get(id)!;
  assert.notEqual(first.state, second.state);
  first.state.health!.log.push('changed by a caller');
  first.state.status = 'exited';
  assert.deepEqual(repo.get(id)?.state, { status: 'running', pid: 1, exitCode: 0, health: { log: ['a'] } });
  assert.deepEqual({ ...repo.get(id), state: undefined }, { ...second, state: undefined });
});

test('a write rolled back leaves get answering the committed row', () => {
  const id = addContainer();
  repo.get(id);
  assert.throws(() =>
    repo.atomically(() => {
      repo.saveState(id, { status: 'running', pid: 9, exitCode: 0 });
      assert.equal(repo.get(id)?.state.status, 'running');
      throw new Error('rolled back');
    }),
  );
  assert.deepEqual(repo.get(id)?.state, { status: 'created', pid: 0, exitCode: 0 });
});

test('a spec replaced inside a transaction that rolls back is not answered after it', () => {
  const id = addContainer();
  assert.deepEqual(repo.get(id)?.spec.cmd, ['true']);
  assert.throws(() =>
    repo.atomically(() => {
      repo.updateSpec(id, { imageId: 'i', cmd: ['false'] });
      assert.deepEqual(repo.get(id)?.spec.cmd, ['false']);
      assert.deepEqual(repo.getByName(repo.get(id)!.name)?.spec.cmd, ['false']);
      throw new Error('rolled back');
    }),
  );
  assert.deepEqual(repo.get(id)?.spec.cmd, ['true']);
  assert.deepEqual(repo.all().find((r) => r.id === id)?.spec.cmd, ['true']);
});

test('a row read inside a transaction that rolls back is not kept', () => {
  let id = '';
  assert.throws(() =>
    repo.atomically(() => {
      id = addContainer();
      assert.equal(repo.get(id)?.state.status, 'created');
      throw new Error('rolled back');
    }),
  );
  assert.equal(repo.get(id), undefined);
});

test('a read-only connection sees what the daemon commits after its first read', () => {
  const id = addContainer();
  const readOnly = openDatabaseReadOnly(file);
  opened.push(readOnly);
  const reader = new ContainersRepo<Spec, State>(readOnly);
  assert.equal(reader.get(id)?.state.status, 'created');
  repo.saveState(id, { status: 'running', pid: 5, exitCode: 0 });
  assert.equal(reader.get(id)?.state.status, 'running');
});

test('spec answers what get would, and only for committed rows', () => {
  const id = addContainer();
  assert.deepEqual(repo.spec(id), { imageId: 'i', cmd: ['true'] });
  assert.equal(repo.spec(id), repo.get(id)?.spec, 'the parsed spec is shared');
  repo.updateSpec(id, { imageId: 'i', cmd: ['false'] });
  assert.deepEqual(repo.spec(id)?.cmd, ['false']);
  assert.throws(() =>
    repo.atomically(() => {
      repo.updateSpec(id, { imageId: 'i', cmd: ['rolled', 'back'] });
      assert.deepEqual(repo.spec(id)?.cmd, ['rolled', 'back']);
      throw new Error('rolled back');
    }),
  );
  assert.deepEqual(repo.spec(id)?.cmd, ['false'], 'an update rolled back is not remembered');
  let created = '';
  assert.throws(() =>
    repo.atomically(() => {
      created = addContainer();
      assert.deepEqual(repo.spec(created)?.cmd, ['true']);
      throw new Error('rolled back');
    }),
  );
  assert.equal(repo.spec(created), undefined, 'a create rolled back is not remembered');
  repo.delete(id);
  assert.equal(repo.spec(id), undefined);
});

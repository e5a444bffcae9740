import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../src/db/database.js';
import { ContainersRepo } from '../../src/db/containers-repo.js';
import { findContainer } from '../../src/engine/containers/resolve.js';
import type { ContainerContext } from '../../src/engine/containers/context.js';
import { initialState, type ContainerSpec, type ContainerState } from '../../src/engine/model/container.js';
import { EngineError } from '../../src/engine/errors.js';

function withRepo(fn: (ctx: ContainerContext, repo: ContainersRepo<ContainerSpec, ContainerState>) => void): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-resolve-'));
  const db = openDatabase(path.join(dir, 'berth.db'));
  try {
    const repo = new ContainersRepo<ContainerSpec, ContainerState>(db);
    fn({ repo } as unknown as ContainerContext, repo);
  } finally {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const spec = { imageId: 'sha256:' + '0'.repeat(64), labels: {} } as ContainerSpec;
const insert = (repo: ContainersRepo<ContainerSpec, ContainerState>, id: string, name: string) =>
  repo.insert({ id, name, created: '2026-11-28T10:00:00.000000000Z', spec, state: initialState() });

test('lookup: full id, then name (with or without slash), then unique prefix', () => {
  withRepo((ctx, repo) => {
    const a = 'abc1' + '0'.repeat(60);
    const b = 'abc2' + '0'.repeat(60);
    insert(repo, a, 'web');
    insert(repo, b, 'abc1');
    assert.equal(findContainer(ctx, a).id, a);
    assert.equal(findContainer(ctx, 'web').id, a);
    assert.equal(findContainer(ctx, '/web').id, a);
    assert.equal(findContainer(ctx, 'abc1').id, b, 'an exact name beats an id prefix');
    assert.equal(findContainer(ctx, 'abc2').id, b);
    assert.throws(
      () => findContainer(ctx, 'abc'),
      (e: EngineError) => e.kind === 'invalid-parameter' && /multiple IDs found/.test(e.message),
    );
    assert.throws(
      () => findContainer(ctx, 'nothere'),
      (e: EngineError) => e.kind === 'not-found' && e.message === 'No such container: nothere',
    );
    assert.throws(() => findContainer(ctx, ''), /No such container/);
  });
});

test('names are unique in the database; exit codes outlive the container', () => {
  withRepo((_ctx, repo) => {
    const a = 'a'.repeat(64);
    insert(repo, a, 'web');
    assert.throws(
      () => insert(repo, 'b'.repeat(64), 'web'),
      (e: { code?: string }) => e.code === 'SQLITE_CONSTRAINT_UNIQUE',
    );
    repo.saveExit(a, { ...initialState(), status: 'exited', exitCode: 3 }, Date.now());
    repo.delete(a);
    assert.equal(repo.get(a), undefined);
    assert.equal(repo.exitCode(a), 3);
    repo.pruneExitCodes(Date.now() + 1);
    assert.equal(repo.exitCode(a), undefined);
  });
});

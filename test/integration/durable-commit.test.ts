/**
 * Acknowledged means durable, with SQLite's sync off the event loop
 * (src/db/durability.ts, src/server/durable-replies.ts): a commit's WAL is
 * synced by the thread pool, not by berthd's main thread, and what a 201 /
 * 204 / wait acknowledged is there after `kill -9` and a restart.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { useDaemon } from './helpers/suite.js';
import { skipUnlessRoot } from './helpers/docker-cli.js';
import { create, inspectApi, run, sleep, verb, waitExit } from './helpers/api.js';

const hasStrace = spawnSync('strace', ['-V']).status === 0;

describe('durable commits', { skip: skipUnlessRoot(), timeout: 120_000 }, () => {
  const d = useDaemon();

  test('the WAL is synced on the thread pool: the main thread syncs only in checkpoints', { skip: hasStrace ? false : 'strace is not installed' }, async () => {
    // -y: each fd with its path, so a sync of the log tells itself from a checkpoint's sync of the database file.
    const strace = spawn('strace', ['-f', '-qq', '-y', '-e', 'trace=fsync,fdatasync', '-p', String(d.pid)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let out = '';
    strace.stderr.on('data', (b: Buffer) => (out += b.toString()));
    await sleep(500); // attached to every thread
    for (let i = 0; i < 5; i++) {
      const id = await create(d, { Cmd: ['true'], HostConfig: { NetworkMode: 'none' } });
      await verb(d, id, 'start');
      assert.equal(await waitExit(d, id), 0);
      const rm = await d.request('DELETE', `/containers/${id}`);
      assert.equal(rm.status, 204);
    }
    strace.kill('SIGINT');
    await new Promise((r) => strace.once('exit', r));
    const syncs = out.split('\n').filter((l) => /\b(fsync|fdatasync)\(\d+<[^>]*berth\.db(-wal)?>/.test(l));
    const onMain = syncs.filter((l) => !l.startsWith('[pid') || l.startsWith(`[pid ${d.pid}]`));
    const offMain = syncs.filter((l) => !onMain.includes(l));
    assert.ok(offMain.filter((l) => l.includes('-wal>')).length >= 5, `the commits were synced off the main thread:\n${out}`);
    // SQLite's own automatic checkpoint (every ~1000 pages of log) still syncs log and database file on the
    // main thread; a commit never does (before, each of the ~20 commits here synced the log there).
    const mainLog = onMain.filter((l) => l.includes('-wal>')).length;
    const mainDb = onMain.length - mainLog;
    assert.ok(mainLog <= mainDb, `the main thread synced the log outside a checkpoint:\n${onMain.join('\n')}`);
  });

  test('what a 201, a 204 and a wait acknowledged is there after kill -9', async () => {
    const created = await create(d, { Cmd: ['true'] }, 'durable-created');
    const exited = await run(d, { Cmd: ['sh', '-c', 'exit 3'] }, 'durable-exited');
    assert.equal(await waitExit(d, exited), 3);
    const renamed = await create(d, { Cmd: ['true'] }, 'durable-old-name');
    const res = await d.request('POST', `/containers/${renamed}/rename`, { query: { name: 'durable-new-name' } });
    assert.equal(res.status, 204);
    await d.kill9(); // at once: the replies were the last thing berthd did
    await d.start();
    assert.equal((await inspectApi(d, created)).Name, '/durable-created');
    const state = (await inspectApi(d, exited)).State;
    assert.deepEqual([state.Status, state.ExitCode], ['exited', 3]);
    assert.equal((await inspectApi(d, renamed)).Name, '/durable-new-name');
  });
});

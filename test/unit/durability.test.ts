/**
 * src/db/durability.ts: group commit on a fake sync (ordering, coalescing,
 * no sync without a write, failure), and on a real database (the triggers
 * count every write; the -wal file keeps its inode while the connection is
 * open; the connection runs synchronous=NORMAL).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setImmediate as tick } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { Durability, trackDurability, whenDurable } from '../../src/db/durability.js';
import { closeDatabase, inTransaction, openDatabase } from '../../src/db/database.js';

/** A sync that finishes when the test says so; counts how many were started. */
function fakeSync() {
  const runs: Array<{ finish: () => void; fail: (err: Error) => void }> = [];
  const sync = () =>
    new Promise<void>((resolve, reject) => {
      runs.push({ finish: resolve, fail: reject });
    });
  return { sync, runs };
}

/** Settles a promise's state without waiting for it: 'pending', 'resolved' or 'rejected'. */
function watch(p: Promise<void>): { state: string } {
  const seen = { state: 'pending' };
  p.then(
    () => (seen.state = 'resolved'),
    () => (seen.state = 'rejected'),
  );
  return seen;
}

test('no write, no sync: durable() resolves at once and nothing is started', async () => {
  const { sync, runs } = fakeSync();
  const d = new Durability(sync, () => assert.fail('no failure expected'));
  assert.equal(d.pending, false);
  await d.durable();
  await tick();
  assert.equal(runs.length, 0);
});

test('a write schedules a sync by itself, outside the writing code', async () => {
  const { sync, runs } = fakeSync();
  const d = new Durability(sync, () => undefined);
  d.noteWrite();
  d.noteWrite();
  assert.equal(runs.length, 0, 'never started inside the code that writes');
  assert.equal(d.pending, true);
  await tick();
  assert.equal(runs.length, 1, 'both writes share one sync');
  runs[0].finish();
  await tick();
  assert.equal(d.pending, false);
  await tick();
  assert.equal(runs.length, 1, 'nothing written since: no second sync');
});

test('a write made while a sync runs is durable only after the next sync', async () => {
  const { sync, runs } = fakeSync();
  const d = new Durability(sync, () => undefined);
  d.noteWrite();
  const first = watch(d.durable());
  await tick();
  assert.equal(runs.length, 1);
  d.noteWrite(); // lands while the first sync runs
  const second = watch(d.durable());
  const third = watch(d.durable());
  runs[0].finish();
  await tick();
  assert.equal(first.state, 'resolved');
  assert.equal(second.state, 'pending', 'the running sync started before that write');
  await tick();
  assert.equal(runs.length, 2, 'the next sync starts as soon as the first is done');
  runs[1].finish();
  await tick();
  assert.deepEqual([second.state, third.state], ['resolved', 'resolved'], 'waiters of the same writes share one sync');
  await tick();
  assert.equal(runs.length, 2);
});

test('covers(mark) waits only for the writes counted up to the mark, not for later ones', async () => {
  const { sync, runs } = fakeSync();
  const d = new Durability(sync, () => undefined);
  d.noteWrite();
  const mark = d.written;
  await tick();
  assert.equal(runs.length, 1);
  d.noteWrite(); // lands while the first sync runs
  const marked = watch(d.covers(mark));
  const later = watch(d.covers(d.written));
  runs[0].finish();
  await tick();
  assert.equal(marked.state, 'resolved', 'the running sync covered the mark');
  assert.equal(later.state, 'pending', 'the write made during the sync waits for the next one');
  assert.equal(await Promise.race([d.covers(mark).then(() => 'at once'), tick().then(() => 'later')]), 'at once', 'a covered mark waits for nothing');
  await tick();
  runs[1].finish();
  await tick();
  assert.equal(later.state, 'resolved');
  runs.length = 0;
  d.noteWrite();
  const failing = d.covers(d.written);
  await tick();
  runs[0].fail(new Error('EIO'));
  await assert.rejects(failing, /EIO/);
  await assert.rejects(d.covers(0), /EIO/, 'after a failure even a covered mark rejects: nothing is promised any more');
});

test('a failed sync rejects its waiters and every later durable(), and is reported once', async () => {
  const { sync, runs } = fakeSync();
  const failures: Error[] = [];
  const d = new Durability(sync, (err) => failures.push(err));
  d.noteWrite();
  const waiter = d.durable();
  await tick();
  runs[0].fail(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
  await assert.rejects(waiter, /syncing the state database's log failed: EIO/);
  await assert.rejects(d.durable(), /EIO/);
  d.noteWrite();
  await assert.rejects(d.durable(), /EIO/);
  await tick();
  assert.equal(runs.length, 1, 'no sync after a failure: none could prove anything');
  assert.equal(failures.length, 1);
});

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-durability-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('on a real database: every written row but an event is counted, committed rows are synced, the WAL keeps its inode', async () => {
  const file = path.join(dir, 'state.db');
  const db = openDatabase(file);
  assert.equal(Number(db.pragma('synchronous', { simple: true })), 1, 'NORMAL: commits do not sync on the event loop');
  db.exec('CREATE TABLE t (v TEXT NOT NULL)');
  const failures: Error[] = [];
  const tracked = trackDurability(db, file, (err) => failures.push(err));
  const d = tracked.durability;
  const inode = fs.statSync(`${file}-wal`).ino;
  assert.equal(d.pending, false);
  db.prepare('INSERT INTO t (v) VALUES (?)').run('a');
  assert.equal(d.pending, true, 'an autocommitted insert is counted');
  await whenDurable(db);
  assert.equal(d.pending, false);
  inTransaction(db, () => {
    db.prepare('INSERT INTO t (v) VALUES (?)').run('b');
    db.prepare("UPDATE t SET v = 'c' WHERE v = 'a'").run();
  });
  assert.equal(d.pending, true);
  await whenDurable(db);
  db.prepare('DELETE FROM t').run();
  assert.equal(d.pending, true, 'a delete is counted');
  await whenDurable(db);
  db.prepare("INSERT INTO events (time_nano, type, action, actor_id, attributes) VALUES (1, 'container', 'exec_create', 'x', '{}')").run();
  assert.equal(d.pending, false, 'an event alone asks for no sync: the log is history, not state');
  // What could replace the -wal file: a checkpoint that truncates it, a reader that comes and goes.
  db.pragma('wal_checkpoint(TRUNCATE)');
  const reader = new Database(file, { readonly: true });
  reader.prepare('SELECT COUNT(*) FROM t').get();
  reader.close();
  db.prepare('INSERT INTO t (v) VALUES (?)').run('d');
  await whenDurable(db);
  assert.equal(fs.statSync(`${file}-wal`).ino, inode, 'the same file: the fd berthd syncs is the log SQLite writes');
  assert.deepEqual(failures, []);
  tracked.close();
  // Closed: the database's close checkpoints and syncs; a write after close() waits for nothing (its fd is gone).
  db.prepare('INSERT INTO t (v) VALUES (?)').run('e');
  await whenDurable(db);
  closeDatabase(db);
  assert.deepEqual(failures, []);
});

test('whenDurable of a connection nobody tracks resolves at once', async () => {
  const file = path.join(dir, 'untracked.db');
  const db = openDatabase(file);
  await whenDurable(db);
  closeDatabase(db);
});

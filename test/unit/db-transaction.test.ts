import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, closeDatabase, inTransaction, type Db } from '../../src/db/database.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-db-transaction-'));
const open: Db[] = [];
after(() => {
  for (const db of open) closeDatabase(db);
  fs.rmSync(dir, { recursive: true, force: true });
});

function freshDb(name: string): Db {
  const db = openDatabase(path.join(dir, name));
  db.exec('CREATE TABLE t (v TEXT NOT NULL)');
  open.push(db);
  return db;
}

const values = (db: Db) => (db.prepare('SELECT v FROM t ORDER BY rowid').all() as Array<{ v: string }>).map((r) => r.v);
const insert = (db: Db, v: string) => db.prepare('INSERT INTO t (v) VALUES (?)').run(v);

test('inTransaction commits what fn wrote and returns what fn returned', () => {
  const db = freshDb('commit.db');
  const out = inTransaction(db, () => {
    insert(db, 'a');
    assert.equal(db.inTransaction, true);
    return 42;
  });
  assert.equal(out, 42);
  assert.equal(db.inTransaction, false);
  assert.deepEqual(values(db), ['a']);
});

test('inTransaction rolls everything back when fn throws, and can be used again', () => {
  const db = freshDb('rollback.db');
  assert.throws(
    () =>
      inTransaction(db, () => {
        insert(db, 'lost');
        throw new Error('boom');
      }),
    /boom/,
  );
  assert.equal(db.inTransaction, false);
  assert.deepEqual(values(db), []);
  inTransaction(db, () => insert(db, 'kept'));
  assert.deepEqual(values(db), ['kept']);
});

test('a nested inTransaction is a savepoint: its failure undoes only its own writes', () => {
  const db = freshDb('nested.db');
  inTransaction(db, () => {
    insert(db, 'outer');
    assert.throws(() =>
      inTransaction(db, () => {
        insert(db, 'inner');
        throw new Error('inner fails');
      }),
    );
    inTransaction(db, () => insert(db, 'second inner'));
  });
  assert.deepEqual(values(db), ['outer', 'second inner']);
});

test('the transaction of one connection never runs on another', () => {
  const one = freshDb('one.db');
  const two = freshDb('two.db');
  inTransaction(one, () => insert(one, '1'));
  inTransaction(two, () => {
    assert.equal(one.inTransaction, false);
    insert(two, '2');
  });
  assert.deepEqual(values(one), ['1']);
  assert.deepEqual(values(two), ['2']);
});

/**
 * Opens berth's state database: one better-sqlite3 connection for the life of
 * the daemon. This file is the truth about containers. It runs WAL with
 * synchronous=NORMAL: a commit does not fsync on the event loop (SQLite still
 * syncs at checkpoints and stays consistent after any crash); durability.ts
 * syncs the WAL on the thread pool, and whatever acknowledges a commit waits
 * for that (`Durability.durable()`). Migrations run synchronous=FULL.
 * Every write transaction is BEGIN IMMEDIATE and synchronous: never hold one
 * across an await.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { migrate } from './migrate.js';

export type Db = Database.Database;

export function openDatabase(file: string): Db {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const db = new Database(file);
  try {
    fs.chmodSync(file, 0o600);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new Error(`state database ${file} failed its integrity check: ${String(check)}`);
    migrate(db);
    db.pragma('synchronous = NORMAL');
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/** One transaction function per connection, which runs the function it is given. */
const runners = new WeakMap<Db, Database.Transaction<(fn: () => unknown) => unknown>>();

/**
 * Runs fn in one BEGIN IMMEDIATE transaction; inside an open one, in a
 * savepoint (fn's writes are undone if it throws, the outer transaction
 * goes on). fn must be synchronous. better-sqlite3 builds four wrapper
 * functions per `db.transaction()`, so the one transaction function of the
 * connection is built once and reused: same statements, same semantics.
 */
export function inTransaction<T>(db: Db, fn: () => T): T {
  let run = runners.get(db);
  if (!run) {
    run = db.transaction((body: () => unknown) => body());
    runners.set(db, run);
  }
  return run.immediate(fn) as T;
}

/** Flushes the WAL into the main file; called at clean shutdown. */
export function closeDatabase(db: Db): void {
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}

/**
 * Opens the database for reading only (`berthd check`): no migration, no
 * write, usable while a daemon serves the same file (WAL readers do not
 * block it). A missing file is an error.
 */
export function openDatabaseReadOnly(file: string): Db {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  return db;
}

/** SQLite's own verdict: quick_check lines other than "ok", and foreign_key_check violations. [] when sound. */
export function integrityProblems(db: Db): string[] {
  const quick = (db.pragma('quick_check') as { quick_check: string }[]).map((r) => r.quick_check).filter((r) => r !== 'ok');
  const fks = db.pragma('foreign_key_check') as { table: string; rowid: number; parent: string }[];
  return [...quick.map((q) => `quick_check: ${q}`), ...fks.map((f) => `foreign key: ${f.table} row ${f.rowid} names a missing ${f.parent}`)];
}

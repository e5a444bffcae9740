/**
 * Group commit off the event loop. The writing connection runs WAL with
 * synchronous=NORMAL (database.ts): a commit appends to the `-wal` file
 * without an fsync, so SQLite stays consistent after any crash but a power
 * loss or kernel crash may drop the latest commits. This module makes them
 * durable: it counts the rows the connection writes (temporary triggers
 * that call back into JS), and syncs the WAL file with fdatasync on the
 * libuv thread pool (an fd of its own: on Linux a sync flushes the inode's
 * dirty pages whoever wrote them; SQLite never replaces the `-wal` file
 * while the connection is open, it only truncates or rewrites it).
 *
 * Contract of `durable()`: it resolves once a sync that started after every
 * write counted so far (so after every commit completed before the call)
 * has finished. Writes made while a sync runs wait for the next one: one
 * sync serves every commit that landed before it started (group commit).
 * No write since the last sync, no sync. Every write also schedules a sync
 * by itself (nobody has to ask), so an idle daemon never leaves a commit
 * unsynced for longer than one sync.
 *
 * A sync is never started inside the synchronous code that writes: it is
 * started from a setImmediate callback, and since no transaction is ever
 * held across an await (README.md), none is open there; the write count
 * it covers is read at that moment.
 *
 * A failed sync is final: Linux may have dropped the dirty pages it could
 * not write and report success for the next sync, so no later sync proves
 * anything. Every pending and later `durable()` rejects with that error,
 * and the daemon shuts down to be restarted (main.ts; SQLite then recovers
 * the WAL up to its last intact frame: consistent, maybe without the
 * commits since the last successful sync).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Db } from './database.js';

/** Syncs the WAL file's data (and the size needed to read it back). */
export type SyncWal = () => Promise<void>;

interface Waiter {
  /** The write count this waiter needs a sync to cover. */
  covers: number;
  resolve: () => void;
  reject: (err: Error) => void;
}

export class Durability {
  readonly #sync: SyncWal;
  readonly #onFailure: (err: Error) => void;
  /** Rows written (and so committed, or rolled back, once the writing code returns). */
  #written = 0;
  /** The write count covered by the last successful sync. */
  #synced = 0;
  #syncing = false;
  #scheduled = false;
  #failure: Error | undefined;
  #waiters: Waiter[] = [];

  /** `onFailure` hears of a failed sync once (to log it); the waiters get the error. */
  constructor(sync: SyncWal, onFailure: (err: Error) => void) {
    this.#sync = sync;
    this.#onFailure = onFailure;
  }

  /** Counts a written row and schedules a sync. Synchronous and cheap: called from SQLite triggers. */
  noteWrite(): void {
    this.#written++;
    this.#schedule();
  }

  /** Whether rows were written that no successful sync covers (yet): `durable()` would wait, or reject. */
  get pending(): boolean {
    return this.#written > this.#synced;
  }

  /** Rows written so far: a mark that `covers` can wait for. */
  get written(): number {
    return this.#written;
  }

  /** Resolves once every commit completed before this call is on disk; rejects if a sync failed. */
  durable(): Promise<void> {
    return this.covers(this.#written);
  }

  /**
   * Resolves once a sync covers the first `mark` rows written (a `written`
   * read earlier): every commit made before that read is on disk. Commits
   * made since do not hold it back. Rejects if a sync failed.
   */
  covers(mark: number): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure);
    if (mark <= this.#synced) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.#waiters.push({ covers: mark, resolve, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#scheduled || this.#syncing || this.#failure) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#startSync();
    });
  }

  #startSync(): void {
    if (this.#syncing || this.#failure || this.#written <= this.#synced) return;
    this.#syncing = true;
    const covers = this.#written;
    this.#sync().then(
      () => {
        this.#syncing = false;
        this.#synced = covers;
        this.#waiters = this.#waiters.filter((w) => (w.covers <= covers ? (w.resolve(), false) : true));
        // Writes made while it ran: their own sync, now.
        if (this.#written > this.#synced) this.#schedule();
      },
      (err: unknown) => {
        this.#syncing = false;
        const failure = new Error(`syncing the state database's log failed: ${(err as Error).message ?? String(err)}`, { cause: err });
        this.#failure = failure;
        this.#onFailure(failure);
        for (const w of this.#waiters) w.reject(failure);
        this.#waiters = [];
      },
    );
  }
}

/**
 * Attaches a Durability to the writing connection `db` of `file`: opens the
 * `-wal` file (which SQLite has created by now: the WAL mode is set and the
 * database was read), syncs its directory once so the file itself survives
 * a power loss, and installs one temporary trigger per table (but the
 * events log) and write kind that counts each written row. `close()` stops it; call it right before
 * closeDatabase (whose checkpoint syncs everything): a running sync
 * finishes before its fd is closed, a later one resolves at once.
 */
export function trackDurability(db: Db, file: string, onFailure: (err: Error) => void): { durability: Durability; close(): void } {
  const walFile = `${file}-wal`;
  const fd = fs.openSync(walFile, 'r');
  try {
    syncDirectory(path.dirname(walFile));
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
  let running: Promise<void> = Promise.resolve();
  let closed = false;
  // Once closed, closeDatabase's checkpoint has synced everything: a sync asked for later has nothing to do (and no fd).
  const sync = () =>
    closed
      ? Promise.resolve()
      : (running = new Promise<void>((resolve, reject) => {
          fs.fdatasync(fd, (err) => (err ? reject(err) : resolve()));
        }));
  const durability = new Durability(sync, (err) => {
    if (!closed) onFailure(err);
  });
  try {
    countWrites(db, () => durability.noteWrite());
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
  tracked.set(db, durability);
  return {
    durability,
    close() {
      if (closed) return;
      closed = true;
      void running
        .catch(() => undefined)
        .finally(() => {
          try {
            fs.closeSync(fd);
          } catch {
            // closed by now in any case; nothing to do at shutdown
          }
        });
    },
  };
}

/** The Durability of each tracked connection. */
const tracked = new WeakMap<Db, Durability>();

/**
 * `durable()` of the connection's Durability: what engine code awaits
 * between a commit and an irreversible step that the commit makes safe
 * (removing a directory, a file, an exit file). Resolves at once for a
 * connection nobody tracks (read-only ones, `berthd check --repair`, whose
 * close checkpoints and syncs, unit tests).
 */
export function whenDurable(db: Db): Promise<void> {
  return tracked.get(db)?.durable() ?? Promise.resolve();
}

/** The function the triggers call; its name is berth's own. */
const WROTE = 'berth_wrote_row';

/**
 * Tables whose rows alone need no sync: the events log. An event is history,
 * not state (Docker keeps none across a restart), and a commit holding only
 * events (exec_create, a health status) would otherwise hold the next reply
 * for a sync. An event committed with the change it reports is synced with
 * that change's rows.
 */
const UNCOUNTED = new Set(['events']);

/** Temporary (connection-only, never stored) AFTER triggers on every table of `main` but UNCOUNTED that call `onWrite` once per row. */
function countWrites(db: Db, onWrite: () => void): void {
  db.function(WROTE, { deterministic: false }, () => {
    onWrite();
    return null;
  });
  const tables = db.prepare("SELECT name FROM main.sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").pluck().all() as string[];
  for (const table of tables.filter((t) => !UNCOUNTED.has(t))) {
    if (!/^\w+$/.test(table)) throw new Error(`unexpected table name ${table}`);
    for (const kind of ['INSERT', 'UPDATE', 'DELETE']) {
      db.exec(`CREATE TEMP TRIGGER berth_count_${kind.toLowerCase()}_${table} AFTER ${kind} ON main.${table} BEGIN SELECT ${WROTE}(); END`);
    }
  }
}

function syncDirectory(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Container rows: `containers` (fixed spec) and `container_state` (what
 * changes), plus `exit_codes`, which outlive removal. Methods are
 * synchronous; each write is one statement or one IMMEDIATE transaction.
 */
import { inTransaction, type Db } from './database.js';
import { whenDurable } from './durability.js';

/** What the repo stores; the engine's record types are structurally the same. */
export interface ContainerRow<Spec, State> {
  id: string;
  name: string;
  created: string;
  seq: number;
  spec: Spec;
  state: State;
}

interface RawRow {
  id: string;
  name: string;
  created_at: string;
  seq: number;
  spec: string;
  state: string;
}

/** A committed row as `get` read it: the state kept as its JSON, so each `get` returns a state of its own. */
interface CommittedRow<Spec> {
  name: string;
  created: string;
  seq: number;
  spec: Spec;
  state: string;
}

export interface StoredState {
  status: string;
  pid: number;
  exitCode: number;
}

export class ContainersRepo<Spec extends { imageId: string }, State extends StoredState> {
  #db: Db;
  /**
   * Parsed specs of committed rows by container ID. A spec is written by
   * insert and changed only by updateSpec (`docker update`), so each is
   * parsed once: kept when read outside a transaction (as `#committed`,
   * and likewise not on a read-only connection), forgotten by updateSpec
   * and delete before they write. Deep-frozen,
   * since every reader shares it.
   */
  readonly #specs = new Map<string, Spec>();
  /**
   * Rows that `get` read outside any transaction (so committed), as stored,
   * by container ID: a later `get` answers from here instead of running the
   * query again (a read transaction and a join, each time). Every write
   * method forgets the row's entry before it writes, so an entry is never
   * older than the database, and a write rolled back only costs a re-read.
   * That holds because this repo is the only writer of these rows: one
   * ContainersRepo per connection, one writing daemon per data root (the
   * root lock). A read-only connection (`berthd check`, beside a running
   * daemon) keeps nothing.
   */
  readonly #committed = new Map<string, CommittedRow<Spec>>();
  readonly #keepsCommitted: boolean;
  #insertContainer;
  #insertState;
  #updateState;
  #rename;
  #updateSpec;
  #delete;
  #byId;
  #byName;
  #byPrefix;
  #all;
  #nextSeq;
  #countByStatus;
  #usingImage;
  #putExit;
  #getExit;
  #pruneExits;

  constructor(db: Db) {
    this.#db = db;
    this.#keepsCommitted = !db.readonly;
    const select = 'SELECT c.id, c.name, c.created_at, c.seq, c.spec, s.state FROM containers c JOIN container_state s ON s.id = c.id';
    this.#insertContainer = db.prepare('INSERT INTO containers (id, name, image_id, created_at, seq, spec) VALUES (?, ?, ?, ?, ?, ?)');
    this.#insertState = db.prepare('INSERT INTO container_state (id, status, pid, exit_code, state) VALUES (?, ?, ?, ?, ?)');
    this.#updateState = db.prepare('UPDATE container_state SET status = ?, pid = ?, exit_code = ?, state = ? WHERE id = ?');
    this.#rename = db.prepare('UPDATE containers SET name = ? WHERE id = ?');
    this.#updateSpec = db.prepare('UPDATE containers SET spec = ? WHERE id = ?');
    this.#delete = db.prepare('DELETE FROM containers WHERE id = ?');
    this.#byId = db.prepare(`${select} WHERE c.id = ?`);
    this.#byName = db.prepare(`${select} WHERE c.name = ?`);
    this.#byPrefix = db.prepare(`${select} WHERE c.id >= ? AND c.id < ? LIMIT 2`);
    this.#all = db.prepare(`${select} ORDER BY c.seq DESC`);
    this.#nextSeq = db.prepare('SELECT COALESCE(MAX(seq), 0) + 1 AS seq FROM containers');
    this.#countByStatus = db.prepare('SELECT status, COUNT(*) AS n FROM container_state GROUP BY status');
    this.#usingImage = db.prepare('SELECT c.id, s.status FROM containers c JOIN container_state s ON s.id = c.id WHERE c.image_id = ?');
    this.#putExit = db.prepare(
      'INSERT INTO exit_codes (id, exit_code, recorded_at) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET exit_code = excluded.exit_code, recorded_at = excluded.recorded_at',
    );
    this.#getExit = db.prepare('SELECT exit_code FROM exit_codes WHERE id = ?');
    this.#pruneExits = db.prepare('DELETE FROM exit_codes WHERE recorded_at < ? AND id NOT IN (SELECT id FROM containers)');
  }

  /** Inserts both rows in one transaction. Throws SQLite's UNIQUE error on a name clash. */
  insert(row: Omit<ContainerRow<Spec, State>, 'seq'>): number {
    this.#committed.delete(row.id);
    return inTransaction(this.#db, () => {
      const { seq } = this.#nextSeq.get() as { seq: number };
      this.#insertContainer.run(row.id, row.name, row.spec.imageId, row.created, seq, JSON.stringify(row.spec));
      this.#insertState.run(row.id, row.state.status, row.state.pid, row.state.exitCode, JSON.stringify(row.state));
      return seq;
    });
  }

  /** Replaces the state row; the typed columns are kept in step with the JSON. */
  saveState(id: string, state: State): void {
    this.#committed.delete(id);
    const info = this.#updateState.run(state.status, state.pid, state.exitCode, JSON.stringify(state), id);
    if (info.changes !== 1) throw new Error(`container ${id} has no state row`);
  }

  /** Saves a final state and the exit code (kept after removal) in one transaction. */
  saveExit(id: string, state: State, nowMs: number): void {
    inTransaction(this.#db, () => {
      this.saveState(id, state);
      this.#putExit.run(id, state.exitCode, nowMs);
    });
  }

  /**
   * Runs `fn` in one transaction (BEGIN IMMEDIATE; nested ones become
   * savepoints). A state change and the event row that reports it commit
   * together: one sync of the log instead of two, on the event loop.
   */
  atomically<T>(fn: () => T): T {
    return inTransaction(this.#db, fn);
  }

  /** Resolves once every commit so far is on disk (durability.ts): await it before removing what a commit made unneeded. */
  durable(): Promise<void> {
    return whenDurable(this.#db);
  }

  rename(id: string, name: string): void {
    this.#committed.delete(id);
    this.#rename.run(name, id);
  }

  /** Replaces a container's spec (`docker update`: resources, restart policy). */
  updateSpec(id: string, spec: Spec): void {
    this.#committed.delete(id);
    this.#specs.delete(id);
    this.#updateSpec.run(JSON.stringify(spec), id);
  }

  delete(id: string): void {
    this.#committed.delete(id);
    this.#specs.delete(id);
    this.#delete.run(id);
  }

  get(id: string): ContainerRow<Spec, State> | undefined {
    const known = this.#committed.get(id);
    if (known) return { id, name: known.name, created: known.created, seq: known.seq, spec: known.spec, state: JSON.parse(known.state) as State };
    const raw = this.#byId.get(id) as RawRow | undefined;
    if (raw && this.#keepsCommitted && !this.#db.inTransaction) {
      this.#committed.set(id, { name: raw.name, created: raw.created_at, seq: raw.seq, spec: this.#spec(id, raw.spec), state: raw.state });
    }
    return this.#map(raw);
  }

  /**
   * The container's spec alone, as `get` would return it, or undefined:
   * once parsed it is answered from memory, without reading the state
   * (the event listeners that only ask whether a container has, say, a
   * healthcheck).
   */
  spec(id: string): Spec | undefined {
    return this.#specs.get(id) ?? this.get(id)?.spec;
  }

  getByName(name: string): ContainerRow<Spec, State> | undefined {
    return this.#map(this.#byName.get(name) as RawRow | undefined);
  }

  /** At most two rows whose id starts with prefix (two means ambiguous). */
  findByPrefix(prefix: string): Array<ContainerRow<Spec, State>> {
    const upper = prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
    return (this.#byPrefix.all(prefix, upper) as RawRow[]).map((r) => this.#map(r)!);
  }

  /** Newest first. */
  all(): Array<ContainerRow<Spec, State>> {
    return (this.#all.all() as RawRow[]).map((r) => this.#map(r)!);
  }

  countByStatus(): Map<string, number> {
    const rows = this.#countByStatus.all() as Array<{ status: string; n: number }>;
    return new Map(rows.map((r) => [r.status, r.n]));
  }

  usingImage(imageId: string): Array<{ id: string; status: string }> {
    return this.#usingImage.all(imageId) as Array<{ id: string; status: string }>;
  }

  exitCode(id: string): number | undefined {
    const row = this.#getExit.get(id) as { exit_code: number } | undefined;
    return row?.exit_code;
  }

  /** Forgets exit codes of removed containers recorded before `olderThanMs`. */
  pruneExitCodes(olderThanMs: number): void {
    this.#pruneExits.run(olderThanMs);
  }

  #map(raw: RawRow | undefined): ContainerRow<Spec, State> | undefined {
    if (!raw) return undefined;
    return { id: raw.id, name: raw.name, created: raw.created_at, seq: raw.seq, spec: this.#spec(raw.id, raw.spec), state: JSON.parse(raw.state) as State };
  }

  #spec(id: string, text: string): Spec {
    let spec = this.#specs.get(id);
    if (!spec) {
      spec = deepFreeze(JSON.parse(text) as Spec);
      // A row read inside a transaction may yet be rolled back; a read-only connection keeps nothing.
      if (this.#keepsCommitted && !this.#db.inTransaction) this.#specs.set(id, spec);
    }
    return spec;
  }
}

/** Freezes `value` and everything reachable from it (JSON data: no cycles). */
function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

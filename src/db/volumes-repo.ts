/**
 * Volume rows and container ↔ volume mount rows. Synchronous, plain
 * records; knows nothing of directories or mounts (the volume service
 * orders directory and row changes so that a crash leaves nothing half
 * made).
 */
import type Database from 'better-sqlite3';
import { inTransaction, type Db } from './database.js';
import { whenDurable } from './durability.js';

export interface VolumeRow {
  name: string;
  driver: string;
  labels: Record<string, string>;
  options: Record<string, string>;
  /** RFC 3339. */
  createdAt: string;
  anonymous: boolean;
}

export interface VolumeMountRow {
  containerId: string;
  destination: string;
  volumeName: string;
  copyPending: boolean;
}

interface RawVolume {
  name: string;
  driver: string;
  labels: string;
  options: string;
  created_at: string;
  anonymous: number;
}
interface RawMount {
  container_id: string;
  destination: string;
  volume_name: string;
  copy_pending: number;
}

type Stmt = Database.Statement;

const toVolume = (r: RawVolume): VolumeRow => ({
  name: r.name,
  driver: r.driver,
  labels: JSON.parse(r.labels) as Record<string, string>,
  options: JSON.parse(r.options) as Record<string, string>,
  createdAt: r.created_at,
  anonymous: r.anonymous === 1,
});

const toMount = (r: RawMount): VolumeMountRow => ({
  containerId: r.container_id,
  destination: r.destination,
  volumeName: r.volume_name,
  copyPending: r.copy_pending === 1,
});

export class VolumesRepo {
  readonly #db: Db;
  readonly #insert: Stmt;
  readonly #get: Stmt;
  readonly #all: Stmt;
  readonly #delete: Stmt;
  readonly #insertMount: Stmt;
  readonly #mountsOfContainer: Stmt;
  readonly #usersOf: Stmt;
  readonly #activeUsers: Stmt;
  readonly #usedNames: Stmt;
  readonly #allMounts: Stmt;
  readonly #clearCopy: Stmt;

  constructor(db: Db) {
    this.#db = db;
    this.#insert = db.prepare('INSERT INTO volumes (name, driver, labels, options, created_at, anonymous) VALUES (?, ?, ?, ?, ?, ?)');
    this.#get = db.prepare('SELECT * FROM volumes WHERE name = ?');
    this.#all = db.prepare('SELECT * FROM volumes ORDER BY created_at, name');
    this.#delete = db.prepare('DELETE FROM volumes WHERE name = ?');
    this.#insertMount = db.prepare('INSERT INTO container_volumes (container_id, destination, volume_name, copy_pending) VALUES (?, ?, ?, ?)');
    this.#mountsOfContainer = db.prepare('SELECT * FROM container_volumes WHERE container_id = ?');
    this.#usersOf = db.prepare('SELECT DISTINCT container_id FROM container_volumes WHERE volume_name = ? ORDER BY container_id');
    this.#activeUsers = db.prepare(
      `SELECT DISTINCT m.volume_name, m.container_id FROM container_volumes m JOIN container_state s ON s.id = m.container_id
       WHERE s.status IN (SELECT value FROM json_each(?))`,
    );
    this.#usedNames = db.prepare('SELECT DISTINCT volume_name FROM container_volumes');
    this.#allMounts = db.prepare('SELECT * FROM container_volumes ORDER BY container_id, destination');
    this.#clearCopy = db.prepare('UPDATE container_volumes SET copy_pending = 0 WHERE container_id = ? AND destination = ?');
  }

  /** Throws SQLite's PRIMARY KEY error when the name exists. */
  insert(v: VolumeRow): void {
    this.#insert.run(v.name, v.driver, JSON.stringify(v.labels), JSON.stringify(v.options), v.createdAt, v.anonymous ? 1 : 0);
  }

  get(name: string): VolumeRow | undefined {
    const r = this.#get.get(name) as RawVolume | undefined;
    return r && toVolume(r);
  }

  all(): VolumeRow[] {
    return (this.#all.all() as RawVolume[]).map(toVolume);
  }

  /** Throws SQLite's FOREIGN KEY error while a container mounts it. */
  delete(name: string): boolean {
    return this.#delete.run(name).changes === 1;
  }

  /** Container IDs that mount the volume (any state). */
  usersOf(name: string): string[] {
    return (this.#usersOf.all(name) as Array<{ container_id: string }>).map((r) => r.container_id);
  }

  /** Names of volumes some container mounts. */
  usedNames(): Set<string> {
    return new Set((this.#usedNames.all() as Array<{ volume_name: string }>).map((r) => r.volume_name));
  }

  /**
   * volume → IDs of the containers in one of `statuses` (the engine's active
   * statuses: those whose process may be using the volume).
   */
  activeUsers(statuses: readonly string[]): Map<string, Set<string>> {
    const out = new Map<string, Set<string>>();
    for (const r of this.#activeUsers.all(JSON.stringify(statuses)) as Array<{ volume_name: string; container_id: string }>) {
      let set = out.get(r.volume_name);
      if (!set) out.set(r.volume_name, (set = new Set()));
      set.add(r.container_id);
    }
    return out;
  }

  /** Every container ↔ volume mount row, for `berthd check`. */
  allMounts(): VolumeMountRow[] {
    return (this.#allMounts.all() as RawMount[]).map(toMount);
  }

  mountsOf(containerId: string): VolumeMountRow[] {
    return (this.#mountsOfContainer.all(containerId) as RawMount[]).map(toMount);
  }

  /**
   * Runs `fn` in one transaction (BEGIN IMMEDIATE; nested ones become
   * savepoints): a volume row and the event that reports it commit together.
   */
  atomically<T>(fn: () => T): T {
    return inTransaction(this.#db, fn);
  }

  /** Resolves once every commit so far is on disk (durability.ts): await it before removing what a commit made unneeded. */
  durable(): Promise<void> {
    return whenDurable(this.#db);
  }

  /**
   * Runs `insertContainer` and records the container's volume mounts in the
   * same transaction, so a container row never exists without them.
   */
  insertWithMounts<T>(insertContainer: () => T, mounts: VolumeMountRow[]): T {
    return inTransaction(this.#db, () => {
      const out = insertContainer();
      for (const m of mounts) this.#insertMount.run(m.containerId, m.destination, m.volumeName, m.copyPending ? 1 : 0);
      return out;
    });
  }

  clearCopyPending(containerId: string, destination: string): void {
    this.#clearCopy.run(containerId, destination);
  }
}

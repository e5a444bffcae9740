/**
 * The volume store (Docker's local driver): rows in the state database,
 * data in `<data-root>/volumes/<name>/_data`.
 *
 * Crash safety: create makes the directory first and inserts the row
 * after; remove deletes the row first and the directory after. A crash in
 * between leaves at worst a directory without a row, which `reconcile()`
 * removes at startup (and a row whose directory went missing gets an
 * empty one again). Every change of one volume runs under that volume's
 * lock (create, remove, prune, first mount, copy-up, last unmount).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type pino from 'pino';
import type { VolumesRepo, VolumeRow } from '../../db/volumes-repo.js';
import type { Filters } from '../filters/index.js';
import type { VolumeUsage } from '../api/disk-usage.js';
import { ACTIVE_STATUSES } from '../model/lifecycle.js';
import { conflict, notFound } from '../errors.js';
import { KeyedMutex } from '../locks.js';
import { buildListFilter, buildPruneFilter } from './filters.js';
import { LocalMounts } from './local-mount.js';
import { anonymousVolumeName, validateDriver, validateDriverOptions, validateVolumeName } from './names.js';
import type { CreateVolumeOptions, VolumePruneResult, VolumeRecord } from '../model/volume.js';
import { faultPoint } from '../fault.js';
import type { EventBus } from '../events/event-bus.js';

export interface VolumeListItem {
  volume: VolumeRecord;
  /** Mounted by some container (any state). */
  inUse: boolean;
}

const noSuchVolume = (name: string, verb = 'get') => notFound('BERTH_VOLUME_NOT_FOUND', `${verb} ${name}: no such volume`);

export class VolumeService {
  readonly repo: VolumesRepo;
  readonly root: string;
  readonly locks = new KeyedMutex();
  readonly mounts: LocalMounts;
  readonly #log: pino.Logger;
  readonly #events: Pick<EventBus, 'emit'>;

  /** `events`: where `volume create` and `volume destroy` go, as dockerd logs them (named and anonymous volumes alike). */
  constructor(repo: VolumesRepo, dataRoot: string, log: pino.Logger, events: Pick<EventBus, 'emit'>) {
    this.repo = repo;
    this.root = path.join(dataRoot, 'volumes');
    this.#log = log;
    this.#events = events;
    this.mounts = new LocalMounts(this, log);
  }

  /** The directory containers see: `<root>/<name>/_data`. */
  dataDir(name: string): string {
    return `${this.root}/${name}/_data`;
  }

  record(row: VolumeRow): VolumeRecord {
    return { ...row, mountpoint: this.dataDir(row.name) };
  }

  withLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
    return this.locks.run(name, fn);
  }

  /**
   * Creates a volume, or returns the existing one of that name (Docker's
   * rule: a second create of a name answers the first volume). `created`
   * says which. Either way `volume create` is logged, as dockerd logs every
   * create of a name (`docker volume create` again, each container create
   * that names it).
   */
  async create(opts: CreateVolumeOptions, anonymous = false): Promise<{ volume: VolumeRecord; created: boolean }> {
    const name = opts.name === '' ? anonymousVolumeName() : opts.name;
    validateVolumeName(name);
    const driver = validateDriver(name, opts.driver);
    validateDriverOptions(name, opts.options);
    return this.withLock(name, async () => {
      const existing = this.repo.get(name);
      if (existing) {
        this.#events.emit({ type: 'volume', action: 'create', id: name, attributes: { driver: existing.driver } });
        return { volume: this.record(existing), created: false };
      }
      const row: VolumeRow = {
        name,
        driver,
        labels: opts.labels,
        options: opts.options,
        createdAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
        anonymous,
      };
      // As dockerd lays it out: volumes/ and volumes/<name> 0701 (only traversable), _data 0755.
      await fs.mkdir(path.join(this.root, name), { recursive: true, mode: 0o701 });
      await fs.mkdir(this.dataDir(name), { recursive: true, mode: 0o755 });
      faultPoint('volume.after-dir');
      try {
        // The row and its create event commit together (one sync; a crash keeps both or neither).
        this.repo.atomically(() => {
          this.repo.insert(row);
          this.#events.emit({ type: 'volume', action: 'create', id: name, attributes: { driver } });
        });
      } catch (err) {
        await fs.rm(path.join(this.root, name), { recursive: true, force: true });
        throw err;
      }
      return { volume: this.record(row), created: true };
    });
  }

  inspect(name: string): VolumeRecord {
    const row = this.repo.get(name);
    if (!row) throw noSuchVolume(name);
    return this.record(row);
  }

  list(filters: Filters): VolumeListItem[] {
    const match = buildListFilter(filters);
    const used = this.repo.usedNames();
    return this.repo
      .all()
      .map((row) => ({ volume: this.record(row), inUse: used.has(row.name) }))
      .filter((item) => match(item.volume, item.inUse));
  }

  /** `force`: a missing volume is not an error. A volume some container mounts is a conflict either way. */
  async remove(name: string, opts: { force: boolean }): Promise<void> {
    await this.withLock(name, async () => {
      if (!this.repo.get(name)) {
        if (opts.force) return;
        throw noSuchVolume(name);
      }
      await this.#removeLocked(name);
    });
  }

  async #removeLocked(name: string): Promise<void> {
    const driver = this.repo.get(name)?.driver ?? 'local';
    const users = this.repo.usersOf(name);
    if (users.length > 0) throw conflict('BERTH_VOLUME_IN_USE', `remove ${name}: volume is in use - [${users.join(', ')}]`);
    await this.mounts.unmountData(name);
    try {
      this.repo.atomically(() => {
        this.repo.delete(name);
        this.#events.emit({ type: 'volume', action: 'destroy', id: name, attributes: { driver } });
      });
    } catch (err) {
      // A container took it meanwhile (its insert does not take the volume lock).
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_FOREIGNKEY') {
        throw conflict('BERTH_VOLUME_IN_USE', `remove ${name}: volume is in use - [${this.repo.usersOf(name).join(', ')}]`, err);
      }
      throw err;
    }
    faultPoint('volume.after-record-delete');
    // The row's removal reaches the disk before the data goes: a power loss must not bring back a volume without it.
    await this.repo.durable();
    await fs.rm(path.join(this.root, name), { recursive: true, force: true });
  }

  /** Removes unused volumes matching `filters` (see filters.ts for `all`). */
  async prune(filters: Filters): Promise<VolumePruneResult> {
    const match = buildPruneFilter(filters);
    const used = this.repo.usedNames();
    const out: VolumePruneResult = { deleted: [], spaceReclaimed: 0 };
    for (const row of this.repo.all()) {
      if (!match(this.record(row), used.has(row.name))) continue;
      await this.withLock(row.name, async () => {
        if (!this.repo.get(row.name) || this.repo.usersOf(row.name).length > 0) return;
        const size = (await this.mounts.isMounted(row.name)) ? 0 : await treeSize(this.dataDir(row.name));
        await this.#removeLocked(row.name);
        out.deleted.push(row.name);
        out.spaceReclaimed += size;
      }).catch((err: unknown) => this.#log.warn({ err, volume: row.name }, 'pruning a volume failed'));
    }
    return out;
  }

  /** Removes the given volumes that no container mounts (any more); with onlyAnonymous, named ones stay (`rm -v`). */
  async removeUnused(names: string[], opts: { onlyAnonymous: boolean }): Promise<void> {
    for (const name of new Set(names)) {
      await this.withLock(name, async () => {
        const row = this.repo.get(name);
        if (!row || (opts.onlyAnonymous && !row.anonymous) || this.repo.usersOf(name).length > 0) return;
        await this.#removeLocked(name);
      }).catch((err: unknown) => this.#log.warn({ err, volume: name }, 'removing an unused volume failed'));
    }
  }

  /**
   * Startup, before containers are reconciled: directories without a row
   * go, rows without a directory get an empty one, and the users of each
   * driver mount are loaded from the containers whose process may run.
   */
  /** `docker system df`: every volume with its users and the bytes under its data (0 while a driver mount is on it, as prune counts). */
  async usage(): Promise<VolumeUsage[]> {
    const out: VolumeUsage[] = [];
    for (const row of this.repo.all()) {
      const v = this.record(row);
      const size = (await this.mounts.isMounted(v.name)) ? 0 : await treeSize(v.mountpoint);
      out.push({
        name: v.name,
        driver: v.driver,
        mountpoint: v.mountpoint,
        createdAt: v.createdAt,
        labels: v.labels,
        scope: 'local',
        options: v.options,
        refCount: this.repo.usersOf(v.name).length,
        size,
      });
    }
    return out;
  }

  async reconcile(): Promise<void> {
    await fs.mkdir(this.root, { recursive: true, mode: 0o701 });
    const rows = new Map(this.repo.all().map((r) => [r.name, r]));
    for (const entry of await fs.readdir(this.root)) {
      if (rows.has(entry)) continue;
      this.#log.warn({ volume: entry }, 'removing a volume directory without a record (an interrupted create or remove)');
      await this.mounts.unmountData(entry);
      await fs.rm(path.join(this.root, entry), { recursive: true, force: true });
    }
    for (const name of rows.keys()) await fs.mkdir(this.dataDir(name), { recursive: true, mode: 0o755 });
    this.mounts.loadUsers(this.repo.activeUsers(ACTIVE_STATUSES));
  }
}

/** Bytes of regular files below dir (symlinks not followed). */
async function treeSize(dir: string): Promise<number> {
  let total = 0;
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) total += await treeSize(p);
    else if (e.isFile()) total += (await fs.lstat(p).catch(() => ({ size: 0 }))).size;
  }
  return total;
}

/**
 * Volumes with local-driver options (`type`, `device`, `o`: a tmpfs, a
 * bind of a host dir, a block device, NFS…) are mounted at their `_data`
 * when the first container using them starts and unmounted when the last
 * one stops. The users are kept per volume in memory (container IDs), under
 * the volume's lock; at startup they are loaded from the containers whose
 * process may still run, and after containers were reconciled every such
 * mount without a user is undone, so nothing outlives its users, not even
 * across a kill -9 of the daemon.
 */
import type pino from 'pino';
import { systemError } from '../errors.js';
import { mountFsWithProgram } from '../host/mount.js';
import { isMounted, unmountRootfs } from '../images/rootfs.js';
import { driverMount, needsMount } from './names.js';
import type { VolumesRepo } from '../../db/volumes-repo.js';

/** What the mounts need of the volume store (VolumeService): its rows, data paths and per-volume lock. */
export interface VolumeStore {
  readonly repo: VolumesRepo;
  dataDir(name: string): string;
  withLock<T>(name: string, fn: () => Promise<T>): Promise<T>;
}

export class LocalMounts {
  readonly #volumes: VolumeStore;
  readonly #log: pino.Logger;
  /** volume name → containers whose process uses its driver mount. */
  readonly #users = new Map<string, Set<string>>();

  constructor(volumes: VolumeStore, log: pino.Logger) {
    this.#volumes = volumes;
    this.#log = log;
  }

  isMounted(name: string): Promise<boolean> {
    return isMounted(this.#volumes.dataDir(name));
  }

  /** Undoes a driver mount (not mounted → no-op). Caller holds the volume's lock. */
  async unmountData(name: string): Promise<void> {
    await unmountRootfs(this.#volumes.dataDir(name), { userMount: true });
  }

  loadUsers(users: Map<string, Set<string>>): void {
    this.#users.clear();
    for (const [name, ids] of users) this.#users.set(name, new Set(ids));
  }

  /** Mounts the volume's device for `containerId` unless already mounted; counts the user. */
  async acquire(name: string, containerId: string): Promise<void> {
    await this.#volumes.withLock(name, async () => {
      const row = this.#volumes.repo.get(name);
      if (!row || !needsMount(row.options)) return;
      const target = this.#volumes.dataDir(name);
      if (!(await isMounted(target))) {
        const res = await mountFsWithProgram(driverMount(row.options, target));
        if (!res.ok) throw systemError('BERTH_VOLUME_MOUNT_FAILED', `error while mounting volume '${target}': failed to mount local volume: ${res.message}`);
      }
      let set = this.#users.get(name);
      if (!set) this.#users.set(name, (set = new Set()));
      set.add(containerId);
    });
  }

  /** Drops `containerId` as a user of each volume; unmounts those left without users. Never throws. */
  async release(names: string[], containerId: string): Promise<void> {
    for (const name of new Set(names)) {
      const set = this.#users.get(name);
      if (!set?.has(containerId)) continue;
      await this.#volumes
        .withLock(name, async () => {
          set.delete(containerId);
          if (set.size > 0) return;
          this.#users.delete(name);
          await this.unmountData(name);
        })
        .catch((err: unknown) => this.#log.warn({ err, volume: name, id: containerId }, 'unmounting a volume failed'));
    }
  }

  /** After startup reconciliation: unmounts every driver mount nobody uses. */
  async sweep(): Promise<void> {
    for (const row of this.#volumes.repo.all()) {
      if (!needsMount(row.options) || (this.#users.get(row.name)?.size ?? 0) > 0) continue;
      await this.#volumes
        .withLock(row.name, () => this.unmountData(row.name))
        .catch((err: unknown) => this.#log.warn({ err, volume: row.name }, 'unmounting an unused volume failed'));
    }
  }
}

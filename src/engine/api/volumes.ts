/**
 * Facade area `engine.volumes`: Docker's local volume driver. Errors carry
 * Docker's texts ("get x: no such volume", "remove x: volume is in use - [ids]").
 */
import type { CreateVolumeOptions, VolumePruneResult, VolumeRecord } from '../model/volume.js';
import type { Filters } from './common.js';

export type { CreateVolumeOptions, VolumePruneResult, VolumeRecord } from '../model/volume.js';

export interface VolumesApi {
  /** name '' = a generated 64-hex name. An existing name answers the existing volume. */
  create(opts: CreateVolumeOptions): Promise<VolumeRecord>;
  /** Filters name, label, driver, dangling. */
  list(filters: Filters): Promise<VolumeRecord[]>;
  inspect(name: string): Promise<VolumeRecord>;
  /** force: a missing volume is no error. In use → conflict, forced or not. */
  remove(name: string, opts: { force: boolean }): Promise<void>;
  /** Unused volumes matching label / label!; anonymous ones only unless the `all` filter is true. */
  prune(filters: Filters): Promise<VolumePruneResult>;
}

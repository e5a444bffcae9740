/** The volumes part of the engine facade. */
import type { VolumesApi } from '../api/volumes.js';
import type { VolumeService } from './service.js';

export function createVolumesApi(vs: VolumeService): VolumesApi {
  return {
    create: async (opts) => (await vs.create(opts)).volume,
    list: async (filters) => vs.list(filters).map((item) => item.volume),
    inspect: async (name) => vs.inspect(name),
    remove: (name, opts) => vs.remove(name, opts),
    prune: (filters) => vs.prune(filters),
  };
}

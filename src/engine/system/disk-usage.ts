/**
 * `docker system df`: images with the bytes they share with other images,
 * containers with their writable-layer sizes, the size of all layers, and
 * volumes with their users and sizes (from the volume store).
 * Build cache is always empty (berth has no builder cache).
 */
import type { ContainersApi } from '../api/containers.js';
import type { DiskUsage, VolumeUsage } from '../api/disk-usage.js';
import type { ImageService } from '../images/service.js';

export interface DiskUsageDeps {
  images: ImageService;
  containers: ContainersApi;
  /** The volumes service's usage; absent until volumes exist. */
  volumes?: () => Promise<VolumeUsage[]>;
}

/**
 * Pure: the size of all distinct layers, and per image the bytes of its
 * layers that another image also uses (dockerd's SharedSize).
 */
export function sharedSizes(images: Array<{ id: string; layers: Array<{ id: string; size: number }> }>): { layersSize: number; shared: Map<string, number> } {
  const refs = new Map<string, { size: number; count: number }>();
  for (const img of images) {
    for (const l of new Map(img.layers.map((x) => [x.id, x])).values()) {
      const r = refs.get(l.id) ?? { size: l.size, count: 0 };
      r.count++;
      refs.set(l.id, r);
    }
  }
  let layersSize = 0;
  for (const r of refs.values()) layersSize += r.size;
  const shared = new Map<string, number>();
  for (const img of images) {
    const ids = new Set(img.layers.map((l) => l.id));
    shared.set(
      img.id,
      [...ids].reduce((sum, id) => sum + (refs.get(id)!.count > 1 ? refs.get(id)!.size : 0), 0),
    );
  }
  return { layersSize, shared };
}

export async function diskUsage(deps: DiskUsageDeps): Promise<DiskUsage> {
  const images = await deps.images.list({ all: true, filters: new Map() });
  const { layersSize, shared } = sharedSizes(images.map((i) => ({ id: i.id, layers: deps.images.layerSizes(i.id) })));
  const containers = await deps.containers.list({ all: true, limit: 0, size: true, filters: new Map() });
  return {
    layersSize,
    images: images.map((i) => ({ ...i, sharedSize: shared.get(i.id) ?? 0 })),
    containers,
    volumes: deps.volumes ? await deps.volumes() : [],
  };
}

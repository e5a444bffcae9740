/** Docker's SystemDataUsageResponse (`GET /system/df`). */
import type { DiskUsage, VolumeUsage } from '../../engine/api.js';
import { toContainerListItem } from './containers.js';
import { toImageListItem } from './images.js';
import { nullIfEmpty } from './volumes.js';

function toVolume(v: VolumeUsage): Record<string, unknown> {
  return {
    CreatedAt: v.createdAt,
    Driver: v.driver,
    // Null when empty, as in the volume list (dockerd writes nil maps).
    Labels: nullIfEmpty(v.labels),
    Mountpoint: v.mountpoint,
    Name: v.name,
    Options: nullIfEmpty(v.options),
    Scope: v.scope,
    UsageData: { RefCount: v.refCount, Size: v.size },
  };
}

export function toDiskUsage(du: DiskUsage, now: number): Record<string, unknown> {
  return {
    LayersSize: du.layersSize,
    Images: du.images.map((i) => ({ ...toImageListItem(i), SharedSize: i.sharedSize, Containers: i.containers })),
    Containers: du.containers.map((c) => toContainerListItem(c, now)),
    Volumes: du.volumes.map(toVolume),
    // The classic builder's cache is images (listed above), as on dockerd: no BuildKit records (Go's nil
    // slice), and the deprecated BuilderSize, which dockerd 20.10 still sends, is 0.
    BuildCache: null,
    BuilderSize: 0,
  };
}

/** The disk-usage area of the facade: GET /system/df. */
import type { ContainerView } from './containers.js';
import type { ImageView } from './images.js';

export interface VolumeUsage {
  name: string;
  driver: string;
  mountpoint: string;
  /** RFC 3339, or '' when unknown. */
  createdAt: string;
  labels: Record<string, string>;
  scope: 'local' | 'global';
  options: Record<string, string>;
  /** Containers using it; -1 = not computed. */
  refCount: number;
  /** Bytes; -1 = not computed. */
  size: number;
}

export interface DiskUsage {
  /** Bytes of all distinct layers. */
  layersSize: number;
  images: Array<ImageView & { sharedSize: number }>;
  containers: ContainerView[];
  volumes: VolumeUsage[];
}

export interface DiskUsageApi {
  /** Images (with shared sizes), containers (with SizeRw/SizeRootFs), volumes, and the size of all layers. */
  df(): Promise<DiskUsage>;
}

/** The disk-usage area of the facade: GET /system/df. */
export type { DiskUsage, VolumeUsage } from '../system/disk-usage.js';
import type { DiskUsage } from '../system/disk-usage.js';

export interface DiskUsageApi {
  /** Images (with shared sizes), containers (with SizeRw/SizeRootFs), volumes, and the size of all layers. */
  df(): Promise<DiskUsage>;
}

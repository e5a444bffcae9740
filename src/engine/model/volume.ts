/**
 * Engine-side records of volumes (Docker's local driver). Docker JSON is
 * made from these in src/server/wire/volumes.ts.
 */

export interface VolumeRecord {
  name: string;
  /** Always "local". */
  driver: string;
  labels: Record<string, string>;
  /** Driver options as given (local driver: type, device, o). */
  options: Record<string, string>;
  /** RFC 3339. */
  createdAt: string;
  /** Made for a container (Config.Volumes, an image VOLUME, a Mounts entry without source). */
  anonymous: boolean;
  /** `<data-root>/volumes/<name>/_data`. */
  mountpoint: string;
}

export interface CreateVolumeOptions {
  /** '' = an anonymous volume with a generated 64-hex name. */
  name: string;
  /** '' = local. */
  driver: string;
  labels: Record<string, string>;
  options: Record<string, string>;
}

export interface VolumePruneResult {
  deleted: string[];
  spaceReclaimed: number;
}

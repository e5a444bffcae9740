/**
 * The engine facade: the only module src/server may import from the engine.
 * Every method speaks berth's own types; Docker JSON is made in
 * src/server/wire. Errors are EngineError (see ./errors.ts).
 *
 * Each area of the facade has its own file under ./api/ (its options,
 * views and `…Api` interface); this file re-exports them all and declares
 * `Engine`, the object that holds one service per area. A new area (e.g.
 * networks) is a new ./api/<area>.ts, one `export *` line here and one
 * property of `Engine`.
 */
import type { BuildApi } from './api/build.js';
import type { ContainersApi } from './api/containers.js';
import type { ExecApi } from './api/exec.js';
import type { ContainerFilesApi } from './api/files.js';
import type { ImagesApi } from './api/images.js';
import type { NetworksApi } from './api/networks.js';
import type { RegistryApi } from './api/registry.js';
import type { SystemApi } from './api/system.js';
import type { VolumesApi } from './api/volumes.js';
import type { EventsApi } from './api/events.js';
import type { StatsApi } from './api/stats.js';
import type { UpdateApi } from './api/update.js';
import type { DiskUsageApi } from './api/disk-usage.js';
import type { DurabilityApi } from './api/durability.js';

export * from './api/build.js';
export * from './api/common.js';
export * from './api/containers.js';
export * from './api/exec.js';
export * from './api/files.js';
export * from './api/images.js';
export * from './api/networks.js';
export * from './api/registry.js';
export * from './api/system.js';
export * from './api/volumes.js';
export * from './api/events.js';
export * from './api/stats.js';
export * from './api/update.js';
export * from './api/disk-usage.js';
export * from './api/durability.js';
export * from './api/health.js';
export { EngineError, isEngineError } from './errors.js';
/** The paths every unprivileged container gets masked / read-only (inspect echoes them, as dockerd does). */
export { MASKED_PATHS, READONLY_PATHS } from './model/spec-defaults.js';
export { MOUNT_PROPAGATIONS, validMountMode } from './model/mount-modes.js';
export type { ErrorKind } from './errors.js';

export interface Engine {
  containerFiles: ContainerFilesApi;
  containers: ContainersApi;
  /** Absent in engines without networks (test fakes). */
  networks?: NetworksApi;
  images: ImagesApi;
  /** Pull, push, login. */
  registry: RegistryApi;
  system: SystemApi;
  volumes: VolumesApi;
  /** The classic builder; absent in engines that do not run processes (test fakes). */
  build?: BuildApi;
  /** Exec sessions; absent in engines that do not run processes (test fakes). */
  exec?: ExecApi;
  /** GET /events; absent in test fakes. */
  events?: EventsApi;
  /** GET /containers/{id}/stats; absent in test fakes. */
  stats?: StatsApi;
  /** POST /containers/{id}/update; absent in test fakes. */
  updates?: UpdateApi;
  /** GET /system/df; absent in test fakes. */
  diskUsage?: DiskUsageApi;
  /** Waiting for commits to reach the disk; absent in test fakes (nothing to wait for). */
  durability?: DurabilityApi;
}

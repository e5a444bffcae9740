/**
 * Everything the container verbs share: the repository, the runtime port,
 * the root mounts, the image service, the lock table, events, settings and
 * the in-memory live state of each container. One instance per engine; each
 * verb is a function of (ctx, …). Nothing here is a module global, so two
 * engines (the unit tests make many) never share anything.
 */
import type pino from 'pino';
import type { ContainersRepo, ContainerRow } from '../../db/containers-repo.js';
import type { ImageService } from '../images/service.js';
import type { EventBus } from '../events/event-bus.js';
import type { KeyedMutex } from '../locks.js';
import type { EnginePaths } from '../paths.js';
import type { RootMounts, RuntimePort } from '../runtime/port.js';
import type { ExitWatcher } from '../runtime/exit-watcher.js';
import type { ContainerNetworkHooks } from '../networks/service.js';
import type { LiveStates } from './live.js';
import type { LogKeeper } from './log-rotation.js';
import type { VolumeService } from '../volumes/service.js';
import type { ContainerSpec, ContainerState } from '../model/container.js';
import type { HostFacts } from '../system/host-facts.js';

export interface EngineSettings {
  runtimeName: string;
  /** cgroup parent (cgroupfs driver): containers live at /<cgroupParent>/<id>. */
  cgroupParent: string;
  defaultPidsLimit: number;
  shmSize: number;
  /** Default max-size of a container's log (--log-size-max); 0 = unbounded. */
  logSizeMax: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** The daemon's own rlimits; a spec never asks for more than their hard values. */
  hostRlimits: Record<string, { soft: number; hard: number }>;
  /** Capabilities in the daemon's bounding set; a spec never asks for others. */
  hostCapabilities: string[];
  cpuCount: number;
}

/**
 * The settings from the daemon's configuration and the host's facts. The
 * engine builds its context with it; the benchmark's floor too, so that its
 * containers get the spec berth's would.
 */
export function engineSettings(
  config: Pick<EngineSettings, 'runtimeName' | 'cgroupParent' | 'defaultPidsLimit' | 'shmSize' | 'logSizeMax' | 'logLevel'>,
  host: Pick<HostFacts, 'rlimits' | 'capabilities' | 'ncpu'>,
): EngineSettings {
  const { runtimeName, cgroupParent, defaultPidsLimit, shmSize, logSizeMax, logLevel } = config;
  return {
    runtimeName,
    cgroupParent,
    defaultPidsLimit,
    shmSize,
    logSizeMax,
    logLevel,
    hostRlimits: host.rlimits,
    hostCapabilities: host.capabilities,
    cpuCount: host.ncpu,
  };
}

export type Row = ContainerRow<ContainerSpec, ContainerState>;

export interface ContainerContext {
  repo: ContainersRepo<ContainerSpec, ContainerState>;
  images: ImageService;
  /** conmon + runc behind a narrow port (runtime/port.ts); a fake in the engine unit tests. */
  runtime: RuntimePort;
  /** The overlay mount of container roots. */
  rootMounts: RootMounts;
  /** Reads and removes conmon's exit files; its callback is the exit path's handleExit. */
  exitWatcher: ExitWatcher;
  paths: EnginePaths;
  settings: EngineSettings;
  log: pino.Logger;
  mutex: KeyedMutex;
  events: EventBus;
  /** In-memory per-container state (restart timers and backoff, pending sizes, host mounts, names being created). */
  live: LiveStates;
  /** The volume store: mounts are planned at create, prepared at start, released at teardown. */
  volumes: VolumeService;
  /** Endpoints at create, namespace setup before `runc create`, teardown on every exit path. */
  networks: ContainerNetworkHooks;
  /** Log rotation of running containers and the pins of log readers. */
  logKeeper: LogKeeper;
}

/** Docker's event attributes for a container: name, image and labels. */
export function eventAttributes(row: Pick<Row, 'name' | 'spec'>, extra: Record<string, string> = {}): Record<string, string> {
  return { ...row.spec.labels, image: row.spec.image, name: row.name, ...extra };
}

/**
 * Facade area `engine.containers`: create, inspect, list, the lifecycle
 * verbs, wait, logs, attach, top, resize, prune. Records come from
 * ../model/container.ts; what is here is what crosses the facade.
 */
import type { Writable } from 'node:stream';
import type { ContainerRecord, ContainerSpec } from '../model/container.js';
import type { Filters } from './common.js';
import type { ContainerNetworkView } from './networks.js';

export type {
  ContainerRecord,
  ContainerSpec,
  ContainerState,
  ContainerStatus,
  DeviceMapping,
  LogConfig,
  MountSpec,
  Resources,
  RestartPolicy,
  Ulimit,
} from '../model/container.js';
export { publicStatus } from '../model/status.js';
export { defaultCreateSpec, defaultResources, type ContainerCreateSpec } from '../model/spec-defaults.js';

/**
 * What the client asked for at create, before merging with the image.
 * `null` means "not given" (so the image's value applies); [] means "given
 * empty" (Docker: an explicit empty Entrypoint clears the image's).
 */
export interface CreateContainerOptions {
  /** Without leading slash; undefined = generate one. */
  name?: string;
  image: string;
  cmd: string[] | null;
  entrypoint: string[] | null;
  /** Config.Volumes: paths that get an anonymous volume unless another mount covers them. */
  configVolumes?: string[];
  /** Everything of ContainerSpec that is not merged with the image. */
  spec: Omit<ContainerSpec, 'image' | 'imageId' | 'cmd' | 'entrypoint' | 'env' | 'workingDir' | 'user' | 'labels' | 'stopSignal' | 'exposedPorts'> & {
    env: string[];
    workingDir: string;
    user: string;
    labels: Record<string, string>;
    stopSignal: string;
    exposedPorts: string[];
  };
  /** NetworkingConfig.EndpointsConfig by network name or ID (only the container's own network may appear). */
  endpoints?: Record<string, { aliases: string[]; ipv4Address: string }>;
}

/** A container as reads see it: the record plus derived paths and sizes. */
export interface ContainerView extends ContainerRecord {
  logPath: string;
  hostsPath: string;
  hostnamePath: string;
  resolvConfPath: string;
  /** Overlay paths for inspect's GraphDriver.Data. */
  graphDriver: { lowerDir: string; upperDir: string; workDir: string; mergedDir: string };
  /** Only when sizes were asked for. */
  sizeRw?: number;
  sizeRootFs?: number;
  execIds: string[];
  /** The container's networks (primary first) and, while it runs, the ports it published. */
  network: ContainerNetworkView;
}

export interface ListContainersOptions {
  all: boolean;
  /** <= 0 means no limit. */
  limit: number;
  size: boolean;
  filters: Filters;
}

export type WaitCondition = 'not-running' | 'next-exit' | 'removed';

export interface WaitResult {
  exitCode: number;
  /** Non-empty when waiting failed (Docker's Error.Message). */
  error: string;
}

export interface LogsOptions {
  stdout: boolean;
  stderr: boolean;
  follow: boolean;
  /** Unix seconds (fractional allowed); 0 = from the start. */
  since: number;
  /** Unix seconds; 0 = no end. */
  until: number;
  /** Number of last lines, or 'all'. */
  tail: number | 'all';
}

export interface LogEntry {
  stream: 'stdout' | 'stderr';
  /** RFC 3339 with nanoseconds, UTC. */
  time: string;
  /** One full line including its trailing newline (unless the log ended mid-line). */
  data: Buffer;
}

export interface OutputChunk {
  stream: 'stdout' | 'stderr';
  data: Buffer;
}

export interface AttachOptions {
  stream: boolean;
  logs: boolean;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  /** Docker detach-key syntax ("ctrl-p,ctrl-q"); '' = default. */
  detachKeys: string;
}

/** A live attach. Output ends when the container exits or detach() is called. */
export interface AttachSession {
  tty: boolean;
  output: AsyncIterable<OutputChunk>;
  /** Present when stdin was asked for and the container has OpenStdin. */
  stdin: Writable | null;
  detach(): void;
}

export interface TopResult {
  titles: string[];
  processes: string[][];
}

export interface PruneResult {
  deleted: string[];
  spaceReclaimed: number;
}

export interface ContainersApi {
  create(opts: CreateContainerOptions): Promise<{ id: string; warnings: string[] }>;
  inspect(ref: string, opts?: { size?: boolean }): Promise<ContainerView>;
  list(opts: ListContainersOptions): Promise<ContainerView[]>;
  /** Throws not-modified when already running. */
  start(ref: string): Promise<void>;
  /** timeout: seconds, null = the container's StopTimeout or 10; -1 waits forever. Throws not-modified when not running. */
  stop(ref: string, opts: { timeout: number | null; signal?: string }): Promise<void>;
  /** signal: name (KILL, SIGKILL) or number; default KILL. Conflict when not running. */
  kill(ref: string, signal?: string): Promise<void>;
  restart(ref: string, opts: { timeout: number | null; signal?: string }): Promise<void>;
  pause(ref: string): Promise<void>;
  unpause(ref: string): Promise<void>;
  /**
   * Resolves once the container is found and the waiter is registered (so
   * the caller can flush response headers and no exit is missed); `result`
   * settles when the condition is met. Aborting `signal` stops waiting.
   */
  wait(ref: string, condition: WaitCondition, signal: AbortSignal): Promise<{ result: Promise<WaitResult> }>;
  remove(ref: string, opts: { force: boolean; volumes: boolean }): Promise<void>;
  rename(ref: string, newName: string): Promise<void>;
  top(ref: string, psArgs: string): Promise<TopResult>;
  /** Entries come in batches (one per read of the log file) so that a reader pays per chunk, not per line. */
  logs(ref: string, opts: LogsOptions, signal: AbortSignal): Promise<{ tty: boolean; batches: AsyncIterable<LogEntry[]> }>;
  attach(ref: string, opts: AttachOptions): Promise<AttachSession>;
  resize(ref: string, height: number, width: number): Promise<void>;
  prune(filters: Filters): Promise<PruneResult>;
}

/**
 * The engine facade: the only thing src/server may call. Every method speaks
 * berth's own types; Docker JSON is made in src/server/wire. Errors are
 * EngineError (see ./errors.ts).
 */
import type { Readable, Writable } from 'node:stream';
import type { ContainerRecord, ContainerSpec } from './containers/types.js';
import type { ImageRecord, ImageRuntimeConfig } from './images/types.js';
import type { Filters } from './filters/index.js';

export type { ContainerRecord, ContainerSpec, ContainerState, ContainerStatus, MountSpec, Resources, RestartPolicy, Ulimit } from './containers/types.js';
export type { ImageRecord, ImageRuntimeConfig, ImageHistoryEntry } from './images/types.js';
export { EngineError, isEngineError } from './errors.js';
export { publicStatus } from './containers/status.js';
export type { ErrorKind } from './errors.js';

/**
 * Docker-style filters as decoded from the query (key → values), validated
 * and matched by each endpoint through ./filters (the one filters module).
 */
export type { Filters } from './filters/index.js';
export { decodeFilters } from './filters/index.js';
export * from './api/events.js';
export * from './api/stats.js';
import type { EventsApi } from './api/events.js';
import type { StatsApi } from './api/stats.js';

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
  /** Everything of ContainerSpec that is not merged with the image. */
  spec: Omit<ContainerSpec, 'image' | 'imageId' | 'cmd' | 'entrypoint' | 'env' | 'workingDir' | 'user' | 'labels' | 'stopSignal' | 'exposedPorts'> & {
    env: string[];
    workingDir: string;
    user: string;
    labels: Record<string, string>;
    stopSignal: string;
    exposedPorts: string[];
  };
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

/** What `POST /containers/{id}/exec` asks for. */
export interface ExecCreateOptions {
  /** Non-empty. */
  cmd: string[];
  /** NAME=value entries that override the container's environment. */
  env: string[];
  /** '' = the container's working directory. */
  workingDir: string;
  /** '' = the container's user. */
  user: string;
  tty: boolean;
  attachStdin: boolean;
  attachStdout: boolean;
  attachStderr: boolean;
  privileged: boolean;
  /** Docker detach-key syntax; '' = default. */
  detachKeys: string;
}

export interface ExecStartOptions {
  /** Run in the background; start() then resolves null once the process runs. */
  detach: boolean;
  /** Initial terminal size [height, width] (tty sessions), or null. */
  consoleSize: [number, number] | null;
  /**
   * Attached starts: called once the start was accepted (id known, not yet
   * run, container running), before the process is started. A hijacking
   * caller sends its response headers here, as Docker does: docker-py reads
   * the headers through a buffered reader and loses output bytes that
   * arrive together with them. Errors after this point go into the stream.
   */
  onAccepted?: (info: { tty: boolean }) => void;
}

/** An exec session as inspect shows it. */
export interface ExecView {
  id: string;
  containerId: string;
  running: boolean;
  /** null until the process has ended. */
  exitCode: number | null;
  /** Host pid while running, else 0. */
  pid: number;
  openStdin: boolean;
  openStdout: boolean;
  openStderr: boolean;
  detachKeys: string;
  tty: boolean;
  privileged: boolean;
  user: string;
  cmd: string[];
}

export interface ExecApi {
  /** Conflict when the container is not running or is paused. */
  create(ref: string, opts: ExecCreateOptions): Promise<{ id: string }>;
  /**
   * Not-found for an unknown id, conflict when already started or the
   * container is not running. Attached: the session's output ends after
   * the exit code is recorded (inspect right after sees it).
   */
  start(id: string, opts: ExecStartOptions): Promise<AttachSession | null>;
  inspect(id: string): Promise<ExecView>;
  resize(id: string, height: number, width: number): Promise<void>;
}

export interface ImportImageOptions {
  source: Readable;
  /** Normalized or short repo name; '' = untagged. */
  repo: string;
  tag: string;
  /** Dockerfile instructions: CMD, ENTRYPOINT, ENV, WORKDIR, USER, LABEL, EXPOSE… */
  changes: string[];
  message: string;
}

export interface ImageView extends ImageRecord {
  /** Number of containers using it. */
  containers: number;
}

export interface ImageDeleteItem {
  untagged?: string;
  deleted?: string;
}

export interface ImagesApi {
  import(opts: ImportImageOptions): Promise<{ id: string }>;
  list(opts: { all: boolean; filters: Filters }): Promise<ImageView[]>;
  inspect(ref: string): Promise<ImageView>;
  /** repo may be fully qualified ("docker.io/library/x"); tag '' = latest. */
  tag(ref: string, repo: string, tag: string): Promise<void>;
  remove(ref: string, opts: { force: boolean; noprune: boolean }): Promise<ImageDeleteItem[]>;
  /** `docker load`: every image of a docker-archive or OCI-layout tar (plain or gzip). Bad archive → invalid-parameter, nothing recorded. */
  load(source: Readable): Promise<LoadedImage[]>;
  /** `docker save`: a docker-archive tar of the named images. Names are resolved (not-found) before the stream starts. */
  save(refs: string[]): Promise<AsyncIterable<Buffer>>;
  /** `docker history`, newest first. */
  history(ref: string): Promise<ImageHistoryItem[]>;
  /** `docker image prune`: filters dangling (default true), label, label!, until. */
  prune(filters: Filters): Promise<ImagePruneResult>;
}

export interface LoadedImage {
  id: string;
  /** Normalized references now pointing at the image. */
  tags: string[];
}

export interface ImageHistoryItem {
  /** The image ID (top row), else "<missing>". */
  id: string;
  /** Unix seconds. */
  created: number;
  createdBy: string;
  /** Normalized references (top row only). */
  tags: string[];
  size: number;
  comment: string;
}

export interface ImagePruneResult {
  deleted: ImageDeleteItem[];
  /** Bytes of layer data actually removed. */
  spaceReclaimed: number;
}

export interface SystemInfo {
  id: string;
  name: string;
  containers: number;
  containersRunning: number;
  containersPaused: number;
  containersStopped: number;
  images: number;
  driver: string;
  dataRoot: string;
  execRoot: string;
  cgroupVersion: '1' | '2';
  cgroupDriver: string;
  runtimes: Record<string, { path: string }>;
  defaultRuntime: string;
  kernelVersion: string;
  operatingSystem: string;
  osType: string;
  architecture: string;
  ncpu: number;
  memTotal: number;
  serverVersion: string;
  loggingDriver: string;
  pidsLimitDefault: number;
  securityOptions: string[];
}

export interface VersionInfo {
  version: string;
  gitCommit: string;
  nodeVersion: string;
  os: string;
  arch: string;
  kernelVersion: string;
  buildTime: string;
  components: Array<{ name: string; version: string; details: Record<string, string> }>;
}

export interface SystemApi {
  info(): Promise<SystemInfo>;
  version(): Promise<VersionInfo>;
}

/** A change in a container's filesystem (Docker's Kind: 0 modified, 1 added, 2 deleted). */
export interface ContainerChange {
  path: string;
  kind: 0 | 1 | 2;
}

/** What `POST /commit` asks for. */
export interface CommitOptions {
  /** '' = untagged (then tag must be ''). */
  repo: string;
  /** '' = latest. */
  tag: string;
  comment: string;
  author: string;
  /** Pause a running container while its changes are read. */
  pause: boolean;
  /** Dockerfile instructions (CMD, ENV, …) applied last. */
  changes: string[];
  /** The request's config body: set fields replace the container's; null = none. */
  config: Partial<ImageRuntimeConfig> | null;
}

/** Docker's ContainerPathStat (the X-Docker-Container-Path-Stat header). */
export interface ContainerPathStat {
  name: string;
  size: number;
  /** Go os.FileMode bits (dir 1<<31, symlink 1<<27, plus permissions). */
  mode: number;
  /** RFC 3339 (nanoseconds), UTC. */
  mtime: string;
  /** A symlink's resolved path inside the container; else ''. */
  linkTarget: string;
}

/** Container filesystem operations (export, diff, commit, archive). */
export interface ContainerFilesApi {
  /** `HEAD …/archive`: not-found "Could not find the file P in container C" when P is missing. */
  statPath(ref: string, path: string): Promise<ContainerPathStat>;
  /** `GET …/archive`: a tar whose top entry is P's base name (P's contents as "./…" when P ends in "/."). */
  getArchive(ref: string, path: string): Promise<{ stat: ContainerPathStat; stream: Readable }>;
  /**
   * `PUT …/archive`: extracts `source` (tar, plain or gzip) into the directory P.
   * Missing P → not-found; P not a directory → invalid-parameter; read-only rootfs or volume → forbidden.
   */
  putArchive(ref: string, path: string, source: Readable, opts: { noOverwriteDirNonDir: boolean; copyUIDGID: boolean }): Promise<void>;
  /**
   * The seed's Mount(): mounts the container's root for the host (counted) and
   * returns its path (inspect's GraphDriver.Data.MergedDir). No Docker endpoint.
   */
  mount(ref: string): Promise<string>;
  /** Drops one mount(); the root is unmounted when none is left and the container is not running. */
  unmount(ref: string): Promise<void>;
  /** `docker commit`: the container's changes become a new image on top of its own. */
  commit(ref: string, opts: CommitOptions): Promise<{ id: string }>;
  /** A tar of the container's root (running or stopped), streamed; destroying the stream ends the export. */
  export(ref: string): Promise<Readable>;
  /** Changes against the image, sorted by path. */
  changes(ref: string): Promise<ContainerChange[]>;
}

export interface Engine {
  containerFiles: ContainerFilesApi;
  containers: ContainersApi;
  images: ImagesApi;
  system: SystemApi;
  /** Exec sessions; absent in engines that do not run processes (test fakes). */
  exec?: ExecApi;
  /** GET /events; absent in test fakes. */
  events?: EventsApi;
  /** GET /containers/{id}/stats; absent in test fakes. */
  stats?: StatsApi;
}

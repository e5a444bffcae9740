/**
 * Engine-side records of a container: an immutable spec fixed at create time
 * and a mutable state. These are berth's own shapes; Docker's JSON is made
 * from them in src/server/wire.
 */

import type { PortBinding } from './network.js';

export type RestartPolicyName = 'no' | 'always' | 'on-failure' | 'unless-stopped';

export interface RestartPolicy {
  name: RestartPolicyName;
  /** on-failure only: 0 means unlimited. */
  maximumRetryCount: number;
}

export interface MountSpec {
  type: 'bind' | 'tmpfs' | 'volume';
  /** Host path for bind; the volume's `_data` for volume (set at create); ignored for tmpfs. */
  source: string;
  /** Absolute path inside the container. */
  target: string;
  readOnly: boolean;
  /** bind: propagation (rprivate default). */
  propagation?: string;
  /** bind: the propagation was set by the daemon-root rule, not asked for (daemon-root-binds.ts). */
  propagationImplied?: boolean;
  /** tmpfs: size in bytes (0 = kernel default) and mode. */
  tmpfsSize?: number;
  tmpfsMode?: number;
  /** Extra mount options as given by the client (e.g. tmpfs "noexec"). */
  options?: string[];
  /** volume: its name; '' in a request means a new anonymous volume (create names it). */
  name?: string;
  /** volume: no copy-up of the image's content (`nocopy`, VolumeOptions.NoCopy). */
  noCopy?: boolean;
  /** volume: driver, labels and driver options used when the mount creates the volume. */
  volumeDriver?: string;
  volumeLabels?: Record<string, string>;
  volumeOptions?: Record<string, string>;
  /** HostConfig.Tmpfs: the options text as given (inspect echoes it). */
  tmpfsText?: string;
  /** Binds: the mode text as given ("ro", "rw,z", "nocopy"); Docker's Mode in inspect. */
  mode?: string;
  /**
   * How the client asked: the Binds/Tmpfs shorthand, a Mounts entry,
   * Config.Volumes, the image's VOLUME, or inherited through VolumesFrom.
   */
  origin: 'binds' | 'tmpfs' | 'mounts' | 'volumes' | 'image' | 'volumes-from';
}

export interface Ulimit {
  name: string;
  soft: number;
  hard: number;
}

export interface Resources {
  /** Bytes; 0 = unlimited. */
  memory: number;
  /** Bytes of memory+swap; 0 = unset, -1 = unlimited swap. */
  memorySwap: number;
  /** CPU quota in units of 1e-9 CPUs; 0 = unset. */
  nanoCpus: number;
  cpuShares: number;
  cpuQuota: number;
  cpuPeriod: number;
  cpusetCpus: string;
  /** Memory nodes (cpuset.mems); absent or '' = all. Set by update. */
  cpusetMems?: string;
  /** 10–1000; absent or 0 = the kernel default. Set by update. */
  blkioWeight?: number;
  /** 0 or null = the daemon default; -1 = unlimited. */
  pidsLimit: number | null;
  ulimits: Ulimit[];
  /** Bytes of memory.soft_limit; absent or 0 = none. */
  memoryReservation?: number;
  /** 0–100; absent or null = the kernel's. */
  memorySwappiness?: number | null;
  /** The kernel's OOM killer off for this cgroup (cgroup v1). */
  oomKillDisable?: boolean;
}

/** HostConfig.Devices entry as given (CgroupPermissions: a subset of "rwm"). */
export interface DeviceMapping {
  pathOnHost: string;
  pathInContainer: string;
  cgroupPermissions: string;
}

/** A legacy link (HostConfig.Links): another container reachable as `alias` through /etc/hosts. */
export interface ContainerLink {
  /** The linked container's name as the client gave it (or its ID). */
  name: string;
  alias: string;
  /** The linked container's full ID, filled in at create. */
  id?: string;
}

/** HostConfig.LogConfig: the driver (json-file, local or none) and its options as given. */
export interface LogConfig {
  type: string;
  config: Record<string, string>;
}

/** Docker's HealthConfig; durations in nanoseconds, 0 = the default (or the image's). */
export interface HealthConfig {
  /** [] = inherit; ["NONE"]; ["CMD", args…]; ["CMD-SHELL", command]. */
  test: string[];
  interval: number;
  timeout: number;
  startPeriod: number;
  retries: number;
}

/** One probe's result (Docker's HealthcheckResult). */
export interface HealthLogEntry {
  /** RFC 3339 nano. */
  start: string;
  end: string;
  exitCode: number;
  output: string;
}

/** Docker's State.Health. */
export interface HealthState {
  status: 'starting' | 'healthy' | 'unhealthy';
  failingStreak: number;
  /** The last 5 probes, oldest first. */
  log: HealthLogEntry[];
}

/**
 * Fixed at create; only `docker update` changes it (resources and restart
 * policy, through ContainersRepo.updateSpec); rename changes only the name column.
 */
export interface ContainerSpec {
  /** The image reference as the user wrote it (Docker's Config.Image). */
  image: string;
  /** sha256:<hex> of the image config. */
  imageId: string;
  /** Cmd after merging with the image (Docker's Config.Cmd). */
  cmd: string[];
  /** Entrypoint after merging with the image (Docker's Config.Entrypoint). */
  entrypoint: string[];
  /** Env after merging with the image, NAME=value. */
  env: string[];
  workingDir: string;
  user: string;
  hostname: string;
  domainname: string;
  labels: Record<string, string>;
  /** Signal name, e.g. "SIGTERM". */
  stopSignal: string;
  /** Seconds; null = the daemon default (10). */
  stopTimeout: number | null;
  tty: boolean;
  openStdin: boolean;
  stdinOnce: boolean;
  attachStdin: boolean;
  attachStdout: boolean;
  attachStderr: boolean;
  exposedPorts: string[];
  mounts: MountSpec[];
  /**
   * Config.Volumes as dockerd keeps it: the request's paths and the image's VOLUMEs, whether or
   * not a bind or mount covers them; absent in records made before it was kept.
   */
  declaredVolumes?: string[];
  /** HostConfig.VolumesFrom as given (`name[:ro|rw]`); absent in records older than volumes. */
  volumesFrom?: string[];
  readonlyRootfs: boolean;
  resources: Resources;
  capAdd: string[];
  capDrop: string[];
  privileged: boolean;
  noNewPrivileges: boolean;
  securityOpt: string[];
  /**
   * 'bridge', 'none', 'host', 'container:<full id>' or a user network's
   * name or ID as the client gave it. The networks a container is on are its
   * endpoints (networks/), of which this names the first.
   */
  networkMode: string;
  /** HostConfig.PortBindings, one entry per host binding (absent in records older than networks). */
  portBindings?: PortBinding[];
  publishAllPorts?: boolean;
  dns?: string[];
  dnsSearch?: string[];
  dnsOptions?: string[];
  /** "host:ip" entries (--add-host). */
  extraHosts?: string[];
  /** Config.MacAddress: the primary endpoint's MAC. */
  macAddress?: string;
  autoRemove: boolean;
  restartPolicy: RestartPolicy;
  /** Docker's ConsoleSize [height, width]; applied at start. */
  consoleSize: [number, number] | null;
  /** Config.Healthcheck merged with the image's HEALTHCHECK; absent/null = none. */
  healthcheck?: HealthConfig | null;
  /*
   * The fields below are absent in records made before they existed; absent
   * means Docker's default. See src/server/wire/container-fields.ts for the
   * table of every create field.
   */
  /** '' (own namespace), 'host', or 'container:<full id>'. */
  pidMode?: string;
  /** '' (= private), 'private', 'shareable', 'none', 'host', or 'container:<full id>'. */
  ipcMode?: string;
  /** '' (own namespace), 'host', or 'container:<full id>'. */
  utsMode?: string;
  /** '' or 'host' (the host's cgroup namespace, berth's default), or 'private'. */
  cgroupnsMode?: string;
  /** The OCI runtime's name (the daemon's, filled in at create). */
  runtime?: string;
  /** '' or 'host' (berth does no user-namespace remapping), as given. */
  usernsMode?: string;
  /** HostConfig.VolumeDriver: '' or 'local', as given. */
  volumeDriver?: string;
  /** HostConfig.ContainerIDFile as given (the client writes the file). */
  containerIdFile?: string;
  /** HostConfig.Init: true runs tini as PID 1; null = not set (Docker's nil). */
  init?: boolean | null;
  /** Extra groups: names (resolved in the image's /etc/group at start) or numbers. */
  groupAdd?: string[];
  devices?: DeviceMapping[];
  /** "c 10:* rwm" style rules, checked at create. */
  deviceCgroupRules?: string[];
  /** Namespaced sysctls only (checked at create). */
  sysctls?: Record<string, string>;
  /** /dev/shm size in bytes, the daemon default filled in at create. */
  shmSize?: number;
  /** -1000..1000. */
  oomScoreAdj?: number;
  /** '' or 'default' (Linux has no other), as given. */
  isolation?: string;
  logConfig?: LogConfig;
  /** HostConfig.MaskedPaths / ReadonlyPaths when the client set them; absent = Docker's defaults. */
  maskedPaths?: string[];
  readonlyPaths?: string[];
  /** Config.NetworkDisabled as given (the container then has no network). */
  networkDisabled?: boolean;
  /** Config fields dockerd keeps and echoes without effect on Linux containers. */
  argsEscaped?: boolean;
  onBuild?: string[] | null;
  shell?: string[] | null;
  /** HostConfig.Links, resolved to IDs at create. */
  links?: ContainerLink[];
}

/**
 * Internal lifecycle status. `created`, `running`, `paused`, `exited`,
 * `removing` and `dead` are Docker's words; `restarting` is set while a
 * restart policy waits its backoff. `initialized` means conmon and
 * `runc create` are done and the process waits for `runc start`: an attach
 * in this state loses no output. It is reported to clients as `created`.
 */
export type ContainerStatus = 'created' | 'initialized' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

export interface ContainerState {
  status: ContainerStatus;
  /** Container init pid on the host; 0 when not running. */
  pid: number;
  conmonPid: number;
  exitCode: number;
  /** RFC 3339 nano or '' when never. */
  startedAt: string;
  finishedAt: string;
  error: string;
  oomKilled: boolean;
  restartCount: number;
  /** Set by stop/kill; keeps restart policies from restarting it. */
  stoppedByUser: boolean;
  /** Whether the container has ever been started (created vs exited). */
  hasBeenStarted: boolean;
  /** Set while a stop waits for the exit (the lock is not held then). */
  stopping: boolean;
  /** Options of an interrupted removal, so startup can finish it. */
  removeVolumes: boolean;
  /** Health-check results (containers with a health check that have been started); kept across daemon restarts. */
  health?: HealthState | null;
}

export interface ContainerRecord {
  id: string;
  /** Without the leading slash. */
  name: string;
  /** RFC 3339 nano. */
  created: string;
  spec: ContainerSpec;
  state: ContainerState;
}

export function initialState(): ContainerState {
  return {
    status: 'created',
    pid: 0,
    conmonPid: 0,
    exitCode: 0,
    startedAt: '',
    finishedAt: '',
    error: '',
    oomKilled: false,
    restartCount: 0,
    stoppedByUser: false,
    hasBeenStarted: false,
    stopping: false,
    removeVolumes: false,
  };
}

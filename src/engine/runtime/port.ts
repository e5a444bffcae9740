/**
 * The runtime port: what the engine asks of the programs that run a
 * container (conmon supervising an OCI runtime). A thin wrapper in the
 * manner of podman's OCIRuntime: it acts and answers, it keeps no state of
 * its own and knows nothing of statuses, locks or the database — the
 * container verbs do. The container context holds one `RuntimePort`;
 * `ConmonRuncRuntime` (conmon-runc.ts) is the real one and the engine unit
 * tests use a fake that writes exit files the way conmon does.
 *
 * The contract every implementation keeps:
 *   - `create` leaves the container created but not started (its process
 *     waits for `start`), with conmon's attach socket and ctl fifo in the
 *     bundle; when the process later ends, an exit file named by the
 *     container id, holding the exit code as decimal text, appears in the
 *     engine's exits directory (`EnginePaths.exitsDir`). That file is the
 *     only way the engine learns of an exit. The runtime may tear the
 *     container down before the file appears (`teardown` says what that
 *     takes); the engine's own teardown then finds nothing left to do.
 *   - `delete` is forced and idempotent: it kills what is left and a
 *     container the runtime does not know is not an error.
 *   - Failures are EngineErrors carrying the runtime's message.
 */
import type { ExecConmon, ExecConmonInput } from './conmon-exec.js';
import type { MountRootfsInput } from '../images/rootfs.js';
import type { OciResources } from './oci-types.js';
import type { ExitCommandInput } from './exit-command.js';

export interface CreateRequest {
  id: string;
  name: string;
  /** Holds config.json; conmon's pid files, attach socket and ctl fifo go here too. */
  bundleDir: string;
  /** The container's k8s-file log. */
  logPath: string;
  /** conmon's own cap on the log in bytes, a backstop behind berth's rotation (0 = none). */
  logSizeMax: number;
  terminal: boolean;
  stdin: boolean;
  /** Keep stdin open when an attach client leaves (false = Docker's StdinOnce). */
  leaveStdinOpen: boolean;
  /** What tearing the container down after its exit touches besides the runtime (exit-command.ts). */
  teardown: ExitTeardown;
}

export type ExitTeardown = Pick<ExitCommandInput, 'mergedDir' | 'keepMountedMarker' | 'oomFiles'>;

export interface Created {
  /** The container's init process on the host. */
  pid: number;
  /** Its monitor (conmon). */
  monitorPid: number;
}

/** An exec session's conmon, minus what the port knows itself (runtime binary and root). */
export type ExecRequest = Omit<ExecConmonInput, 'runtimePath' | 'runtimeRoot'>;

export interface RuntimePort {
  /** Creates the container under a new monitor; the command does not run until `start`. */
  create(req: CreateRequest): Promise<Created>;
  /** Runs the command of a created container; `initPid` is the process `create` reported. */
  start(id: string, initPid: number): Promise<void>;
  /** signal: a number or a name without SIG. */
  kill(id: string, signal: string): Promise<void>;
  pause(id: string): Promise<void>;
  resume(id: string): Promise<void>;
  /** Forgets the container (killing what is left). Unknown id → no-op. */
  delete(id: string): Promise<void>;
  /** Host pids of every process of the container. */
  pids(id: string): Promise<number[]>;
  /** Applies new cgroup limits to a running container (`docker update`); zero values leave a limit as it is. */
  update(id: string, resources: OciResources): Promise<void>;
  /** Ids the runtime keeps state for (cheap; read at startup). */
  list(): Promise<string[]>;
  /**
   * Whether the monitor recorded for a container is still the live monitor
   * of that container (pids get reused, so the answer must check identity).
   */
  monitorAlive(id: string, monitorPid: number): Promise<boolean>;
  /** Kills, without a monitor to tell, a container process whose monitor died. */
  killOrphan(pid: number): void;
  /** Spawns the monitor of an exec session (its handshake is the caller's). */
  exec(req: ExecRequest): ExecConmon;
}

/**
 * The overlay mount of a container's root, as the lifecycle needs it. Not
 * the runtime's business (podman keeps storage apart too), but on the
 * context beside it so that the engine unit tests run without root.
 */
export interface RootMounts {
  /** Mounts at input.mergedDir; already mounted → no-op. */
  mount(input: MountRootfsInput): Promise<void>;
  /** Not mounted → no-op. */
  unmount(mergedDir: string): Promise<void>;
  isMounted(mergedDir: string): Promise<boolean>;
}

/**
 * Where berth keeps things. Persistent data (database, layers, container
 * upper dirs and logs) lives under the data root; everything that must not
 * survive a reboot (bundles, conmon sockets and fifos, exit files, runc
 * state) lives under the exec root, which is a tmpfs on real machines.
 */
import path from 'node:path';

export interface EnginePaths {
  dataRoot: string;
  execRoot: string;
  database: string;
  /** runc --root: berth's own runc state, apart from any other engine's. */
  runcRoot: string;
  /**
   * One file per exited container whose runtime is torn down, named by id:
   * the exit watcher's directory. conmon writes to monitorExitsDir and its
   * exit command (runtime/exit-command.ts) moves the file here.
   */
  exitsDir: string;
  /** conmon --exit-dir of containers (exec sessions have none). */
  monitorExitsDir: string;
  /** Marker holding the kernel boot id of the daemon's start (reboot detection). */
  aliveFile: string;
  /** Persistent per-container directory: upper/work dirs, log, etc files. */
  containerDir(id: string): string;
  /** The OCI bundle (config.json, conmon's attach socket and ctl fifo); on tmpfs. */
  bundleDir(id: string): string;
  /** The exec sessions' directories of a container (`<bundle>/exec`), one per session or spare conmon, named by its id. */
  execSessionsDir(id: string): string;
  logFile(id: string): string;
}

export function enginePaths(dataRoot: string, execRoot: string): EnginePaths {
  const containersRoot = path.join(dataRoot, 'containers');
  const bundlesRoot = path.join(execRoot, 'containers');
  return {
    dataRoot,
    execRoot,
    database: path.join(dataRoot, 'berth.db'),
    runcRoot: path.join(execRoot, 'runc'),
    exitsDir: path.join(execRoot, 'exits'),
    monitorExitsDir: path.join(execRoot, 'exits-monitor'),
    aliveFile: path.join(execRoot, 'alive'),
    containerDir: (id) => `${containersRoot}/${id}`,
    bundleDir: (id) => `${bundlesRoot}/${id}`,
    execSessionsDir: (id) => `${bundlesRoot}/${id}/exec`,
    logFile: (id) => `${containersRoot}/${id}/ctr.log`,
  };
}

/**
 * Layout inside a container's persistent directory (an absolute, normalized
 * path: plain concatenation is enough, and it is on the list path for
 * every container).
 */
export function containerFiles(containerDir: string) {
  return {
    upper: `${containerDir}/upper`,
    work: `${containerDir}/work`,
    merged: `${containerDir}/merged`,
    hosts: `${containerDir}/hosts`,
    hostname: `${containerDir}/hostname`,
    resolvConf: `${containerDir}/resolv.conf`,
    log: `${containerDir}/ctr.log`,
    /** Present while the host has the root mounted (containers/mount.ts): the exit command then leaves it mounted. */
    hostMounted: `${containerDir}/host-mounted`,
    /** IpcMode shareable: the /dev/shm tmpfs, mounted on the host so that joiners can bind it too. */
    shm: `${containerDir}/shm`,
  };
}

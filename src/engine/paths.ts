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
  /** conmon --exit-dir: one file per exited container, named by id. */
  exitsDir: string;
  /** Marker holding the kernel boot id of the daemon's start (reboot detection). */
  aliveFile: string;
  /** Persistent per-container directory: upper/work dirs, log, etc files. */
  containerDir(id: string): string;
  /** The OCI bundle (config.json, conmon's attach socket and ctl fifo); on tmpfs. */
  bundleDir(id: string): string;
  logFile(id: string): string;
}

export function enginePaths(dataRoot: string, execRoot: string): EnginePaths {
  return {
    dataRoot,
    execRoot,
    database: path.join(dataRoot, 'berth.db'),
    runcRoot: path.join(execRoot, 'runc'),
    exitsDir: path.join(execRoot, 'exits'),
    aliveFile: path.join(execRoot, 'alive'),
    containerDir: (id) => path.join(dataRoot, 'containers', id),
    bundleDir: (id) => path.join(execRoot, 'containers', id),
    logFile: (id) => path.join(dataRoot, 'containers', id, 'ctr.log'),
  };
}

/** Layout inside a container's persistent directory. */
export function containerFiles(containerDir: string) {
  return {
    upper: path.join(containerDir, 'upper'),
    work: path.join(containerDir, 'work'),
    merged: path.join(containerDir, 'merged'),
    hosts: path.join(containerDir, 'hosts'),
    hostname: path.join(containerDir, 'hostname'),
    resolvConf: path.join(containerDir, 'resolv.conf'),
    log: path.join(containerDir, 'ctr.log'),
  };
}

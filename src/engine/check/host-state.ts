/**
 * What the host holds for a data root, read without changing anything:
 * runtime (runc) states, berth's mounts, container cgroups, conmon
 * processes, and the per-container directories. `berthd check` compares
 * these with the database's records.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { parseMountPoints } from '../images/rootfs.js';
import type { EnginePaths } from '../paths.js';

const CGROUP_FS = '/sys/fs/cgroup';
const ID_RE = /^[0-9a-f]{64}$/;

/** Container ids found in each place, plus the exact path of each find. */
export interface HostState {
  runtimeStates: Map<string, string>;
  mounts: Map<string, string[]>;
  cgroups: Map<string, string[]>;
  monitors: Map<string, number[]>;
  containerDirs: Map<string, string>;
  bundleDirs: Map<string, string>;
}

export async function readHostState(paths: EnginePaths, cgroupParent: string): Promise<HostState> {
  const [runtimeStates, containerDirs, bundleDirs, mounts, cgroups, monitors] = await Promise.all([
    idDirs(paths.runcRoot),
    idDirs(paths.containerDir('')),
    idDirs(paths.bundleDir('')),
    berthMounts(paths),
    containerCgroups(cgroupParent),
    conmonProcesses(paths),
  ]);
  return { runtimeStates, mounts, cgroups, monitors, containerDirs, bundleDirs };
}

/** Subdirectories of `dir` named by a container id. */
async function idDirs(dir: string): Promise<Map<string, string>> {
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  return new Map(entries.filter((e) => e.isDirectory() && ID_RE.test(e.name)).map((e) => [e.name, path.join(dir, e.name)]));
}

function add<T>(map: Map<string, T[]>, id: string, value: T): void {
  map.set(id, [...(map.get(id) ?? []), value]);
}

/** Mount points inside a container's persistent or bundle directory, by container id. */
async function berthMounts(paths: EnginePaths): Promise<Map<string, string[]>> {
  const info = await fs.readFile('/proc/self/mountinfo', 'utf8');
  const found = new Map<string, string[]>();
  for (const base of [paths.containerDir(''), paths.bundleDir('')]) {
    for (const point of parseMountPoints(info)) {
      if (!point.startsWith(base)) continue;
      const id = point.slice(base.length).split('/')[0];
      if (ID_RE.test(id)) add(found, id, point);
    }
  }
  return found;
}

/** `<hierarchy>/<cgroupParent>/<id>` on cgroup v2 (no hierarchy) and in every v1 hierarchy. */
async function containerCgroups(cgroupParent: string): Promise<Map<string, string[]>> {
  const hierarchies = await fs.readdir(CGROUP_FS).catch(() => [] as string[]);
  const parents = [path.join(CGROUP_FS, cgroupParent), ...hierarchies.map((h) => path.join(CGROUP_FS, h, cgroupParent))];
  const found = new Map<string, string[]>();
  const seen = new Set<string>();
  for (const parent of parents) {
    for (const [id, dir] of await idDirs(parent)) {
      const real = await fs.realpath(dir).catch(() => dir); // co-mounted v1 hierarchies appear twice
      if (seen.has(real)) continue;
      seen.add(real);
      add(found, id, real);
    }
  }
  return found;
}

/** conmon processes whose command line names a bundle under this exec root, by container id. */
async function conmonProcesses(paths: EnginePaths): Promise<Map<string, number[]>> {
  const found = new Map<string, number[]>();
  const bundles = paths.bundleDir('');
  for (const pid of await fs.readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(pid)) continue;
    const argv = (await fs.readFile(`/proc/${pid}/cmdline`, 'latin1').catch(() => '')).split('\0');
    if (!path.basename(argv[0] ?? '').startsWith('conmon')) continue;
    const bundle = argv.find((a) => a.startsWith(bundles));
    const id = bundle?.slice(bundles.length).split('/')[0];
    if (id && ID_RE.test(id)) add(found, id, Number(pid));
  }
  return found;
}

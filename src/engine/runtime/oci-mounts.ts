/**
 * The mount list of a container's OCI spec: Docker's default mounts, then
 * the network files and the user's binds and tmpfs mounts.
 */
import path from 'node:path';
import type { MountSpec } from '../model/container.js';
import type { OciMount } from './oci-types.js';
import { MOUNT_PROPAGATIONS } from '../model/mount-modes.js';

export interface MountInput {
  mounts: MountSpec[];
  privileged: boolean;
  readonlyRootfs: boolean;
  shmSize: number;
  /**
   * /dev/shm: absent = a tmpfs of `shmSize`; a path = a bind of it (host
   * IPC, or the IPC donor's /dev/shm); null = none (IpcMode none).
   */
  shmSource?: string | null;
  /** Host path of the init binary, bound read-only at /sbin/docker-init. */
  initPath?: string;
  hostsPath: string;
  hostnamePath: string;
  resolvConfPath: string;
}

const m = (destination: string, type: string, source: string, options: string[]): OciMount => ({
  destination,
  type,
  source,
  options,
});

/**
 * Docker's defaults. /sys and the cgroup mount are read-only unless
 * privileged; with a read-only rootfs they stay read-only even then.
 */
export function defaultMounts(privileged: boolean, readonlyRootfs: boolean, shmSize: number, shmSource?: string | null): OciMount[] {
  const sysRo = !privileged || readonlyRootfs ? ['ro'] : [];
  const shm =
    shmSource === null
      ? []
      : shmSource
        ? [m('/dev/shm', 'bind', shmSource, ['rbind', 'nosuid', 'noexec', 'nodev'])]
        : [m('/dev/shm', 'tmpfs', 'shm', ['nosuid', 'noexec', 'nodev', 'mode=1777', `size=${shmSize}`])];
  return [
    m('/proc', 'proc', 'proc', ['nosuid', 'noexec', 'nodev']),
    m('/dev', 'tmpfs', 'tmpfs', ['nosuid', 'strictatime', 'mode=755', 'size=65536k']),
    m('/dev/pts', 'devpts', 'devpts', ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5']),
    m('/sys', 'sysfs', 'sysfs', ['nosuid', 'noexec', 'nodev', ...sysRo]),
    m('/sys/fs/cgroup', 'cgroup', 'cgroup', [...sysRo, 'nosuid', 'noexec', 'nodev']),
    m('/dev/mqueue', 'mqueue', 'mqueue', ['nosuid', 'noexec', 'nodev']),
    ...shm,
  ];
}

/** resolv.conf, hostname, hosts: rw binds, read-only with a read-only rootfs (moby NetworkMounts). */
export function networkMounts(input: MountInput): OciMount[] {
  const opts = ['rbind', 'rprivate', ...(input.readonlyRootfs ? ['ro'] : [])];
  return [
    m('/etc/resolv.conf', 'bind', input.resolvConfPath, [...opts]),
    m('/etc/hostname', 'bind', input.hostnamePath, [...opts]),
    m('/etc/hosts', 'bind', input.hostsPath, [...opts]),
  ];
}

/** A user bind: rbind, ro when asked, and its propagation (rprivate by default). */
function bindMount(spec: MountSpec): OciMount {
  const propagation = spec.propagation && MOUNT_PROPAGATIONS.has(spec.propagation) ? spec.propagation : 'rprivate';
  return m(spec.target, 'bind', spec.source, ['rbind', ...(spec.readOnly ? ['ro'] : []), propagation]);
}

/** Options that come in on/off pairs: the later one wins. */
const FLAG_PAIRS: Record<string, string> = {
  noexec: 'exec',
  nosuid: 'suid',
  nodev: 'dev',
  ro: 'rw',
  noatime: 'atime',
  nodiratime: 'diratime',
  norelatime: 'relatime',
  nostrictatime: 'strictatime',
  async: 'sync',
};
for (const [k, v] of Object.entries(FLAG_PAIRS)) FLAG_PAIRS[v] = k;

function optionKey(opt: string): string {
  const eq = opt.indexOf('=');
  if (eq >= 0) return opt.slice(0, eq);
  const other = FLAG_PAIRS[opt];
  return other === undefined ? opt : [opt, other].sort().join('/');
}

/** Keeps the last of conflicting options (exec vs noexec, two size=), in order of last use. */
export function mergeMountOptions(options: string[]): string[] {
  const byKey = new Map<string, string>();
  for (const opt of options) {
    const key = optionKey(opt);
    byKey.delete(key);
    byKey.set(key, opt);
  }
  return [...byKey.values()];
}

/**
 * A tmpfs like Docker's: noexec,nosuid,nodev,rprivate first, then mode
 * (1777 by default) and size, then the client's options, which may undo
 * the defaults ("exec").
 */
function tmpfsMount(spec: MountSpec): OciMount {
  const mode = (spec.tmpfsMode ?? 0o1777).toString(8);
  const opts = ['noexec', 'nosuid', 'nodev', 'rprivate', `mode=${mode}`];
  if (spec.tmpfsSize && spec.tmpfsSize > 0) opts.push(`size=${spec.tmpfsSize}`);
  opts.push(...(spec.options ?? []));
  if (spec.readOnly) opts.push('ro');
  return m(spec.target, 'tmpfs', 'tmpfs', mergeMountOptions(opts));
}

const depth = (p: string) => path.posix.normalize(p).split('/').filter(Boolean).length;

/**
 * Docker's order (moby WithMounts): the defaults not replaced by a user
 * mount (a user mount on /dev also replaces /dev/*), then the user mounts
 * and the network files together, parents before children. So the network
 * files land on top of a volume or bind over /etc, as dockerd puts them
 * (runc makes their mount points inside it).
 */
export function buildMounts(input: MountInput): OciMount[] {
  const user = input.mounts.map((s) => (s.type === 'tmpfs' ? tmpfsMount(s) : bindMount(s)));
  const targets = new Set(user.map((u) => path.posix.normalize(u.destination)));
  const overridesDev = targets.has('/dev');
  const notReplaced = (d: OciMount) => !targets.has(d.destination) && !(overridesDev && d.destination.startsWith('/dev/'));
  const init = input.initPath ? [m('/sbin/docker-init', 'bind', input.initPath, ['rbind', 'ro', 'rprivate'])] : [];
  const kept = [...defaultMounts(input.privileged, input.readonlyRootfs, input.shmSize, input.shmSource), ...init].filter(notReplaced);
  const layered = [...networkMounts(input).filter(notReplaced), ...user];
  const sorted = layered.map((u, i) => ({ u, i })).sort((a, b) => depth(a.u.destination) - depth(b.u.destination) || a.i - b.i);
  return [...kept, ...sorted.map((x) => x.u)];
}

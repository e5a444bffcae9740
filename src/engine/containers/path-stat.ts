/**
 * What `HEAD/GET /containers/{id}/archive` reports about a path: Docker's
 * ContainerPathStat, with the mode as a Go os.FileMode (type bits in the
 * high bits) and the mtime as Go prints a time.Time in JSON. Pure.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface PathStat {
  name: string;
  size: number;
  /** Go os.FileMode: permission bits plus type bits. */
  mode: number;
  /** RFC 3339 with up to nanoseconds, trailing zeros trimmed, UTC. */
  mtime: string;
  /** For a symlink: its fully resolved path inside the container; else ''. */
  linkTarget: string;
}

const S_IFMT = fs.constants.S_IFMT;
const GO = {
  dir: 2 ** 31,
  symlink: 2 ** 27,
  device: 2 ** 26,
  namedPipe: 2 ** 25,
  socket: 2 ** 24,
  setuid: 2 ** 23,
  setgid: 2 ** 22,
  charDevice: 2 ** 21,
  sticky: 2 ** 20,
};

/** A Unix st_mode as Go's os.FileMode. */
export function goFileMode(mode: number): number {
  let out = mode & 0o777;
  switch (mode & S_IFMT) {
    case fs.constants.S_IFDIR:
      out += GO.dir;
      break;
    case fs.constants.S_IFLNK:
      out += GO.symlink;
      break;
    case fs.constants.S_IFBLK:
      out += GO.device;
      break;
    case fs.constants.S_IFCHR:
      out += GO.device + GO.charDevice;
      break;
    case fs.constants.S_IFIFO:
      out += GO.namedPipe;
      break;
    case fs.constants.S_IFSOCK:
      out += GO.socket;
      break;
    default:
      break;
  }
  if (mode & 0o4000) out += GO.setuid;
  if (mode & 0o2000) out += GO.setgid;
  if (mode & 0o1000) out += GO.sticky;
  return out;
}

/** Nanoseconds since the epoch as Go's time.Time JSON (RFC3339Nano, UTC). */
export function goTime(ns: bigint): string {
  const secs = ns / 1_000_000_000n;
  const frac = (ns % 1_000_000_000n).toString().padStart(9, '0').replace(/0+$/, '');
  const base = new Date(Number(secs) * 1000).toISOString().slice(0, 19);
  return `${base}${frac ? `.${frac}` : ''}Z`;
}

/** Docker's name for a requested path: the base name of the cleaned path ("/" for the root). */
export function statName(requested: string): string {
  const clean = path.posix.normalize(`/${requested}`);
  return clean === '/' ? '/' : path.posix.basename(clean);
}

export function pathStat(requested: string, st: { mode: bigint; size: bigint; mtimeNs: bigint }, linkTarget: string): PathStat {
  return { name: statName(requested), size: Number(st.size), mode: goFileMode(Number(st.mode)), mtime: goTime(st.mtimeNs), linkTarget };
}

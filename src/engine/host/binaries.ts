/**
 * The one way berth finds a host binary. Every binary berthd runs (conmon,
 * the OCI runtime, netavark, aardvark-dns, systemd-notify and the HostTool
 * names below) is resolved here to an absolute path, once per name (the answer is cached for the life of
 * the process), and run by that path — never by a bare name that a changed
 * PATH could redirect, and never from inside a container or an image.
 *
 * Three search lists, one lookup:
 * - `hostTool(name)`: the distribution's own tools (GNU tar, util-linux
 *   mount, procps ps), whose options berth relies on, only from the system
 *   directories — a /usr/local/bin/tar could be another tar;
 * - `resolveBinary(nameOrPath)`: binaries the administrator chooses (the
 *   runtime, conmon): an absolute or relative path as given, else PATH,
 *   then the usual system directories;
 * - `networkHelper(name)`: netavark and aardvark-dns, from the directory
 *   Debian installs them in, or from where berthd's environment says.
 * A missing binary is a system error that names the Debian package to
 * install.
 */
import fs from 'node:fs';
import path from 'node:path';
import { systemError } from '../errors.js';

/** Debian packages of the binaries berth runs (a name not listed is assumed to be its own package). */
const DEBIAN_PACKAGES: Readonly<Record<string, string>> = {
  conmon: 'conmon',
  runc: 'runc',
  crun: 'crun',
  mount: 'mount',
  umount: 'mount',
  tar: 'tar',
  ps: 'procps',
  cp: 'coreutils',
  rm: 'coreutils',
  mv: 'coreutils',
  sh: 'dash',
  'systemd-notify': 'systemd',
  ip: 'iproute2',
  iptables: 'iptables',
  unshare: 'util-linux',
  nsenter: 'util-linux',
  'tini-static': 'tini',
};

/** Where the distribution installs its own tools. */
const SYSTEM_DIRS: readonly string[] = ['/usr/sbin', '/usr/bin', '/sbin', '/bin'];
/** PATH's fallback for administrator-chosen binaries (as a login shell's PATH would have). */
const STANDARD_DIRS: readonly string[] = ['/usr/local/sbin', '/usr/local/bin', ...SYSTEM_DIRS];

/** Where Debian installs podman's network helpers (netavark, aardvark-dns); not on PATH. */
const NETWORK_HELPER_DIRS: readonly string[] = ['/usr/lib/podman'];

/** The host tools berth runs by name. */
export type HostTool = 'mount' | 'umount' | 'tar' | 'ps' | 'cp' | 'rm' | 'mv' | 'sh' | 'ip' | 'iptables' | 'unshare' | 'nsenter' | 'tini-static';

const cache = new Map<string, string>();

/** The install hint of a missing binary. Pure. */
export function missingBinaryMessage(name: string, searched: readonly string[]): string {
  const pkg = DEBIAN_PACKAGES[name] ?? name;
  return `${name} not found in ${searched.join(', ')}: install the Debian package ${pkg} (apt-get install ${pkg})`;
}

/** Absolute path of a distribution tool, from the system directories only. Throws BERTH_HOST_NO_BINARY. */
export function hostTool(name: HostTool): string {
  return lookup(name, SYSTEM_DIRS);
}

/**
 * Absolute path of an administrator-chosen binary: `nameOrPath` with a '/'
 * is taken as given (it must be an executable file), a bare name is looked
 * up in PATH and then the standard directories. Throws BERTH_HOST_NO_BINARY.
 */
export function resolveBinary(nameOrPath: string): string {
  if (nameOrPath.includes('/')) {
    if (!isExecutableFile(nameOrPath)) throw systemError('BERTH_HOST_NO_BINARY', `${nameOrPath} is not an executable file`);
    return path.resolve(nameOrPath);
  }
  const fromPath = (process.env.PATH ?? '').split(':').filter((d) => d.startsWith('/'));
  return lookup(nameOrPath, [...new Set([...fromPath, ...STANDARD_DIRS])]);
}

/**
 * Absolute path of one of podman's network helpers, from Debian's
 * /usr/lib/podman; an `override` (berthd's BERTH_NETAVARK and
 * BERTH_AARDVARK_DNS) is resolved as resolveBinary resolves a name or path.
 * Throws BERTH_HOST_NO_BINARY.
 */
export function networkHelper(name: 'netavark' | 'aardvark-dns', override?: string): string {
  return override ? resolveBinary(override) : lookup(name, NETWORK_HELPER_DIRS);
}

/** The first executable `dir/name`, cached by name and search list. */
function lookup(name: string, dirs: readonly string[]): string {
  const key = `${name}\0${dirs.join(':')}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const found = dirs.map((d) => path.join(d, name)).find(isExecutableFile);
  if (found === undefined) throw systemError('BERTH_HOST_NO_BINARY', missingBinaryMessage(name, dirs));
  cache.set(key, found);
  return found;
}

function isExecutableFile(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

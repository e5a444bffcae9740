/**
 * The one way berth mounts and unmounts a filesystem. The mounts berth
 * makes itself (overlays, tmpfs, bind mounts) are mount(2) calls made by
 * berthd (./libc.ts): their options are berth's own, so the kernel takes
 * them as they are. A mount whose options come from a user (a local
 * volume's `o=`, which may name an NFS server or use mount(8)'s own words)
 * and an overlay whose lower dirs only fit one page as paths relative to a
 * working directory go through mount(8) (util-linux), run by the spawn
 * helper (spawner.ts) with a timeout. Callers decide what a failure means
 * (see images/rootfs.ts for the overlay mounts).
 */
import path from 'node:path';
import { hostTool } from './binaries.js';
import { MountFlag, UMOUNT_DETACH, mountCall, umountCall, type SyscallResult } from './libc.js';
import { runFailureText, runHost } from './spawner.js';

const MOUNT_TIMEOUT_MS = 30_000;

export interface FsMount {
  /** Filesystem type (`-t`), e.g. "overlay". */
  type: string;
  /** The source (for overlay, "overlay"). */
  source: string;
  /** The option string (`-o`), already joined; '' = none. */
  options: string;
  /** Absolute mount point. */
  target: string;
}

/** `mount -t TYPE SOURCE [-o OPTIONS] TARGET`. Pure; throws on an empty field or a relative target. */
export function buildMountArgs(m: FsMount): string[] {
  if (m.type === '' || m.source === '') throw new Error('mount: type and source are required');
  if (!path.isAbsolute(m.target)) throw new Error(`mount: target must be absolute: ${JSON.stringify(m.target)}`);
  return ['-t', m.type, m.source, ...(m.options === '' ? [] : ['-o', m.options]), m.target];
}

/** `umount TARGET`. Pure; throws on a relative target. */
export function buildUmountArgs(target: string): string[] {
  if (!path.isAbsolute(target)) throw new Error(`umount: target must be absolute: ${JSON.stringify(target)}`);
  return [target];
}

/** How a mount or umount ended: ok, or what went wrong. */
interface HostRun {
  ok: boolean;
  /** The tool's stderr (trimmed) or the call's errno text; '' when ok. */
  message: string;
}

/** The option words that are mount(2) flags rather than filesystem data. */
const FLAG_WORDS: Readonly<Record<string, number>> = {
  ro: MountFlag.RDONLY,
  rw: 0,
  nosuid: MountFlag.NOSUID,
  nodev: MountFlag.NODEV,
  noexec: MountFlag.NOEXEC,
};

/**
 * Splits a mount(8)-style option string into mount(2)'s flags and the data
 * string the filesystem parses: `nosuid,nodev,mode=1777` → flags
 * NOSUID|NODEV, data "mode=1777". Pure.
 */
export function splitMountOptions(options: string): { flags: number; data: string } {
  let flags = 0;
  const data: string[] = [];
  for (const word of options === '' ? [] : options.split(',')) {
    const flag = FLAG_WORDS[word];
    if (flag === undefined) data.push(word);
    else flags |= flag;
  }
  return { flags, data: data.join(',') };
}

function fromCall(what: string, res: SyscallResult): HostRun {
  return res.errno === 0 ? { ok: true, message: '' } : { ok: false, message: `${what}: ${res.message}` };
}

/** Runs mount(8) or umount(8) through the spawn helper, with a timeout. */
async function runMountTool(tool: 'mount' | 'umount', args: string[], cwd?: string): Promise<HostRun> {
  const res = await runHost(hostTool(tool), args, { cwd, timeoutMs: MOUNT_TIMEOUT_MS, discardStdout: true });
  return { ok: res.exitCode === 0, message: runFailureText(tool, res) };
}

/**
 * Makes `dir` a private bind mount of itself (`mount --bind D D`, then
 * `mount --make-private D`): mounts below it then do not propagate to other
 * mount namespaces (the network namespace files live below such a dir).
 */
export async function privateBindMount(dir: string): Promise<HostRun> {
  const bind = await mountCall(dir, dir, null, MountFlag.BIND, null);
  if (bind.errno !== 0) return fromCall(`bind mount of ${dir}`, bind);
  return fromCall(`making ${dir} private`, await mountCall('none', dir, null, MountFlag.PRIVATE, null));
}

/**
 * Mounts with mount(2), options as berth writes them (see splitMountOptions).
 * Paths must be absolute: the call has no working directory of its own.
 */
export async function mountFs(m: FsMount): Promise<HostRun> {
  buildMountArgs(m); // the same refusals as mount(8)'s argv
  const { flags, data } = splitMountOptions(m.options);
  return fromCall(`mount ${m.target}`, await mountCall(m.source, m.target, m.type, flags, data === '' ? null : data));
}

/**
 * Runs mount(8), with `cwd` as its working directory (relative overlay
 * lower dirs resolve against it): for options mount(8) must interpret.
 */
export function mountFsWithProgram(m: FsMount, cwd?: string): Promise<HostRun> {
  return runMountTool('mount', buildMountArgs(m), cwd);
}

/**
 * Runs umount(8) through the spawn helper, with mount(8)'s timeout: for
 * mounts made from a user's options. Unmounting an NFS volume whose server
 * went away can block in the kernel for long; a umount2(2) call would hold
 * a thread of the pool, which every file operation of berthd shares.
 */
export function umountFsWithProgram(target: string): Promise<HostRun> {
  return runMountTool('umount', buildUmountArgs(target));
}

/**
 * umount2(2) on `target` (`lazy`: detach now, clean up when no longer
 * busy). A target that is no mount point fails with a message that says
 * "not mounted", as umount(8)'s does.
 */
export async function umountFs(target: string, opts: { lazy?: boolean } = {}): Promise<HostRun> {
  buildUmountArgs(target);
  const res = await umountCall(target, opts.lazy ? UMOUNT_DETACH : 0);
  // EINVAL: not a mount point (the flags are always valid); ENOENT: no such path.
  const notMounted = res.errno === 22 || res.errno === 2;
  return fromCall(`umount ${target}`, notMounted ? { ...res, message: `${target}: not mounted (${res.message})` } : res);
}

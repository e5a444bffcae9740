/**
 * mount(8) and umount(8) (util-linux), the one way berth mounts and
 * unmounts a filesystem: argv from pure builders, the binary from
 * ./binaries.ts, run through the spawn helper (spawner.ts) with a timeout. Callers decide
 * what a failure means (see images/rootfs.ts for the overlay mounts).
 */
import path from 'node:path';
import { hostTool } from './binaries.js';
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

/** How a mount or umount run ended: ok, or the tool's message. */
interface HostRun {
  ok: boolean;
  /** stderr (trimmed), or a short account of the failure when there is none. */
  message: string;
}

/**
 * Makes `dir` a private bind mount of itself (`mount --bind D D`, then
 * `mount --make-private D`): mounts below it then do not propagate to other
 * mount namespaces (the network namespace files live below such a dir).
 */
export async function privateBindMount(dir: string): Promise<HostRun> {
  for (const args of [
    ['--bind', dir, dir],
    ['--make-private', dir],
  ]) {
    const res = await runHost(hostTool('mount'), args, { timeoutMs: MOUNT_TIMEOUT_MS, discardStdout: true });
    if (res.exitCode !== 0) return { ok: false, message: `mount ${args.join(' ')}: ${runFailureText('mount', res)}` };
  }
  return { ok: true, message: '' };
}

/** Runs mount(8) with `cwd` as its working directory (relative overlay lower dirs resolve against it). */
export async function mountFs(m: FsMount, cwd?: string): Promise<HostRun> {
  const res = await runHost(hostTool('mount'), buildMountArgs(m), { cwd, timeoutMs: MOUNT_TIMEOUT_MS, discardStdout: true });
  return { ok: res.exitCode === 0, message: runFailureText('mount', res) };
}

/** Runs umount(8) on `target` (`lazy`: detach now, clean up when no longer busy). */
export async function umountFs(target: string, opts: { lazy?: boolean } = {}): Promise<HostRun> {
  const args = opts.lazy ? ['-l', ...buildUmountArgs(target)] : buildUmountArgs(target);
  const res = await runHost(hostTool('umount'), args, { timeoutMs: MOUNT_TIMEOUT_MS, discardStdout: true });
  return { ok: res.exitCode === 0, message: runFailureText('umount', res) };
}

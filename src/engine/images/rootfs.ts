/**
 * A container's root filesystem: one overlay mount of the image's layers
 * (lower, read-only) and the container's own upper/work directories.
 *
 * Lower dirs are passed as short relative links (`l/<26 chars>`) and the
 * mount runs with the overlay root as its working directory, so that even an
 * image with many layers keeps the option string under one page (the kernel
 * copies mount data into a single page).
 */
import fs from 'node:fs/promises';
import { execa } from '../execa-on-demand.js';
import { systemError } from '../errors.js';

/** The kernel copies mount options into one page; longer strings are cut. */
export const MOUNT_OPTIONS_MAX = 4095;

export interface OverlayOptionsInput {
  /** Lower dirs, top-most first (relative to the overlay root, or absolute). At least one. */
  lowers: string[];
  upperDir: string;
  workDir: string;
  /** Skip syncs on the upper dir (for throwaway containers); needs Linux 5.10. */
  volatile?: boolean;
}

/**
 * Builds `lowerdir=a:b,upperdir=…,workdir=…[,volatile]`. Pure.
 * Throws when there is no lower dir, when a path holds a character the
 * option syntax cannot carry (`,` `:` or a newline), or when the result is
 * longer than MOUNT_OPTIONS_MAX.
 */
export function buildOverlayMountOptions(input: OverlayOptionsInput): string {
  if (input.lowers.length === 0) throw new Error('overlay mount needs at least one lower dir');
  for (const p of [...input.lowers, input.upperDir, input.workDir]) {
    if (p === '' || /[,:\n]/.test(p)) throw new Error(`path not usable in overlay options: ${JSON.stringify(p)}`);
  }
  const parts = [`lowerdir=${input.lowers.join(':')}`, `upperdir=${input.upperDir}`, `workdir=${input.workDir}`];
  if (input.volatile) parts.push('volatile');
  const opts = parts.join(',');
  if (opts.length > MOUNT_OPTIONS_MAX) {
    throw new Error(`overlay mount options are ${opts.length} bytes, more than one page (${MOUNT_OPTIONS_MAX})`);
  }
  return opts;
}

export interface MountRootfsInput {
  /** Working directory of the mount, against which relative lowers resolve. */
  overlayRoot: string;
  lowers: string[];
  upperDir: string;
  workDir: string;
  mergedDir: string;
  volatile?: boolean;
}

/** Host binaries by absolute path: never whatever PATH happens to find. */
async function hostBinary(name: string): Promise<string> {
  for (const dir of ['/usr/bin', '/bin', '/usr/sbin', '/sbin']) {
    const p = `${dir}/${name}`;
    try {
      await fs.access(p, fs.constants.X_OK);
      return p;
    } catch {
      // try the next directory
    }
  }
  throw systemError('BERTH_ROOTFS_NO_BINARY', `${name} not found in /usr/bin, /bin, /usr/sbin or /sbin`);
}

/**
 * Mounts the overlay at mergedDir (creating upper, work and merged dirs when
 * missing). Already mounted → no-op, so a retry after a crash is safe.
 */
export async function mountRootfs(input: MountRootfsInput): Promise<void> {
  if (await isMounted(input.mergedDir)) return;
  const opts = buildOverlayMountOptions(input);
  for (const d of [input.upperDir, input.workDir, input.mergedDir]) await fs.mkdir(d, { recursive: true, mode: 0o700 });
  const mount = await hostBinary('mount');
  const res = await execa(mount, ['-t', 'overlay', 'overlay', '-o', opts, input.mergedDir], {
    cwd: input.overlayRoot,
    reject: false,
    timeout: 30_000,
  });
  if (res.exitCode !== 0) {
    throw systemError('BERTH_ROOTFS_MOUNT_FAILED', `mounting overlay at ${input.mergedDir}: ${String(res.stderr).trim() || res.shortMessage}`);
  }
}

/** Unmounts mergedDir; not mounted (or missing) → no-op. Busy → system error. */
export async function unmountRootfs(mergedDir: string): Promise<void> {
  if (!(await isMounted(mergedDir))) return;
  const umount = await hostBinary('umount');
  const res = await execa(umount, [mergedDir], { reject: false, timeout: 30_000 });
  if (res.exitCode === 0 || /not mounted|no mount point/i.test(String(res.stderr))) return;
  throw systemError('BERTH_ROOTFS_UMOUNT_FAILED', `unmounting ${mergedDir}: ${String(res.stderr).trim() || res.shortMessage}`);
}

/** True when `target` (absolute) is a mount point in this process's mount namespace. */
export async function isMounted(target: string): Promise<boolean> {
  const info = await fs.readFile('/proc/self/mountinfo', 'utf8');
  const want = target.replace(/\/+$/, '') || '/';
  return parseMountPoints(info).includes(want);
}

/** Mount points (field 5) of a mountinfo text, octal escapes (\040) decoded. Pure. */
export function parseMountPoints(mountinfo: string): string[] {
  return mountinfo
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.split(' ')[4].replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))));
}

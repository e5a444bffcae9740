/**
 * Overlay mounts, the one helper for every overlay berth makes: a
 * container's root (the image's layers as lower dirs, read-only, plus the
 * container's own upper/work dirs) and the read-only snapshots that export
 * and docker cp read from (the container's upper dir on top of the image's
 * layers, no upper of their own).
 *
 * Lower dirs are short links (`l/<26 chars>`) below the overlay root. The
 * kernel copies mount data into a single page: berthd mounts with mount(2)
 * when the option string with absolute link paths fits (about 80 layers
 * under a typical data root), and otherwise runs mount(8) with the overlay
 * root as its working directory and the links relative to it, which keeps
 * even an image of many layers under one page. Both are ../host/mount.ts.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { systemError } from '../errors.js';
import type { CodeOfKind } from '../error-codes.js';
import { mountFs, mountFsWithProgram, umountFs, umountFsWithProgram } from '../host/mount.js';
import { lstatOrNull } from '../host/read-sync.js';

/** The kernel copies mount options into one page; longer strings are cut. */
export const MOUNT_OPTIONS_MAX = 4095;

/** A writable overlay: lower dirs plus an upper and a work dir. */
export interface WritableOverlay {
  /** Lower dirs, top-most first (relative to the overlay root, or absolute). At least one. */
  lowers: string[];
  upperDir: string;
  workDir: string;
  /** Skip syncs on the upper dir (for throwaway containers); needs Linux 5.10. */
  volatile?: boolean;
}

/** A read-only overlay of lower dirs only (overlayfs then needs at least two). */
export interface ReadOnlyOverlay {
  lowers: string[];
  readOnly: true;
}

export type OverlayOptionsInput = WritableOverlay | ReadOnlyOverlay;

/**
 * Builds `lowerdir=a:b,upperdir=…,workdir=…[,volatile]`, or
 * `ro,lowerdir=a:b` for a read-only overlay. Pure.
 * Throws when there are too few lower dirs, when a path holds a character
 * the option syntax cannot carry (`,` `:` or a newline), or when the result
 * is longer than MOUNT_OPTIONS_MAX.
 */
export function buildOverlayMountOptions(input: OverlayOptionsInput): string {
  const readOnly = 'readOnly' in input;
  const minLowers = readOnly ? 2 : 1;
  if (input.lowers.length < minLowers)
    throw new Error(`a${readOnly ? ' read-only' : 'n'} overlay mount needs at least ${minLowers} lower dir${minLowers > 1 ? 's' : ''}`);
  const paths = readOnly ? input.lowers : [...input.lowers, input.upperDir, input.workDir];
  for (const p of paths) {
    if (p === '' || /[,:\n]/.test(p)) throw new Error(`path not usable in overlay options: ${JSON.stringify(p)}`);
  }
  const parts = readOnly
    ? ['ro', `lowerdir=${input.lowers.join(':')}`]
    : [`lowerdir=${input.lowers.join(':')}`, `upperdir=${input.upperDir}`, `workdir=${input.workDir}`, ...(input.volatile ? ['volatile'] : [])];
  const opts = parts.join(',');
  if (opts.length > MOUNT_OPTIONS_MAX) {
    throw new Error(`overlay mount options are ${opts.length} bytes, more than one page (${MOUNT_OPTIONS_MAX})`);
  }
  return opts;
}

/**
 * Mounts an overlay at `target` (which must exist), with `overlayRoot` as
 * the working directory against which relative lower dirs resolve. A
 * failure is a system error with `code` and the tool's message.
 */
export async function mountOverlay(overlay: OverlayOptionsInput, at: { overlayRoot: string; target: string; code: CodeOfKind<'system'> }): Promise<void> {
  const absolute = absoluteOverlayOptions(overlay, at.overlayRoot);
  const mount = { type: 'overlay', source: 'overlay', target: at.target };
  const run =
    absolute !== undefined
      ? await mountFs({ ...mount, options: absolute })
      : await mountFsWithProgram({ ...mount, options: buildOverlayMountOptions(overlay) }, at.overlayRoot);
  if (!run.ok) throw systemError(at.code, `mounting overlay at ${at.target}: ${run.message}`);
}

/** The options with every lower dir made absolute against overlayRoot; undefined when they no longer fit one page. Pure. */
export function absoluteOverlayOptions(overlay: OverlayOptionsInput, overlayRoot: string): string | undefined {
  const lowers = overlay.lowers.map((l) => path.resolve(overlayRoot, l));
  try {
    return buildOverlayMountOptions({ ...overlay, lowers });
  } catch {
    return undefined;
  }
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

/**
 * Mounts a container's root at mergedDir (creating upper, work and merged
 * dirs when missing). Already mounted → no-op, so a retry after a crash is
 * safe.
 */
export async function mountRootfs(input: MountRootfsInput): Promise<void> {
  if (rootMounted(input.mergedDir)) return;
  const overlay: WritableOverlay = { lowers: input.lowers, upperDir: input.upperDir, workDir: input.workDir, volatile: input.volatile };
  buildOverlayMountOptions(overlay); // refuse bad paths before creating any directory
  // Create makes them: a synchronous lstat (a read) each costs less than a mkdir through the thread pool.
  for (const d of [input.upperDir, input.workDir, input.mergedDir]) if (!lstatOrNull(d)) await fsp.mkdir(d, { recursive: true, mode: 0o700 });
  await mountOverlay(overlay, { overlayRoot: input.overlayRoot, target: input.mergedDir, code: 'BERTH_ROOTFS_MOUNT_FAILED' });
}

/** Unmounts a container's root (rootMounted); not mounted (or missing) → no-op. Busy → system error. */
export async function unmountRoot(mergedDir: string): Promise<void> {
  if (rootMounted(mergedDir)) await umountChecked(mergedDir);
}

/**
 * Unmounts an overlay (or any mount) at mergedDir; not mounted (or missing)
 * → no-op. Busy → system error. `userMount`: a mount made by mount(8) from
 * a user's options (a volume's device), unmounted by umount(8) with a
 * timeout (host/mount.ts umountFsWithProgram).
 */
export async function unmountRootfs(mergedDir: string, opts: { userMount?: boolean } = {}): Promise<void> {
  if (await isMounted(mergedDir)) await umountChecked(mergedDir, opts.userMount === true);
}

async function umountChecked(target: string, userMount = false): Promise<void> {
  const run = userMount ? await umountFsWithProgram(target) : await umountFs(target);
  if (run.ok || /not mounted|no mount point/i.test(run.message)) return;
  throw systemError('BERTH_ROOTFS_UMOUNT_FAILED', `unmounting ${target}: ${run.message}`);
}

/**
 * True when a filesystem of its own (a container's overlay root) is mounted
 * on the directory `dir`: the root of a mount reports its filesystem's
 * device, not the one of the directory it covers. Two synchronous lstat
 * calls (reads: they never wait for the journal), where isMounted reads
 * and parses the whole mount table through the thread pool, three times
 * per container lifecycle. Blind to a bind mount from the same filesystem:
 * only for the dirs berth mounts overlays on.
 */
export function rootMounted(dir: string): boolean {
  const at = lstatOrNull(dir);
  if (!at) return false;
  const parent = lstatOrNull(path.dirname(dir));
  return parent !== null && at.dev !== parent.dev;
}

/** True when `target` (absolute) is a mount point in this process's mount namespace. */
export async function isMounted(target: string): Promise<boolean> {
  // Not synchronous: procfs renders the whole table in the read, O(mounts), which on a host with
  // thousands of mounts (and once per volume in `system df`) would hold the event loop.
  const info = await fsp.readFile('/proc/self/mountinfo', 'utf8');
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

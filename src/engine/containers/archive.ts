/**
 * `docker cp`: stat (HEAD), read (GET) and write (PUT) paths of a container.
 *
 * Which root a path is resolved in:
 * - a running or paused container: `/proc/<pid>/root`, the container's own
 *   view, so its bind and tmpfs mounts are reached as the container sees
 *   them;
 * - otherwise, for reading, a private read-only snapshot mount (as export
 *   does); for writing, the container's own root mount, made under the
 *   container's lock (so it cannot start meanwhile) and undone afterwards
 *   when it was not mounted before.
 * - a path of a container that does not run, under one of its volume or
 *   bind mounts: that mount's source (the volume's `_data`), walked from
 *   there, so the copy reaches the volume's data and never leaves it (a
 *   symlink in it resolves inside the volume).
 * Every path is walked with container-root/root-walk.ts (never leaves the root, whatever
 * the container does meanwhile). GET hands GNU tar (the host's) the open
 * parent directory as fd 3 and the one name to archive: tar walks below it
 * with openat and O_NOFOLLOW, so nothing is followed out of it either.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { forbidden, invalid, isEngineError, notFound, systemError } from '../errors.js';
import { buildTarCreateArgs, spawnTar, type TarChild } from '../host/tar.js';
import { withContainerLock } from '../locks.js';
import { containerFiles } from '../paths.js';
import { extractIntoRoot } from './archive-extract.js';
import type { ContainerContext, Row } from './context.js';
import { isRunning } from '../model/lifecycle.js';
import { mountSnapshot, releaseSnapshot } from './export.js';
import { mountRoot } from './mount.js';
import { pathStat, type PathStat } from './path-stat.js';
import { findContainer } from './resolve.js';
import { openWalkedDir, walkInRoot, type Walked } from '../container-root/root-walk.js';
import { resolveUser } from '../container-root/user.js';
import type { MountSpec } from '../model/container.js';

export type { PathStat } from './path-stat.js';

export interface PutArchiveOptions {
  noOverwriteDirNonDir: boolean;
  copyUIDGID: boolean;
}

interface RootView {
  base: string;
  running: boolean;
  /** The container path `base` stands for ("/" for the root, else a mount's target). */
  at: string;
  release(): Promise<void>;
}

const cleanPath = (p: string) => path.posix.normalize(`/${p}`).replace(/\/+$/, '') || '/';

/**
 * The volume or bind mount (longest target) a container path lies under,
 * and the path inside that mount. Pure.
 */
export function mountedPath(mounts: MountSpec[], p: string): { mount: MountSpec; inner: string } | null {
  const want = cleanPath(p);
  let best: { mount: MountSpec; inner: string } | null = null;
  for (const m of mounts) {
    if ((m.type !== 'volume' && m.type !== 'bind') || !m.source) continue;
    const t = cleanPath(m.target);
    const inner = want === t ? '/' : want.startsWith(`${t}/`) ? want.slice(t.length) : null;
    if (inner !== null && (!best || t.length > cleanPath(best.mount.target).length)) best = { mount: m, inner };
  }
  return best;
}

/** The path `p` relative to the view's base (keeps a trailing "/" or "/." that asks to follow). */
function innerPath(view: RootView, p: string): string {
  if (view.at === '/') return p;
  const tail = p.endsWith('/.') ? '/.' : p.endsWith('/') ? '/' : '';
  return `${mountedPathIn(view.at, p)}${tail}`;
}

function mountedPathIn(target: string, p: string): string {
  const want = cleanPath(p);
  const t = cleanPath(target);
  return want === t ? '/' : want.slice(t.length);
}

/** A stopped container's path under a volume or bind mount: walked in the mount's source. */
function mountView(row: Row, p: string): RootView | null {
  const hit = mountedPath(row.spec.mounts, p);
  return hit && { base: hit.mount.source, running: false, at: cleanPath(hit.mount.target), release: async () => {} };
}

const isLive = (row: Row) => isRunning(row.state.status) && row.state.pid > 0;

/** Docker's text for a missing path. */
const fileNotFound = (p: string, ref: string) => notFound('BERTH_ARCHIVE_NOT_FOUND', `Could not find the file ${p} in container ${ref}`);

async function readView(ctx: ContainerContext, row: Row, p: string): Promise<RootView> {
  if (isLive(row)) return { base: `/proc/${row.state.pid}/root`, running: true, at: '/', release: async () => {} };
  const mounted = mountView(row, p);
  if (mounted) return mounted;
  const snap = await mountSnapshot(ctx, row.id, row.spec.imageId);
  return {
    base: snap,
    running: false,
    at: '/',
    release: () => releaseSnapshot(snap).catch((err: unknown) => ctx.log.warn({ err, snap }, 'releasing a snapshot failed')),
  };
}

/** Walks `p`; a missing path (anywhere) becomes Docker's 404. */
async function walkOr404(base: string, p: string, ref: string, followFinal: boolean, shown = p): Promise<Walked> {
  try {
    const w = await walkInRoot(base, p, { followFinal });
    if (w.stat === null) {
      w.close();
      throw fileNotFound(shown, ref);
    }
    return w;
  } catch (err) {
    if (isEngineError(err, 'not-found')) throw fileNotFound(shown, ref);
    throw err;
  }
}

/** A trailing "/" or "/." asks for what a final symlink points to. Pure. */
export function followsFinal(p: string): boolean {
  return p.endsWith('/') || p.endsWith('/.') || p === '.';
}

async function statIn(view: RootView, p: string, ref: string): Promise<{ walked: Walked; stat: PathStat }> {
  const inner = innerPath(view, p);
  const walked = await walkOr404(view.base, inner, ref, followsFinal(p), p);
  let linkTarget = '';
  if (walked.stat!.isSymbolicLink()) {
    const full = await walkInRoot(view.base, inner, { followFinal: true }).catch(() => null);
    linkTarget = full ? (view.at === '/' ? full.containerPath : path.posix.join(view.at, full.containerPath)) : '';
    full?.close();
  }
  return { walked, stat: pathStat(p, walked.stat!, linkTarget) };
}

/** `HEAD /containers/{id}/archive`. */
export async function statContainerPath(ctx: ContainerContext, ref: string, p: string): Promise<PathStat> {
  if (!p) throw invalid('BERTH_ARCHIVE_NO_PATH', 'path: a path inside the container is required');
  const row = findContainer(ctx, ref);
  const view = await readView(ctx, row, p);
  try {
    const { walked, stat } = await statIn(view, p, ref);
    walked.close();
    return stat;
  } finally {
    await view.release();
  }
}

/** GNU tar arguments for GET: the member name (one) comes on stdin, relative to the directory at fd 3. Pure. */
export function archiveTarArgs(wholeRoot: boolean, topName?: string): string[] {
  // /proc and /sys of a running container are not files (and /proc/kmsg blocks forever).
  return buildTarCreateArgs({ dir: '/proc/self/fd/3', exclude: wholeRoot ? ['./proc', './sys'] : [], ...(topName ? { renameTop: topName } : {}) });
}

/** `GET /containers/{id}/archive`: the stat plus a tar stream whose top entry is the path's base name. */
export async function getContainerArchive(ctx: ContainerContext, ref: string, p: string): Promise<{ stat: PathStat; stream: Readable }> {
  if (!p) throw invalid('BERTH_ARCHIVE_NO_PATH', 'path: a path inside the container is required');
  const row = findContainer(ctx, ref);
  const view = await readView(ctx, row, p);
  let walked: Walked;
  let stat: PathStat;
  try {
    ({ walked, stat } = await statIn(view, p, ref));
  } catch (err) {
    await view.release();
    throw err;
  }
  const wholeDir = walked.name === null || p.endsWith('/.');
  const member = wholeDir ? '.' : walked.name!;
  let dirFd = walked.dirFd;
  if (wholeDir && walked.name !== null) {
    dirFd = (await openWalkedDir(walked)) ?? -1;
    if (dirFd < 0) {
      walked.close();
      await view.release();
      throw invalid('BERTH_ARCHIVE_NOT_DIR', `${p}: not a directory`);
    }
  }
  // The whole directory of a volume (its target itself, not "target/."): named as the target is.
  const topName = view.at !== '/' && walked.name === null && !p.endsWith('/.') ? path.posix.basename(view.at) : undefined;
  let child: TarChild | undefined;
  let spawnError: unknown;
  try {
    child = spawnTar(archiveTarArgs(view.running && walked.name === null, topName), dirFd);
  } catch (err) {
    spawnError = err; // tar is missing: nothing was started
  }
  if (dirFd !== walked.dirFd) fs.closeSync(dirFd);
  walked.close();
  if (!child) {
    await view.release(); // after the fds above are closed: a snapshot must not be busy
    throw spawnError;
  }
  child.stdin.end(`${member}\0`);
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const out = new PassThrough();
  child.stdout.pipe(out);
  out.on('close', () => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  child.on('close', (code) => {
    // 1 = a file changed while it was read: the archive is still whole.
    if (code !== 0 && code !== 1 && !out.destroyed) out.destroy(systemError('BERTH_ARCHIVE_TAR', `archiving ${p}: tar exited ${code}: ${stderr.trim()}`));
    void view.release();
  });
  return { stat, stream: out };
}

/** Read-only check as Docker: a read-only mount wins for paths under it, else the rootfs flag. */
function writableCheck(row: Row, dest: string): void {
  const under = row.spec.mounts
    .filter((m) => dest === m.target || dest.startsWith(`${m.target.replace(/\/+$/, '')}/`))
    .sort((a, b) => b.target.length - a.target.length)[0];
  if (under) {
    if (under.readOnly) throw forbidden('BERTH_ARCHIVE_READONLY', 'mounted volume is marked read-only');
    return;
  }
  if (row.spec.readonlyRootfs) throw forbidden('BERTH_ARCHIVE_READONLY', 'container rootfs is marked read-only');
}

/**
 * copyUIDGID: the container user's IDs, from the container's own passwd
 * (`base` when it is the root; for a path under a mount, a snapshot of the root).
 */
async function owner(ctx: ContainerContext, base: string, at: string, row: Row, copyUIDGID: boolean): Promise<{ uid: number; gid: number } | null> {
  if (!copyUIDGID) return null;
  if (at === '/') {
    const u = await resolveUser(base, row.spec.user);
    return { uid: u.uid, gid: u.gid };
  }
  const snap = await mountSnapshot(ctx, row.id, row.spec.imageId);
  try {
    const u = await resolveUser(snap, row.spec.user);
    return { uid: u.uid, gid: u.gid };
  } finally {
    await releaseSnapshot(snap).catch((err: unknown) => ctx.log.warn({ err, snap }, 'releasing a snapshot failed'));
  }
}

async function putIn(
  ctx: ContainerContext,
  row: Row,
  base: string,
  ref: string,
  p: string,
  source: Readable,
  opts: PutArchiveOptions,
  at = '/',
): Promise<void> {
  const view: RootView = { base, running: false, at, release: async () => {} };
  const walked = await walkOr404(base, innerPath(view, p), ref, true, p);
  const dest = walked.containerPath;
  const isDir = walked.stat!.isDirectory();
  walked.close();
  if (!isDir) throw invalid('BERTH_ARCHIVE_NOT_DIR', 'extraction point is not a directory');
  writableCheck(row, at === '/' ? dest : path.posix.join(at, dest));
  await extractIntoRoot(source, { base, dest, noOverwriteDirNonDir: opts.noOverwriteDirNonDir, owner: await owner(ctx, base, at, row, opts.copyUIDGID) });
}

/** `PUT /containers/{id}/archive`: extracts the uploaded tar into the directory `p`. */
export async function putContainerArchive(ctx: ContainerContext, ref: string, p: string, source: Readable, opts: PutArchiveOptions): Promise<void> {
  if (!p) throw invalid('BERTH_ARCHIVE_NO_PATH', 'path: a path inside the container is required');
  const row = findContainer(ctx, ref);
  if (isLive(row)) return putIn(ctx, row, `/proc/${row.state.pid}/root`, ref, p, source, opts);
  await withContainerLock(ctx.mutex, row.id, async () => {
    const now = findContainer(ctx, row.id);
    if (isLive(now)) return putIn(ctx, now, `/proc/${now.state.pid}/root`, ref, p, source, opts);
    const mounted = mountView(now, p);
    if (mounted) return putIn(ctx, now, mounted.base, ref, p, source, opts, mounted.at);
    const files = containerFiles(ctx.paths.containerDir(now.id));
    const wasMounted = await ctx.rootMounts.isMounted(files.merged);
    if (!wasMounted) await mountRoot(ctx, now);
    try {
      await putIn(ctx, now, path.resolve(files.merged), ref, p, source, opts);
    } finally {
      if (!wasMounted) await ctx.rootMounts.unmount(files.merged).catch((err: unknown) => ctx.log.warn({ err, id: now.id }, 'unmounting after a copy failed'));
    }
  });
}

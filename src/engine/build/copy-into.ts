/**
 * Writing COPY/ADD sources into an image root (the mounted root of the
 * step's helper container), with Docker's destination rules:
 * - a relative destination is under the WORKDIR;
 * - a destination ending in `/` (or an existing directory, or any
 *   destination of several sources) is a directory: a file source goes to
 *   `<dest>/<basename>`, a directory source's contents into `<dest>`;
 * - otherwise a file source becomes `<dest>`;
 * - missing parent directories are made 0755 and owned like the copied files;
 * - everything copied is owned by root, or by `--chown`;
 * - ADD of a local tar (plain or gzip) is extracted into the destination.
 * Paths inside the root are resolved scoped to it (symlinks never lead out).
 */
import type { Stats } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { invalid } from '../errors.js';
import { resolveInRoot } from '../container-root/user.js';
import type { CopySource } from './copy-sources.js';
import { settleAll } from '../settle-all.js';

export interface CopyOwner {
  uid: number;
  gid: number;
}

/** The absolute destination; `isDir` when it names a directory by its form. Pure. */
export function destinationOf(dest: string, workdir: string): { path: string; isDir: boolean } {
  const isDir = dest.endsWith('/') || dest === '.' || dest.endsWith('/.');
  const abs = dest.startsWith('/') ? dest : path.posix.join(workdir || '/', dest);
  return { path: path.posix.normalize(abs).replace(/(.)\/+$/, '$1'), isDir };
}

/** Makes `inner` (and its parents) inside `root` as directories; returns the host path. */
export async function mkdirInRoot(root: string, inner: string, owner: CopyOwner): Promise<string> {
  const parts = inner.split('/').filter(Boolean);
  let hostPath = root;
  for (let i = 0; i < parts.length; i++) {
    const prefix = parts.slice(0, i + 1).join('/');
    const found = resolveInRoot(root, prefix);
    if (found !== null) {
      const st = await fs.stat(found);
      if (!st.isDirectory()) throw invalid('BERTH_BUILD_NOT_A_DIR', `failed to copy files: mkdir /${prefix}: not a directory`);
      hostPath = found;
      continue;
    }
    hostPath = path.join(hostPath, parts[i]);
    await fs.mkdir(hostPath, { mode: 0o755 });
    await fs.chmod(hostPath, 0o755);
    await fs.lchown(hostPath, owner.uid, owner.gid);
  }
  return hostPath;
}

/** Is `file` a tar archive berth can extract (plain tar, or gzip)? */
export async function isLocalArchive(file: string): Promise<boolean> {
  const fh = await fs.open(file, 'r');
  try {
    const buf = Buffer.alloc(512);
    const { bytesRead } = await fh.read(buf, 0, 512, 0);
    if (bytesRead >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) return true;
    return bytesRead >= 262 && buf.subarray(257, 262).toString('latin1') === 'ustar';
  } finally {
    await fh.close();
  }
}

/** File copies in flight at once: each is a few syscalls on the thread pool, so overlapping them hides their latency. */
const COPY_CONCURRENCY = 16;

/** At most `n` calls of the returned runner in flight. */
function limiter(n: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: Array<() => void> = [];
  return async (fn) => {
    if (active >= n) await new Promise<void>((r) => waiting.push(r));
    active++;
    try {
      return await fn();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

/** Owner, then mode (chown clears setuid/setgid), then times: as the source has them. */
async function finishEntry(to: string, st: Stats, owner: CopyOwner): Promise<void> {
  await fs.lchown(to, owner.uid, owner.gid);
  await fs.chmod(to, st.mode & 0o7777);
  await fs.utimes(to, st.atimeMs / 1000, st.mtimeMs / 1000);
}

interface CopyRun {
  owner: CopyOwner;
  limit: ReturnType<typeof limiter>;
  /** .dockerignore of the context, by path relative to it; `rel` below is that path. */
  ignored: ((rel: string) => boolean) | undefined;
}

/**
 * Copies `from` to `to`, owned by `owner`, with its modes, times and
 * symlinks as they are. Something in the way is replaced, except that a
 * directory onto a directory merges (the existing one keeps its mode and
 * times, and only what is copied changes owner). Ignored paths and special
 * files are skipped.
 */
async function copyEntry(from: string, to: string, rel: string, run: CopyRun): Promise<void> {
  const st = await fs.lstat(from);
  const existing = await fs.lstat(to).catch(() => null);
  const merge = existing?.isDirectory() === true && st.isDirectory();
  if (existing && !merge) await fs.rm(to, { recursive: true, force: true });
  if (st.isSymbolicLink()) {
    await fs.symlink(await fs.readlink(from), to);
    await fs.lchown(to, run.owner.uid, run.owner.gid);
    await fs.lutimes(to, st.atimeMs / 1000, st.mtimeMs / 1000);
  } else if (st.isFile()) {
    await run.limit(async () => {
      await fs.copyFile(from, to);
      await finishEntry(to, st, run.owner);
    });
  } else if (st.isDirectory()) {
    if (!merge) await fs.mkdir(to, { mode: 0o700 });
    await copyChildren(from, to, rel, run);
    if (merge) await fs.lchown(to, run.owner.uid, run.owner.gid);
    else await finishEntry(to, st, run.owner);
  }
}

async function copyChildren(from: string, to: string, rel: string, run: CopyRun): Promise<void> {
  const names = (await fs.readdir(from)).filter((name) => !run.ignored?.(rel ? `${rel}/${name}` : name));
  await settleAll(names, (name) => copyEntry(path.join(from, name), path.join(to, name), rel ? `${rel}/${name}` : name, run));
}

export interface CopyIntoOptions {
  owner: CopyOwner;
  /** ADD: extract local tar archives. */
  extractArchives: boolean;
  /** Skips paths (relative to the context) that .dockerignore excludes, inside directory sources. */
  ignored?: (rel: string) => boolean;
}

/** Copies every source into `root` at `dest` (absolute, see destinationOf). */
export async function copyInto(root: string, sources: CopySource[], dest: { path: string; isDir: boolean }, opts: CopyIntoOptions): Promise<void> {
  const existing = resolveInRoot(root, dest.path);
  const existingIsDir = existing !== null && (await fs.stat(existing).catch(() => null))?.isDirectory() === true;
  const multiple = sources.length > 1;
  if (multiple && !dest.isDir && !existingIsDir) {
    throw invalid('BERTH_BUILD_COPY_DEST', 'When using COPY with more than one source file, the destination must be a directory and end with a /');
  }
  const destIsDir = dest.isDir || existingIsDir || multiple;
  const run: CopyRun = { owner: opts.owner, limit: limiter(COPY_CONCURRENCY), ignored: opts.ignored };
  for (const src of sources) {
    if (src.isDir) {
      const target = await mkdirInRoot(root, dest.path, opts.owner);
      await copyChildren(src.abs, target, src.rel, run);
      continue;
    }
    if (opts.extractArchives && (await isLocalArchive(src.abs))) {
      const target = await mkdirInRoot(root, dest.path, opts.owner);
      const { x } = await import('tar');
      // node-tar refuses `..` entries and writes through symlinks (preservePaths off).
      await x({ file: src.abs, cwd: target, preservePaths: false, preserveOwner: true });
      continue;
    }
    const parent = destIsDir ? dest.path : path.posix.dirname(dest.path);
    const name = destIsDir ? path.posix.basename(src.rel || src.abs) : path.posix.basename(dest.path);
    const dir = await mkdirInRoot(root, parent, opts.owner);
    await copyEntry(src.abs, path.join(dir, name), src.rel, run);
  }
}

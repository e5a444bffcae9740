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
import fs from 'node:fs/promises';
import path from 'node:path';
import { invalid } from '../errors.js';
import { resolveInRoot } from '../containers/user.js';
import type { CopySource } from './copy-sources.js';

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
    const found = await resolveInRoot(root, prefix);
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

async function chownTree(p: string, owner: CopyOwner): Promise<void> {
  await fs.lchown(p, owner.uid, owner.gid);
  const st = await fs.lstat(p);
  if (!st.isDirectory()) return;
  for (const name of await fs.readdir(p)) await chownTree(path.join(p, name), owner);
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

async function copyEntry(from: string, to: string, owner: CopyOwner): Promise<void> {
  const existing = await fs.lstat(to).catch(() => null);
  if (existing && !(existing.isDirectory() && (await fs.stat(from)).isDirectory())) await fs.rm(to, { recursive: true, force: true });
  await fs.cp(from, to, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true, force: true });
  await chownTree(to, owner);
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
  const existing = await resolveInRoot(root, dest.path);
  const existingIsDir = existing !== null && (await fs.stat(existing).catch(() => null))?.isDirectory() === true;
  const multiple = sources.length > 1;
  if (multiple && !dest.isDir && !existingIsDir) {
    throw invalid('BERTH_BUILD_COPY_DEST', 'When using COPY with more than one source file, the destination must be a directory and end with a /');
  }
  const destIsDir = dest.isDir || existingIsDir || multiple;
  for (const src of sources) {
    if (src.isDir) {
      const target = await mkdirInRoot(root, dest.path, opts.owner);
      for (const name of await fs.readdir(src.abs)) {
        const rel = src.rel ? `${src.rel}/${name}` : name;
        if (opts.ignored?.(rel)) continue;
        await copyEntry(path.join(src.abs, name), path.join(target, name), opts.owner);
      }
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
    await copyEntry(src.abs, path.join(dir, name), opts.owner);
  }
}

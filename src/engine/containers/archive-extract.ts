/**
 * `PUT /containers/{id}/archive`: extracts an untrusted tar into a directory
 * of a container, as Docker's chrooted untar does, without a chroot and
 * without running any binary: every entry's parent is walked from the
 * container root with container-root/root-walk.ts (symlinks of the container resolved
 * inside the container, never by the kernel), and the entry is then made by
 * ONE syscall on `/proc/self/fd/<parent>/<name>` that never follows a final
 * symlink (O_CREAT|O_EXCL|O_NOFOLLOW, mkdir, symlink, link, lchown). So a
 * container that swaps directories for symlinks while the copy runs can at
 * most redirect the copy elsewhere inside itself.
 *
 * Entry rules (Docker's): names are relative to the destination; a name
 * that climbs above it (`..`) is refused; an existing non-directory is
 * replaced; an existing directory is kept for a directory entry and is
 * never replaced by a non-directory (with noOverwriteDirNonDir, a
 * non-directory is not replaced by a directory either). Device nodes and
 * FIFOs are skipped (berth cannot mknod). Ownership is the tar's, or
 * `owner` for every entry when given (copyUIDGID).
 */
import fsSync from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { ReadEntry } from 'tar';
import { conflict, invalid } from '../errors.js';
import { atPath, walkInRoot } from '../container-root/root-walk.js';

export interface ExtractOptions {
  /** The container root as walk base (a host dir or /proc/<pid>/root). */
  base: string;
  /** The resolved destination directory inside the container ("/tmp"). */
  dest: string;
  noOverwriteDirNonDir: boolean;
  /** Owner of every entry; null keeps the tar's uid/gid. */
  owner: { uid: number; gid: number } | null;
}

const FILE_TYPES = new Set(['File', 'OldFile', 'ContiguousFile']);
const C = fsSync.constants;
const bad = (detail: string) => invalid('BERTH_ARCHIVE_BAD_TAR', detail);

/**
 * The entry's path relative to the destination, normalized; refuses one
 * that leaves it. '' = the destination itself. Pure.
 */
export function entryRelPath(name: string): string {
  const clean = path.posix.normalize(name.replace(/^\/+/, '')).replace(/\/+$/, '');
  if (clean === '..' || clean.startsWith('../')) throw bad(`invalid tar entry ${JSON.stringify(name)}: it would be extracted outside the destination`);
  return clean === '.' ? '' : clean;
}

/** Extracts `source` (plain or gzip tar). Rejects with invalid-parameter on a damaged or refused archive. */
export async function extractIntoRoot(source: Readable, opts: ExtractOptions): Promise<void> {
  let failure: Error | undefined;
  let chain: Promise<void> = Promise.resolve();
  let sawBytes = false;
  const { Parser } = await import('tar'); // loaded on first use
  const parser = new Parser({
    strict: true,
    onwarn: (code: string, message: string | Error) => {
      failure ??= bad(`invalid tar archive: ${code}: ${message instanceof Error ? message.message : message}`);
    },
  });
  parser.on('entry', (entry: ReadEntry) => {
    chain = chain.then(async () => {
      if (failure) return void entry.resume();
      try {
        await extractWithRetries(entry, opts);
      } catch (err) {
        failure ??= err as Error;
      } finally {
        entry.resume();
      }
    });
  });
  const ended = new Promise<void>((resolve) => {
    parser.on('end', resolve);
    parser.on('error', (err: Error) => {
      failure ??= bad(`invalid tar archive: ${err.message}`);
      resolve();
    });
  });
  for await (const chunk of source) {
    sawBytes ||= (chunk as Buffer).length > 0;
    if (!parser.write(chunk as Buffer)) await new Promise((r) => parser.once('drain', r));
  }
  if (sawBytes) parser.end();
  else return;
  await ended;
  await chain;
  if (failure) throw failure;
}

/** File entries whose data has been (partly) read: they cannot be retried. */
const consumed = new WeakSet<ReadEntry>();

/** Errors that mean "the container changed this path while we worked on it". */
const RACE_CODES = new Set(['ENOENT', 'EEXIST', 'ENOTDIR', 'ELOOP', 'EISDIR', 'ENOTEMPTY']);

/**
 * Retries an entry whose path changed under it (a file entry's data can be
 * read only once, so only before any was consumed); then gives up with a
 * conflict instead of a server error.
 */
async function extractWithRetries(entry: ReadEntry, opts: ExtractOptions): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await extractEntry(entry, opts);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? '';
      if (!RACE_CODES.has(code)) throw err;
      if (attempt >= 3 || consumed.has(entry)) {
        throw conflict('BERTH_ARCHIVE_RACE', `the destination changed while extracting ${JSON.stringify(entry.path)}: ${(err as Error).message}`, err);
      }
    }
  }
}

async function extractEntry(entry: ReadEntry, opts: ExtractOptions): Promise<void> {
  const rel = entryRelPath(entry.path);
  const isDir = entry.type === 'Directory';
  if (rel === '' && isDir) return;
  if (rel === '') throw bad(`invalid tar entry ${JSON.stringify(entry.path)}`);
  if (!isDir && !FILE_TYPES.has(entry.type) && entry.type !== 'SymbolicLink' && entry.type !== 'Link') return;
  const w = await walkInRoot(opts.base, path.posix.join(opts.dest, rel), { followFinal: false, createDirs: true });
  try {
    if (w.name === null) return;
    const at = atPath(w.dirFd, w.name);
    const owner = opts.owner ?? { uid: entry.uid ?? 0, gid: entry.gid ?? 0 };
    const mode = (entry.mode ?? 0o644) & 0o7777;
    if (w.stat) await clearExisting(at, w.stat, isDir, rel, opts);
    if (isDir) return await makeDir(at, mode, owner, w.stat !== null && w.stat.isDirectory());
    if (entry.type === 'SymbolicLink') {
      await fs.symlink(entry.linkpath ?? '', at);
      await fs.lchown(at, owner.uid, owner.gid);
      return;
    }
    if (entry.type === 'Link') return await makeHardLink(at, rel, entry.linkpath ?? '', opts);
    await writeFile(at, entry, mode, owner);
  } finally {
    w.close();
  }
}

/** Makes room for the entry: an existing non-directory goes; an existing directory stays or refuses. */
async function clearExisting(at: string, st: fsSync.BigIntStats, isDir: boolean, rel: string, opts: ExtractOptions): Promise<void> {
  if (st.isDirectory()) {
    if (!isDir) throw bad(`cannot overwrite directory "${path.posix.join(opts.dest, rel)}" with non-directory`);
    return;
  }
  if (isDir && opts.noOverwriteDirNonDir) throw bad(`cannot overwrite non-directory "${path.posix.join(opts.dest, rel)}" with directory`);
  await fs.unlink(at).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
}

async function makeDir(at: string, mode: number, owner: { uid: number; gid: number }, existed: boolean): Promise<void> {
  if (!existed)
    await fs.mkdir(at, { mode: 0o700 }).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
  const fh = await fs.open(at, C.O_RDONLY | C.O_DIRECTORY | C.O_NOFOLLOW | C.O_NONBLOCK);
  try {
    await fh.chown(owner.uid, owner.gid);
    await fh.chmod(mode);
  } finally {
    await fh.close();
  }
}

async function makeHardLink(at: string, rel: string, linkpath: string, opts: ExtractOptions): Promise<void> {
  const target = entryRelPath(linkpath);
  const src = await walkInRoot(opts.base, path.posix.join(opts.dest, target), { followFinal: false });
  try {
    if (!src.stat || src.name === null || src.stat.isDirectory()) throw bad(`invalid hardlink ${JSON.stringify(rel)} → ${JSON.stringify(linkpath)}`);
    await fs.link(atPath(src.dirFd, src.name), at);
  } finally {
    src.close();
  }
}

async function writeFile(at: string, entry: ReadEntry, mode: number, owner: { uid: number; gid: number }): Promise<void> {
  const fh = await fs.open(at, C.O_WRONLY | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW | C.O_NONBLOCK, 0o600);
  try {
    consumed.add(entry);
    for await (const chunk of entry) await fh.write(chunk);
    await fh.chown(owner.uid, owner.gid);
    // After chown, which clears setuid/setgid.
    await fh.chmod(mode);
    const mtime = entry.mtime ?? new Date();
    await fh.utimes(mtime, mtime);
  } finally {
    await fh.close();
  }
}

/**
 * What COPY/ADD read of a tree of files to find and checksum its sources:
 * the build context's in-memory index (context-index.ts), or a directory
 * on disk (another stage's root, a downloaded URL, a context that had to be
 * extracted). Paths are relative to the tree's root, '/'-separated, '' = the
 * root. Both give the same answers for the same files, so a checksum does
 * not depend on where the tree lives.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { resolveInRoot } from '../container-root/user.js';

export interface TreeStat {
  /** st_mode as lstat(2) gives it: type bits and permissions. */
  mode: number;
  isDir: boolean;
  isFile: boolean;
  isSymlink: boolean;
}

export interface SourceTree {
  lstat(rel: string): Promise<TreeStat | null>;
  /** Names in a directory, sorted (JS string order). */
  list(rel: string): Promise<string[]>;
  /** A regular file: hex sha256 of its bytes; a symlink: its target. */
  contentDigest(rel: string): Promise<string>;
  /** `rel` with symlinks followed inside the tree (resolveInRoot's rules); null = missing. */
  resolve(rel: string): Promise<string | null>;
}

/** Files up to this size are hashed from one read; larger ones are streamed. */
const WHOLE_READ_MAX = 4 << 20;

/** A directory on disk as a SourceTree. */
export function diskTree(root: string): SourceTree {
  const abs = (rel: string) => (rel ? path.join(root, rel) : root);
  return {
    async lstat(rel) {
      const st = await fs.lstat(abs(rel)).catch(() => null);
      return st && { mode: st.mode, isDir: st.isDirectory(), isFile: st.isFile(), isSymlink: st.isSymbolicLink() };
    },
    async list(rel) {
      return (await fs.readdir(abs(rel))).sort((a, b) => (a < b ? -1 : 1));
    },
    async contentDigest(rel) {
      const p = abs(rel);
      const st = await fs.lstat(p);
      if (st.isSymbolicLink()) return fs.readlink(p);
      const h = createHash('sha256');
      // Small files in one read (most of a context); large ones streamed.
      if (st.size <= WHOLE_READ_MAX) h.update(await fs.readFile(p));
      else for await (const chunk of createReadStream(p, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
      return h.digest('hex');
    },
    async resolve(rel) {
      const found = rel === '' ? root : resolveInRoot(root, rel);
      return found === null ? null : path.relative(root, found).split(path.sep).join('/');
    },
  };
}

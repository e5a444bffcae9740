/**
 * Turns a layer's AUFS-style whiteouts into overlay whiteouts:
 *   `dir/.wh.name`    → `dir/name` as a 0/0 character device;
 *   `dir/.wh..wh..opq` → xattr trusted.overlay.opaque=y on `dir`.
 *
 * Node can neither mknod(2) nor setxattr(2). Rather than one host binary per
 * whiteout, berth writes one small tar of exactly those device nodes and
 * opaque directory entries (with SCHILY.xattr PAX records) and has GNU tar
 * (the distribution's, through ../host/tar.ts) extract it in a single call per layer. Every path
 * is checked first: its parents must be real directories inside the layer
 * (no symlink anywhere on the way), so GNU tar never follows one out.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { invalid, systemError } from '../errors.js';
import { buildTarExtractArgs, runTar } from '../host/tar.js';
import { tarChunks, type TarItem } from './tar-writer.js';

export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_MARKER = '.wh..wh..opq';
export const OPAQUE_XATTR = 'trusted.overlay.opaque';

export interface Whiteouts {
  /** Relative paths (no leading '/') of entries the layer deletes. */
  deleted: string[];
  /** Relative paths of directories the layer makes opaque ('' = the root). */
  opaque: string[];
}

/**
 * Classifies a tar entry path: a whiteout, an opaque marker, or neither.
 * Pure. The path is normalized ('./a/.wh.b' → 'a/b'); a whiteout whose
 * name would be '.', '..' or empty is refused (invalid-parameter).
 */
export function classifyWhiteout(entryPath: string): { kind: 'none' } | { kind: 'deleted' | 'opaque'; target: string } {
  const clean = path.posix.normalize(entryPath.replace(/^\/+/, '')).replace(/\/+$/, '');
  const base = path.posix.basename(clean);
  if (!base.startsWith(WHITEOUT_PREFIX)) return { kind: 'none' };
  const dir = path.posix.dirname(clean) === '.' ? '' : path.posix.dirname(clean);
  if (dir === '..' || dir.startsWith('../')) throw invalid('BERTH_IMAGE_BAD_ARCHIVE', `invalid tar archive: whiteout outside the layer: ${entryPath}`);
  if (base === OPAQUE_MARKER) return { kind: 'opaque', target: dir };
  const name = base.slice(WHITEOUT_PREFIX.length);
  if (name === '' || name === '.' || name === '..' || name.startsWith(WHITEOUT_PREFIX)) {
    throw invalid('BERTH_IMAGE_BAD_ARCHIVE', `invalid tar archive: bad whiteout name ${entryPath}`);
  }
  return { kind: 'deleted', target: dir ? `${dir}/${name}` : name };
}

/** Ensures every component of `rel` below `root` is a real directory (creating missing ones). */
async function ensureRealDirs(root: string, rel: string): Promise<void> {
  let cur = root;
  for (const part of rel.split('/').filter(Boolean)) {
    cur = path.join(cur, part);
    const st = await fs.lstat(cur).catch(() => null);
    if (!st) {
      await fs.mkdir(cur, { mode: 0o755 });
      continue;
    }
    if (!st.isDirectory()) throw invalid('BERTH_IMAGE_BAD_ARCHIVE', `invalid tar archive: whiteout under a non-directory: ${rel}`);
  }
}

async function whiteoutItems(root: string, w: Whiteouts): Promise<TarItem[]> {
  const items: TarItem[] = [];
  for (const target of [...new Set(w.deleted)]) {
    await ensureRealDirs(root, path.posix.dirname(target) === '.' ? '' : path.posix.dirname(target));
    // The layer itself also has the name: keep what it ships.
    if (await fs.lstat(path.join(root, target)).catch(() => null)) continue;
    items.push({ entry: { name: target, type: 'char', mode: 0, devmajor: 0, devminor: 0 } });
  }
  for (const dir of [...new Set(w.opaque)]) {
    await ensureRealDirs(root, dir);
    const st = await fs.lstat(path.join(root, dir));
    items.push({
      entry: {
        name: dir ? `${dir}/` : './',
        type: 'dir',
        mode: st.mode & 0o7777,
        uid: st.uid,
        gid: st.gid,
        mtime: Math.floor(st.mtimeMs / 1000),
        xattrs: { [OPAQUE_XATTR]: 'y' },
      },
    });
  }
  return items;
}

/** Applies `w` inside `root` (a layer's diff dir) with one GNU tar run. No whiteouts → no run. */
export async function applyWhiteouts(root: string, w: Whiteouts): Promise<void> {
  if (w.deleted.length === 0 && w.opaque.length === 0) return;
  const items = await whiteoutItems(root, w);
  if (items.length === 0) return;
  const run = await runTar(buildTarExtractArgs({ dir: root, xattrsInclude: OPAQUE_XATTR }), await collect(tarChunks(items)), 120_000);
  if (!run.ok) throw systemError('BERTH_LAYER_WHITEOUTS', `making overlay whiteouts: ${run.message}`);
}

/** Whiteout tars are one or two blocks per entry: held in memory. */
async function collect(chunks: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of chunks) parts.push(c);
  return Buffer.concat(parts);
}

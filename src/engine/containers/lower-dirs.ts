/**
 * Looking a path up in an image's lower dirs as overlayfs would see it:
 * top-down, one component at a time with lstat (never following a symlink
 * of a layer), honouring whiteouts of higher layers. Synchronous: a few
 * lstat calls on berth's own disk (see init-layer.ts, diff.ts).
 */
import type { Stats } from 'node:fs';
import path from 'node:path';
import { lstatOrNull } from '../host/read-sync.js';

/** True for an overlay whiteout: a character device 0/0. */
export function isWhiteoutStat(st: { isCharacterDevice(): boolean; rdev: number }): boolean {
  return st.isCharacterDevice() && st.rdev === 0;
}

/** What `rel` is in one layer dir: its lstat, whited out, or absent (a non-directory on the way = absent). */
function inLayer(layer: string, rel: string): Stats | 'whiteout' | 'absent' {
  let cur = layer;
  const parts = rel.split('/');
  for (let i = 0; i < parts.length; i++) {
    cur = path.join(cur, parts[i]);
    const st = lstatOrNull(cur);
    if (!st) return 'absent';
    if (isWhiteoutStat(st)) return 'whiteout';
    if (i < parts.length - 1 && !st.isDirectory()) return 'absent';
    if (i === parts.length - 1) return st;
  }
  return 'absent';
}

/** The lstat of `rel` in the image whose lower dirs (absolute, top-most first) are `lowers`; null when the image has nothing there. */
export function lstatInLowers(lowers: string[], rel: string): Stats | null {
  for (const layer of lowers) {
    const where = inLayer(layer, rel);
    if (where !== 'absent') return where === 'whiteout' ? null : where;
  }
  return null;
}

/** Whether `rel` exists in the image whose lower dirs (absolute, top-most first) are `lowers`. */
export function existsInLowers(lowers: string[], rel: string): boolean {
  return lstatInLowers(lowers, rel) !== null;
}

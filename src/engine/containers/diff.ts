/**
 * `docker diff`: what a container changed, read from its overlay upper dir
 * (no mount needed, so it works running or stopped):
 * - a 0/0 character device is a whiteout → Deleted (2), reported once (a
 *   deleted directory's contents are not listed);
 * - any other entry that also exists in the image → Changed (0) (a copied-up
 *   parent directory, an opaque directory, a rewritten file);
 * - else → Added (1), and its contents too.
 * "Exists in the image" walks the lower dirs top-down, one path component
 * at a time with lstat (never following a symlink of a layer), honouring
 * whiteouts of higher layers.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { ContainerChange } from '../api/files.js';
import { containerFiles } from '../paths.js';
import type { ContainerContext } from './context.js';
import { INIT_LAYER } from './init-layer.js';
import { existsInLowers, isWhiteoutStat } from './lower-dirs.js';
import { findContainer } from './resolve.js';

/** The changes under `upper` against `lowers`, sorted by path. */
export async function upperChanges(upper: string, lowers: string[]): Promise<ContainerChange[]> {
  const out: ContainerChange[] = [];
  const walk = async (rel: string, parentAdded: boolean): Promise<void> => {
    const dir = path.join(upper, rel);
    const names = await fs.readdir(dir).catch(() => [] as string[]);
    for (const name of names) {
      const childRel = rel ? `${rel}/${name}` : name;
      const st = await fs.lstat(path.join(upper, childRel));
      if (isWhiteoutStat(st)) {
        out.push({ path: `/${childRel}`, kind: 2 });
        continue;
      }
      const added = parentAdded || !existsInLowers(lowers, childRel);
      out.push({ path: `/${childRel}`, kind: added ? 1 : 0 });
      if (st.isDirectory()) await walk(childRel, added);
    }
  };
  await walk('', false);
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * Paths berth's runtime setup makes in every root (mount points of the
 * default mounts and of the etc files): Docker keeps them in an init layer
 * below the container's, so `docker diff` never shows them.
 */
export const INIT_PATHS = new Set(['/dev', '/dev/mqueue', ...INIT_LAYER.keys()]);

/**
 * Drops init paths, then directories that are only "changed" because one
 * of those was created in them (kind 0 with nothing left below). Pure.
 */
export function withoutInitPaths(changes: ContainerChange[]): ContainerChange[] {
  const kept = changes.filter((c) => !(INIT_PATHS.has(c.path) && c.kind !== 2));
  const initParents = new Set([...INIT_PATHS].map((p) => path.posix.dirname(p)));
  return kept.filter((c) => c.kind !== 0 || !initParents.has(c.path) || kept.some((o) => o.path.startsWith(`${c.path}/`)));
}

/** `GET /containers/{id}/changes`. */
export async function containerChanges(ctx: ContainerContext, ref: string): Promise<ContainerChange[]> {
  const row = findContainer(ctx, ref);
  const image = ctx.images.resolve(row.spec.imageId);
  const lowers = ctx.images.lowerDirs(image).map((l) => path.resolve(ctx.images.overlayRoot, l));
  return withoutInitPaths(await upperChanges(containerFiles(ctx.paths.containerDir(row.id)).upper, lowers));
}

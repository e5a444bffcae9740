/**
 * `docker image prune`: which images to remove (pruneCandidates, pure) and
 * their removal (pruneImages).
 *
 * Filters as dockerd reads them:
 * - dangling=true (the default) → untagged images only; false → every
 *   image no container uses (`prune -a`); true and false at once → error;
 * - label=<k>|<k>=<v> (all must match), label!=… (not all may match);
 * - until=<time>: created at or before it (unix seconds, RFC 3339, or a Go
 *   duration such as 24h / 90m ago); one value only.
 * Parsing and those rules are the shared filters module's (../filters).
 * Images any container uses (in any state) are never candidates.
 */
import type pino from 'pino';
import type { ImagesRepo } from '../../db/images-repo.js';
import type { Filters } from '../filters/index.js';
import type { ImageDeleteItem, ImagePruneResult } from '../api/images.js';
import { parseFilters } from '../filters/index.js';
import type { LayerStore } from './layer-store.js';
import { familiarReference } from '../model/reference.js';
import type { ImageRecord } from '../model/image.js';
import { pruneParents } from './parent-prune.js';

const PRUNE_KEYS = new Set(['dangling', 'label', 'label!', 'until']);

/** The images `filters` select for pruning, among those no container uses. */
export function pruneCandidates(images: ImageRecord[], filters: Filters, inUse: (id: string) => boolean, now = Date.now()): ImageRecord[] {
  const args = parseFilters(filters, PRUNE_KEYS);
  const danglingOnly = args.bool('dangling', true);
  const createdUntil = args.createdUntil(now);
  // A build's intermediate images are parents of others: like dockerd, they are not dangling.
  const parents = new Set(images.map((i) => i.parent).filter(Boolean));
  return images.filter((img) => {
    if (inUse(img.id)) return false;
    if (parents.has(img.id) && img.tags.length === 0) return false;
    if (danglingOnly && img.tags.length > 0) return false;
    if (!args.matchLabelFilters(img.config.labels)) return false;
    return createdUntil(img.created);
  });
}

export interface PruneCtx {
  repo: ImagesRepo<ImageRecord>;
  layers: LayerStore;
  log: pino.Logger;
  inUse: (id: string) => boolean;
}

/**
 * Removes the candidates (caller holds the store lock): tags first, then
 * the image rows (one transaction each), then the layer dirs no image uses
 * any more. SpaceReclaimed counts only those layers' bytes.
 */
export async function pruneImages(filters: Filters, ctx: PruneCtx): Promise<ImagePruneResult> {
  const deleted: ImageDeleteItem[] = [];
  let spaceReclaimed = 0;
  for (const image of pruneCandidates(ctx.repo.list(), filters, ctx.inUse)) {
    const sizes = new Map(ctx.repo.layers(image.id).map((l) => [l.id, l.size]));
    for (const t of image.tags) {
      ctx.repo.removeTag(t);
      deleted.push({ untagged: familiarReference(t) });
    }
    const unreferenced = ctx.repo.deleteImage(image.id);
    deleted.push({ deleted: image.id });
    if (unreferenced.length) await ctx.repo.durable();
    for (const layerId of unreferenced) {
      deleted.push({ deleted: `sha256:${layerId}` });
      spaceReclaimed += sizes.get(layerId) ?? 0;
      await ctx.layers.removeLayer(layerId).catch((err: unknown) => ctx.log.warn({ err, layerId }, 'removing layer dir failed'));
    }
    const parents = await pruneParents(image.parent, ctx);
    deleted.push(...parents.items);
    spaceReclaimed += parents.bytes;
  }
  if (deleted.length) ctx.log.info({ deleted: deleted.length, spaceReclaimed }, 'images pruned');
  return { deleted, spaceReclaimed };
}

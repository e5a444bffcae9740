/**
 * After an image is deleted, its parent chain (a build's intermediate
 * images, a commit's parent) goes too while each parent is untagged, has no
 * other child and no container uses it: what dockerd's image delete does
 * unless `noprune`. The caller holds the store lock.
 */
import type pino from 'pino';
import type { ImagesRepo } from '../../db/images-repo.js';
import type { ImageDeleteItem } from '../api/images.js';
import type { LayerStore } from './layer-store.js';
import type { ImageRecord } from '../model/image.js';

export interface ParentPruneCtx {
  repo: ImagesRepo<ImageRecord>;
  layers: LayerStore;
  log: pino.Logger;
  inUse(id: string): boolean;
  /** Reports each deleted image (the image events of a delete). */
  emit?: (action: 'delete', imageId: string, name: string) => void;
}

/** Deletes the untagged, unused, childless ancestors of a deleted image; returns the delete items and the bytes freed. */
export async function pruneParents(parentId: string, ctx: ParentPruneCtx): Promise<{ items: ImageDeleteItem[]; bytes: number }> {
  const items: ImageDeleteItem[] = [];
  let bytes = 0;
  for (let id = parentId; id;) {
    const p = ctx.repo.get(id);
    if (!p || p.tags.length > 0 || ctx.inUse(p.id)) break;
    if (ctx.repo.list().some((i) => i.parent === p.id)) break;
    const sizes = new Map(ctx.repo.layers(p.id).map((l) => [l.id, l.size]));
    items.push({ deleted: p.id });
    ctx.emit?.('delete', p.id, p.id);
    const unreferenced = ctx.repo.deleteImage(p.id);
    if (unreferenced.length) await ctx.repo.durable();
    for (const layerId of unreferenced) {
      items.push({ deleted: `sha256:${layerId}` });
      bytes += sizes.get(layerId) ?? 0;
      await ctx.layers.removeLayer(layerId).catch((err: unknown) => ctx.log.warn({ err, layerId }, 'removing layer dir failed'));
    }
    id = p.parent;
  }
  return { items, bytes };
}

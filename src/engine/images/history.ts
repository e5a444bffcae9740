/**
 * `docker history`: one row per history entry of the image config, newest
 * first. The top row carries the image ID and tags; so does each row that
 * an image of the parent chain (a build's steps, a commit's parent) ends
 * on, as dockerd shows locally built images; every other row's ID is
 * "<missing>" (pulled, loaded, imported layers). A row that made a layer
 * shows that layer's unpacked size; an empty_layer row shows 0. Pure.
 */
import type { ImageHistoryItem } from '../api/images.js';
import type { ImageRecord } from '../model/image.js';

/**
 * `layerSizes`: the image's layer sizes, bottom first. Without history (an
 * image built by a tool that writes none) each layer gets a row of its own.
 */
export function imageHistory(image: ImageRecord, layerSizes: number[], parents: ImageRecord[] = []): ImageHistoryItem[] {
  const entries = image.history.length
    ? image.history
    : layerSizes.map(() => ({ created: image.created, createdBy: '', comment: '', author: '', emptyLayer: false }));
  let layer = 0;
  const rows = entries.map((h) => {
    const size = h.emptyLayer ? 0 : (layerSizes[layer++] ?? 0);
    const created = Math.floor(Date.parse(h.created) / 1000);
    return { id: '<missing>', created: Number.isFinite(created) ? created : 0, createdBy: h.createdBy, tags: [] as string[], size, comment: h.comment };
  });
  for (const p of parents) {
    const row = rows[p.history.length - 1];
    if (p.history.length > 0 && row) Object.assign(row, { id: p.id, tags: p.tags });
  }
  rows.reverse();
  if (rows.length) Object.assign(rows[0], { id: image.id, tags: image.tags });
  return rows;
}

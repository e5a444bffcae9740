/**
 * `docker image prune`: which images to remove (pruneCandidates, pure) and
 * their removal (pruneImages).
 *
 * Filters as dockerd reads them:
 * - dangling=true (the default) → untagged images only; false → every
 *   image no container uses (`prune -a`);
 * - label=<k>|<k>=<v> (all must match), label!=<k>|<k>=<v> (none may match);
 * - until=<time>: created before it (unix seconds, RFC 3339, or a Go
 *   duration such as 24h / 90m ago).
 * Images any container uses (in any state) are never candidates.
 */
import type pino from 'pino';
import type { ImagesRepo } from '../../db/images-repo.js';
import type { Filters, ImageDeleteItem, ImagePruneResult } from '../api.js';
import { invalid } from '../errors.js';
import type { LayerStore } from './layer-store.js';
import { familiarReference } from './reference.js';
import type { ImageRecord } from './types.js';

const KNOWN = new Set(['dangling', 'label', 'label!', 'until']);

const badFilter = (detail: string) => invalid('BERTH_IMAGE_BAD_FILTER', detail);

function danglingOnly(values: string[] | undefined): boolean {
  if (!values || values.length === 0) return true;
  const v = values[values.length - 1].toLowerCase();
  if (['true', '1'].includes(v)) return true;
  if (['false', '0'].includes(v)) return false;
  throw badFilter(`Invalid filter 'dangling=${v}'`);
}

function labelMatches(labels: Record<string, string>, spec: string): boolean {
  const eq = spec.indexOf('=');
  if (eq < 0) return Object.hasOwn(labels, spec);
  const k = spec.slice(0, eq);
  return Object.hasOwn(labels, k) && labels[k] === spec.slice(eq + 1);
}

const DURATION_RE = /^(?:\d+(?:\.\d+)?(?:h|m|s|ms))+$/;
const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };

/** A filter time value in unix ms (relative durations count back from `now`). */
export function parseUntil(value: string, now: number): number {
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  if (DURATION_RE.test(value)) {
    let ms = 0;
    for (const m of value.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)) ms += Number(m[1]) * UNIT_MS[m[2]];
    return now - ms;
  }
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw badFilter(`failed to parse value ${JSON.stringify(value)} as a time`);
  return t;
}

/** The images `filters` select for pruning, among those no container uses. */
export function pruneCandidates(images: ImageRecord[], filters: Filters, inUse: (id: string) => boolean, now = Date.now()): ImageRecord[] {
  for (const key of filters.keys()) if (!KNOWN.has(key)) throw badFilter(`Invalid filter '${key}'`);
  const dangling = danglingOnly(filters.get('dangling'));
  const labels = filters.get('label') ?? [];
  const notLabels = filters.get('label!') ?? [];
  const until = (filters.get('until') ?? []).map((v) => parseUntil(v, now));
  return images.filter((img) => {
    if (inUse(img.id)) return false;
    if (dangling && img.tags.length > 0) return false;
    if (!labels.every((l) => labelMatches(img.config.labels, l))) return false;
    if (notLabels.some((l) => labelMatches(img.config.labels, l))) return false;
    const created = Date.parse(img.created);
    return until.every((u) => created < u);
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
    for (const layerId of unreferenced) {
      deleted.push({ deleted: `sha256:${layerId}` });
      spaceReclaimed += sizes.get(layerId) ?? 0;
      await ctx.layers.removeLayer(layerId).catch((err: unknown) => ctx.log.warn({ err, layerId }, 'removing layer dir failed'));
    }
  }
  if (deleted.length) ctx.log.info({ deleted: deleted.length, spaceReclaimed }, 'images pruned');
  return { deleted, spaceReclaimed };
}

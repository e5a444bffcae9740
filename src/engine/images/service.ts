/**
 * The image store: records in SQLite (ImagesRepo), layers on disk
 * (LayerStore), and the ImagesApi the facade exposes.
 *
 * Ordering rules that keep disk and rows consistent:
 * - import: extract to a tmp dir (no lock) → under the store lock, rename the
 *   layer into place and insert all rows in one transaction;
 * - remove: under the store lock, delete rows (one transaction) → then delete
 *   the layer dirs the transaction named unreferenced.
 * A crash between the steps leaves a layer dir without a row; collectGarbage()
 * at startup removes it. The lock keeps a remove from deleting a layer dir that
 * a concurrent import has just decided to reuse.
 */
import type pino from 'pino';
import type { Db } from '../../db/database.js';
import { ImagesRepo, type LayerRow } from '../../db/images-repo.js';
import type { ImageDeleteItem, ImagesApi, ImageView, ImportImageOptions } from '../api/images.js';
import { noSuchImage } from '../errors.js';
import { applyChanges, emptyRuntimeConfig } from './changes.js';
import { filterImages } from './image-filters.js';
import { goArch, recordFromConfig, serializeImageConfig, type ImageConfigInput } from './image-config.js';
import { planImageRemoval, type ImageUser } from './image-remove.js';
import { openLayerStore, type LayerStore } from './layer-store.js';
import { familiarReference, isFullImageId, isImageIdLike, newImageTag, normalizeReference, normalizeRepoTag } from '../model/reference.js';
import type { ImageRecord } from '../model/image.js';
import { imageHistory } from './history.js';
import { loadImages } from './load.js';
import { pruneImages } from './prune.js';
import { saveImages } from './save.js';
import { commitImage, type CommitImageInput } from './commit-image.js';
import { pruneParents } from './parent-prune.js';
import { faultPoint } from '../fault.js';

export interface ImageServiceDeps {
  db: Db;
  dataRoot: string;
  log: pino.Logger;
  /** Containers whose image is `imageId` (any state). */
  containersUsing: (imageId: string) => ImageUser[];
}

export interface ImageService extends ImagesApi {
  /**
   * Finds an image like dockerd: a full ID (`sha256:<64hex>` or bare 64 hex);
   * else a reference (normalized, `:latest` added) naming a tag; else a unique
   * ID prefix (with or without `sha256:`). Throws not-found "No such image: <ref>".
   */
  resolve(ref: string): ImageRecord;
  count(): number;
  /**
   * Lower dirs for the overlay mount, relative to overlayRoot, top-most
   * first. Never empty. Answered from the repo's remembered layout (no
   * query after the image's first use); throws not-found for an image ID
   * that has no row.
   */
  lowerDirs(image: Pick<ImageRecord, 'id'>): string[];
  /**
   * What a container view shows of its image, by image ID, without reading
   * the image record: lower dirs as lowerDirs() and the size. Undefined when
   * the image is gone (force-removed while containers used it).
   */
  viewLayout(imageId: string): { lowerDirs: string[]; size: number } | undefined;
  readonly overlayRoot: string;
  /** The image's layers (store id and size), bottom first (none for an image ID without a row): for `system df`'s shared sizes and the init layer's place. Remembered as lowerDirs. */
  layerSizes(imageId: string): Array<{ id: string; size: number }>;
  /** Removes tmp-* dirs and layer dirs/links that have no row. Startup only. Returns the removed names. */
  collectGarbage(): Promise<string[]>;
  /** `docker commit`'s image half: a `.wh.`-format layer tar on top of `input.parent` becomes a new image. */
  commit(input: CommitImageInput): Promise<{ id: string }>;
  /** The store itself, for the registry client (pull and push record through it, under its lock). */
  readonly store: { repo: ImagesRepo<ImageRecord>; layers: LayerStore; serial: Serial };
}

const IMPORT_CREATED_BY = 'Imported from -';

export function createImageService(deps: ImageServiceDeps): ImageService {
  const repo = new ImagesRepo<ImageRecord>(deps.db);
  const layers = openLayerStore(deps.dataRoot);
  const log = deps.log.child({ component: 'images' });
  const serial = serialQueue();

  const view = (img: ImageRecord): ImageView => ({ ...img, containers: deps.containersUsing(img.id).length });
  const resolve = (ref: string): ImageRecord => resolveImage(repo, ref).image;

  return {
    overlayRoot: layers.overlayRoot,
    store: { repo, layers, serial },
    resolve,
    count: () => repo.count(),
    layerSizes: (imageId) => (repo.layout(imageId)?.layers ?? []).map((l) => ({ id: l.id, size: l.size })),
    lowerDirs: (image) => {
      const layout = repo.layout(image.id);
      if (!layout) throw noSuchImage(image.id);
      return lowerDirsOf(layout.layers, layers);
    },
    viewLayout: (imageId) => {
      const layout = repo.layout(imageId);
      return layout && { lowerDirs: lowerDirsOf(layout.layers, layers), size: layout.size };
    },
    collectGarbage: async () => {
      const removed = await serial(() => layers.collectGarbage(new Set(repo.allLayerIds())));
      if (removed.length) log.info({ removed }, 'removed unreferenced layer data');
      return removed;
    },
    import: (opts) => importImage(opts, { repo, layers, serial, log }),
    commit: (input) => commitImage(input, { repo, layers, serial, log }),
    list: async ({ all, filters }) => filterImages(hideIntermediate(repo.list(), all), filters, resolve).map(view),
    inspect: async (ref) => view(resolve(ref)),
    tag: async (ref, repoName, tag) => {
      const image = resolve(ref);
      const normalized = normalizeRepoTag(repoName, tag);
      repo.addTag(normalized, image.id);
      faultPoint('tag.after-record');
    },
    remove: (ref, opts) => serial(() => removeImage(ref, opts, { repo, layers, log, users: deps.containersUsing })),
    load: (source) => loadImages(source, { repo, layers, serial, log }),
    save: (refs) => saveImages(refs, { repo, layers, resolve }),
    history: async (ref) => {
      const image = resolve(ref);
      return imageHistory(
        image,
        repo.layers(image.id).map((l) => l.size),
        parentChain(repo, image),
      );
    },
    prune: (filters) => serial(() => pruneImages(filters, { repo, layers, log, inUse: (id) => deps.containersUsing(id).length > 0 })),
  };
}

/** Without `all`, untagged images that are another image's parent (a build's intermediate steps) are hidden, as dockerd does. */
function hideIntermediate(images: ImageRecord[], all: boolean): ImageRecord[] {
  if (all) return images;
  const parents = new Set(images.map((i) => i.parent).filter(Boolean));
  return images.filter((i) => i.tags.length > 0 || !parents.has(i.id));
}

/** The image's ancestors still in the store (nearest first), while each one's history is a prefix of the next. */
function parentChain(repo: ImagesRepo<ImageRecord>, image: ImageRecord): ImageRecord[] {
  const out: ImageRecord[] = [];
  for (let cur = image; cur.parent;) {
    const p = repo.get(cur.parent);
    if (!p || p.history.length > cur.history.length || out.length > 1000) break;
    out.push(p);
    cur = p;
  }
  return out;
}

function lowerDirsOf(rows: readonly LayerRow[], layers: LayerStore): string[] {
  if (rows.length === 0) return [layers.emptyLower];
  return rows.map((l) => layers.lowerPath(l.link)).reverse();
}

interface ResolvedImage {
  image: ImageRecord;
  /** The normalized tag the ref named; null when it named the ID. */
  tag: string | null;
}

function resolveImage(repo: ImagesRepo<ImageRecord>, ref: string): ResolvedImage {
  if (isFullImageId(ref)) {
    const image = repo.get(ref.startsWith('sha256:') ? ref : `sha256:${ref}`);
    if (image) return { image, tag: null };
    throw noSuchImage(ref);
  }
  // A digest reference names the image by digest alone ("repo:tag@sha256:…" → "repo@sha256:…"), as dockerd reads it.
  const normalized = tryNormalize(ref)?.replace(/:[^/@]+@/, '@');
  const tagged = normalized ? (normalized.includes('@') ? repo.findByDigest(normalized) : repo.findByTag(normalized)) : undefined;
  if (tagged && normalized) return { image: tagged, tag: normalized };
  if (isImageIdLike(ref)) {
    const ids = repo.findIdsByPrefix(ref.startsWith('sha256:') ? ref : `sha256:${ref}`);
    const image = ids.length === 1 ? repo.get(ids[0]) : undefined;
    if (image) return { image, tag: null };
  }
  // dockerd names a missing image by its familiar reference, the default tag added ("No such image: x:latest").
  throw noSuchImage(normalized && !normalized.includes('@') ? familiarReference(normalized) : ref);
}

function tryNormalize(ref: string): string | null {
  try {
    return normalizeReference(ref);
  } catch {
    return null;
  }
}

interface ImportCtx {
  repo: ImagesRepo<ImageRecord>;
  layers: LayerStore;
  serial: Serial;
  log: pino.Logger;
}

async function importImage(opts: ImportImageOptions, ctx: ImportCtx): Promise<{ id: string }> {
  // Everything the client could get wrong is checked before the upload is read.
  const tag = newImageTag(opts.repo, opts.tag, 'import');
  const runtimeConfig = applyChanges(emptyRuntimeConfig(), opts.changes);
  const pending = await ctx.layers.extractLayer(opts.source);
  const created = new Date().toISOString();
  const input: ImageConfigInput = {
    created,
    architecture: goArch(),
    os: 'linux',
    author: '',
    comment: opts.message,
    config: runtimeConfig,
    diffIds: [`sha256:${pending.digest}`],
    history: [{ created, createdBy: IMPORT_CREATED_BY, comment: opts.message, author: '', emptyLayer: false }],
  };
  const { json, id } = serializeImageConfig(input);
  return ctx
    .serial(async () => {
      const layer = await pending.commit();
      const record = recordFromConfig(input, id, { layerIds: [layer.layerId], size: layer.size });
      const row: LayerRow = { id: layer.layerId, diffId: layer.diffId, size: layer.size, link: layer.link, createdAt: Date.now() };
      ctx.repo.insert({ record, config: json, layers: [row], tags: tag ? [tag] : [] });
      ctx.log.info({ imageId: id, tag }, 'image imported');
      return { id };
    })
    .finally(() => pending.discard());
}

interface RemoveCtx {
  repo: ImagesRepo<ImageRecord>;
  layers: LayerStore;
  log: pino.Logger;
  users(imageId: string): ImageUser[];
}

async function removeImage(ref: string, { force, noprune }: { force: boolean; noprune: boolean }, ctx: RemoveCtx): Promise<ImageDeleteItem[]> {
  const { image, tag } = resolveImage(ctx.repo, ref);
  const plan = planImageRemoval({ image, ref, tag, users: ctx.users(image.id), force });
  const items: ImageDeleteItem[] = [];
  for (const t of plan.untag) {
    if (t.includes('@')) ctx.repo.removeDigest(t);
    else ctx.repo.removeTag(t);
    faultPoint('rmi.after-untag');
    items.push({ untagged: familiarReference(t) });
  }
  if (!plan.delete) return items;
  const unreferenced = ctx.repo.deleteImage(image.id);
  faultPoint('rmi.after-record');
  if (unreferenced.length) await ctx.repo.durable();
  items.push({ deleted: image.id });
  for (const layerId of unreferenced) {
    items.push({ deleted: `sha256:${layerId}` });
    // The rows are gone; a failure here leaves only garbage for the next startup.
    await ctx.layers.removeLayer(layerId).catch((err: unknown) => ctx.log.warn({ err, layerId }, 'removing layer dir failed'));
    faultPoint('rmi.after-layer-remove');
  }
  ctx.log.info({ imageId: image.id, layers: unreferenced.length }, 'image deleted');
  if (!noprune) items.push(...(await pruneParents(image.parent, { ...ctx, inUse: (id) => ctx.users(id).length > 0 })).items);
  return items;
}

type Serial = <T>(fn: () => Promise<T>) => Promise<T>;

/** Runs functions one at a time, in call order (a one-key async mutex). */
function serialQueue(): Serial {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(fn: () => Promise<T>): Promise<T> => {
    const run = tail.then(fn, fn);
    tail = run.catch(() => {});
    return run;
  };
}

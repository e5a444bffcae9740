/**
 * `docker save`: images as one docker-archive tar, in the classic layout
 * that every `docker load` (before and after Docker 25) and podman accept:
 *
 *   <diffid-hex>/VERSION, <diffid-hex>/json, <diffid-hex>/layer.tar
 *   <config-hex>.json       the exact config bytes (so the image ID round-trips)
 *   manifest.json           [{Config, RepoTags, Layers}]
 *   repositories            {repo: {tag: <top layer dir>}}
 *
 * A layer shared by several images is written once. layer.tar is the
 * original tar berth kept at import/load, so its digest is the diff ID.
 * Everything is resolved before the first byte, so a bad name is an
 * ordinary error and not a broken stream.
 */
import fs from 'node:fs/promises';
import type { ImagesRepo } from '../../db/images-repo.js';
import { noSuchImage, systemError } from '../errors.js';
import type { LayerStore } from './layer-store.js';
import { familiarReference, parseReference, repositoryOf } from '../model/reference.js';
import { tarChunks, type TarItem } from './tar-writer.js';
import type { ImageRecord } from '../model/image.js';

export interface SaveCtx {
  repo: ImagesRepo<ImageRecord>;
  layers: LayerStore;
  resolve(ref: string): ImageRecord;
}

interface SavedImage {
  image: ImageRecord;
  /** Normalized tags to write. */
  tags: string[];
}

/**
 * Which images and tags `refs` name. A repository without tag or digest
 * ("busybox") means every tag of that repository, as dockerd does; an ID
 * means the image without tags; a reference its own tag.
 */
export function selectImages(refs: string[], ctx: Pick<SaveCtx, 'repo' | 'resolve'>): SavedImage[] {
  const byId = new Map<string, SavedImage>();
  const add = (image: ImageRecord, tags: string[]) => {
    const entry = byId.get(image.id) ?? { image, tags: [] };
    for (const t of tags) if (!entry.tags.includes(t)) entry.tags.push(t);
    byId.set(image.id, entry);
  };
  for (const ref of refs) {
    const repoTags = repositoryTags(ref, ctx.repo);
    if (repoTags.length) {
      for (const { image, tag } of repoTags) add(image, [tag]);
      continue;
    }
    const image = ctx.resolve(ref);
    const tagged = image.tags.find((t) => safeNormalizedEquals(t, ref));
    add(image, tagged ? [tagged] : []);
  }
  return [...byId.values()];
}

function repositoryTags(ref: string, repo: ImagesRepo<ImageRecord>): Array<{ image: ImageRecord; tag: string }> {
  let repository: string;
  try {
    const p = parseReference(ref);
    if (p.tag || p.digest) return [];
    repository = `${p.domain}/${p.path}`;
  } catch {
    return [];
  }
  return repo.list().flatMap((image) => image.tags.filter((t) => repositoryOf(t) === repository).map((tag) => ({ image, tag })));
}

function safeNormalizedEquals(normalized: string, ref: string): boolean {
  try {
    const p = parseReference(ref);
    return `${p.domain}/${p.path}:${p.tag || 'latest'}` === normalized;
  } catch {
    return false;
  }
}

const hex = (digest: string) => digest.replace(/^sha256:/, '');

/** The archive entries for `images` (layer files are stat'ed now and streamed later). */
export async function archiveItems(images: SavedImage[], ctx: SaveCtx): Promise<TarItem[]> {
  const items: TarItem[] = [];
  const manifest: unknown[] = [];
  const repositories: Record<string, Record<string, string>> = {};
  const written = new Set<string>();
  for (const { image, tags } of images) {
    const mtime = Math.floor(Date.parse(image.created) / 1000) || 0;
    const config = ctx.repo.config(image.id);
    if (config === undefined) throw noSuchImage(image.id);
    const layerPaths: string[] = [];
    for (let i = 0; i < image.layerIds.length; i++) {
      const dir = hex(image.diffIds[i]);
      layerPaths.push(`${dir}/layer.tar`);
      if (written.has(dir)) continue;
      written.add(dir);
      items.push(...(await layerItems(dir, image.layerIds[i], i > 0 ? hex(image.diffIds[i - 1]) : '', mtime, ctx)));
    }
    items.push(fileItem(`${hex(image.id)}.json`, Buffer.from(config), mtime));
    manifest.push({ Config: `${hex(image.id)}.json`, RepoTags: tags.length ? tags.map(familiarReference) : null, Layers: layerPaths });
    const top = layerPaths.length ? layerPaths[layerPaths.length - 1].split('/')[0] : '';
    for (const t of tags) {
      const fam = familiarReference(t);
      const colon = fam.lastIndexOf(':');
      (repositories[fam.slice(0, colon)] ??= {})[fam.slice(colon + 1)] = top;
    }
  }
  items.push(fileItem('manifest.json', Buffer.from(JSON.stringify(manifest)), 0));
  if (Object.keys(repositories).length) items.push(fileItem('repositories', Buffer.from(`${JSON.stringify(repositories)}\n`), 0));
  return items;
}

function fileItem(name: string, content: Buffer, mtime: number): TarItem {
  return { entry: { name, type: 'file', mode: 0o644, mtime, size: content.length }, content };
}

async function layerItems(dir: string, layerId: string, parentDir: string, mtime: number, ctx: SaveCtx): Promise<TarItem[]> {
  const tarPath = ctx.layers.tarPath(layerId);
  const st = await fs.stat(tarPath).catch(() => null);
  if (!st) throw systemError('BERTH_IMAGE_NO_LAYER_TAR', `layer ${layerId} has no stored tar (stored by an older berth); remove and re-load the image`);
  const json = JSON.stringify({ id: dir, ...(parentDir ? { parent: parentDir } : {}), created: new Date(mtime * 1000).toISOString() });
  return [
    { entry: { name: `${dir}/`, type: 'dir', mode: 0o755, mtime } },
    fileItem(`${dir}/VERSION`, Buffer.from('1.0'), mtime),
    fileItem(`${dir}/json`, Buffer.from(json), mtime),
    { entry: { name: `${dir}/layer.tar`, type: 'file', mode: 0o644, mtime, size: st.size }, content: { path: tarPath } },
  ];
}

/** Resolves `refs` and returns the archive as a chunk stream. Throws not-found before streaming. */
export async function saveImages(refs: string[], ctx: SaveCtx): Promise<AsyncIterable<Buffer>> {
  const items = await archiveItems(selectImages(refs, ctx), ctx);
  return tarChunks(items);
}

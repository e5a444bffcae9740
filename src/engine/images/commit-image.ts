/**
 * The image half of `docker commit`: a layer tar (already in Docker's
 * `.wh.` format) on top of a parent image becomes a new image.
 *
 * Order, as for import: the tar is extracted into a tmp-* dir without the
 * store lock (its bytes kept as the layer's layer.tar, so save hands out
 * exactly what was hashed); then, under the lock, the layer is renamed into
 * place under its chain ID and the image recorded in one transaction. A
 * crash before the transaction leaves only garbage that startup removes.
 */
import type { Readable } from 'node:stream';
import type pino from 'pino';
import type { ImagesRepo, LayerRow } from '../../db/images-repo.js';
import { chainIds } from './config-parse.js';
import { recordFromConfig, serializeImageConfig, type ImageConfigInput } from './image-config.js';
import type { LayerStore } from './layer-store.js';
import type { ImageRecord, ImageRuntimeConfig } from '../model/image.js';
import { faultPoint } from '../fault.js';

export interface CommitImageInput {
  parent: ImageRecord;
  /**
   * The new layer: a plain tar with `.wh.` whiteouts; null = no layer (a
   * config-only build step: the history entry is marked empty_layer).
   */
  layer: Readable | null;
  /** When the layer turns out to be the empty tar, record no layer (as dockerd's builder does). */
  emptyIfUnchanged?: boolean;
  config: ImageRuntimeConfig;
  comment: string;
  author: string;
  /** History's created_by (Docker: the container's Cmd joined by spaces). */
  createdBy: string;
  /** Normalized reference to point at the new image; null = untagged. */
  tag: string | null;
}

export interface CommitImageCtx {
  repo: ImagesRepo<ImageRecord>;
  layers: LayerStore;
  serial: <T>(fn: () => Promise<T>) => Promise<T>;
  log: pino.Logger;
}

/** The new image's config: the parent's, plus the layer, a history row and the given runtime config. Pure. */
export function childImageConfig(input: Omit<CommitImageInput, 'layer' | 'tag'>, diffId: string | null, created: string): ImageConfigInput {
  const { parent } = input;
  return {
    created,
    architecture: parent.architecture,
    os: parent.os || 'linux',
    author: input.author,
    comment: input.comment,
    config: input.config,
    diffIds: diffId ? [...parent.diffIds, diffId] : [...parent.diffIds],
    history: [...parent.history, { created, createdBy: input.createdBy, comment: input.comment, author: input.author, emptyLayer: diffId === null }],
  };
}

/** sha256 of 1024 zero bytes: the diff ID of a layer with no change. */
export const EMPTY_TAR_DIGEST = '5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef';

export async function commitImage(input: CommitImageInput, ctx: CommitImageCtx): Promise<{ id: string }> {
  if (input.layer === null) return commitConfigOnly(input, ctx);
  const pending = await ctx.layers.extractLayer(input.layer);
  if (input.emptyIfUnchanged && pending.digest === EMPTY_TAR_DIGEST) {
    await pending.discard();
    return commitConfigOnly(input, ctx);
  }
  try {
    const diffId = `sha256:${pending.digest}`;
    const cfg = childImageConfig(input, diffId, new Date().toISOString());
    const { json, id } = serializeImageConfig(cfg);
    const chain = chainIds(cfg.diffIds);
    return await ctx.serial(async () => {
      const parentRows = ctx.repo.layers(input.parent.id);
      if (parentRows.length !== input.parent.diffIds.length) throw new Error(`parent image ${input.parent.id} is gone or incomplete`);
      const layer = await pending.commit(chain[chain.length - 1]);
      faultPoint('commit.after-layer-rename');
      const row: LayerRow = { id: layer.layerId, diffId: layer.diffId, size: layer.size, link: layer.link, createdAt: Date.now() };
      const rows = [...parentRows, row];
      const record = { ...recordFromConfig(cfg, id, { layerIds: chain, size: rows.reduce((n, r) => n + r.size, 0) }), parent: input.parent.id };
      ctx.repo.insert({ record, config: json, layers: rows, tags: input.tag ? [input.tag] : [] });
      ctx.log.info({ imageId: id, parent: input.parent.id, tag: input.tag }, 'image committed');
      return { id };
    });
  } finally {
    await pending.discard();
  }
}

/** A child image that shares every layer of its parent (only the config and history change). */
async function commitConfigOnly(input: CommitImageInput, ctx: CommitImageCtx): Promise<{ id: string }> {
  const cfg = childImageConfig(input, null, new Date().toISOString());
  const { json, id } = serializeImageConfig(cfg);
  return ctx.serial(async () => {
    const rows = ctx.repo.layers(input.parent.id);
    if (rows.length !== input.parent.diffIds.length) throw new Error(`parent image ${input.parent.id} is gone or incomplete`);
    const record = { ...recordFromConfig(cfg, id, { layerIds: chainIds(cfg.diffIds), size: rows.reduce((n, r) => n + r.size, 0) }), parent: input.parent.id };
    ctx.repo.insert({ record, config: json, layers: [...rows], tags: input.tag ? [input.tag] : [] });
    return { id };
  });
}

/**
 * `docker load`: an uploaded archive becomes images in the store.
 *
 * Order (each image whole or not at all):
 * 1. the upload is extracted (safely, no whiteout handling) into a tmp-*
 *    dir under the overlay root, so a crash leaves only garbage that
 *    startup collects;
 * 2. the manifest is read, every config's digest and layer path checked;
 * 3. under the store lock: every layer not yet stored is extracted and its
 *    digest compared with the config's diff ID — any mismatch fails the
 *    whole load before anything is placed;
 * 4. layers are renamed into place (named by chain ID) and each image is
 *    recorded in one transaction. A crash between placing and recording
 *    leaves layer dirs without rows, removed at the next start.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type pino from 'pino';
import type { ImagesRepo, LayerRow } from '../../db/images-repo.js';
import type { ImageRecord } from '../model/image.js';
import { EngineError, invalid } from '../errors.js';
import { readArchive, type ArchiveImage } from './archive-manifest.js';
import { chainIds, parseImageConfig, sha256Digest } from './config-parse.js';
import { recordFromConfig } from './image-config.js';
import type { LayerStore, PendingLayer } from './layer-store.js';
import { untarLayer } from './safe-untar.js';
import { faultPoint } from '../fault.js';

export interface LoadCtx {
  repo: ImagesRepo<ImageRecord>;
  layers: LayerStore;
  serial: <T>(fn: () => Promise<T>) => Promise<T>;
  log: pino.Logger;
}

export interface LoadedImage {
  id: string;
  /** Normalized references now pointing at it. */
  tags: string[];
}

/** Loads every image of the archive in `source`. Bad input → invalid-parameter, nothing recorded. */
export async function loadImages(source: Readable, ctx: LoadCtx): Promise<LoadedImage[]> {
  const tmp = await fsp.mkdtemp(path.join(ctx.layers.overlayRoot, 'tmp-load-'));
  try {
    await untarLayer(source, tmp).catch((err: unknown) => {
      throw err instanceof EngineError && /TAR_(BAD_ARCHIVE|ENTRY_INVALID|ABORT)/.test(err.message) ? notATar(err) : err;
    });
    faultPoint('load.after-untar');
    const images = await readArchive(await fsp.realpath(tmp));
    if (images.length === 0) throw invalid('BERTH_IMAGE_BAD_ARCHIVE', 'invalid image archive: no images in it');
    return await ctx.serial(() => storeImages(images, ctx));
  } finally {
    await fsp.rm(tmp, { recursive: true, force: true });
  }
}

/**
 * dockerd's text for an upload that is not a (complete) tar: Go's archive/tar
 * reports input shorter than one header as an unexpected EOF, anything else
 * as an invalid header.
 */
function notATar(err: EngineError): EngineError {
  const detail = err.message.includes('TAR_BAD_ARCHIVE') ? 'unexpected EOF' : 'archive/tar: invalid tar header';
  return invalid('BERTH_IMAGE_BAD_ARCHIVE', `Error processing tar file(exit status 1): ${detail}`, err);
}

/** Every stored layer row by id (rows are reached through the images that use them). */
function knownLayers(repo: ImagesRepo<ImageRecord>): Map<string, LayerRow> {
  const map = new Map<string, LayerRow>();
  for (const img of repo.list()) for (const l of repo.layers(img.id)) map.set(l.id, l);
  return map;
}

interface Planned {
  image: ArchiveImage;
  id: string;
  input: ReturnType<typeof parseImageConfig>;
  chain: string[];
}

async function storeImages(images: ArchiveImage[], ctx: LoadCtx): Promise<LoadedImage[]> {
  const known = knownLayers(ctx.repo);
  const pending = new Map<string, PendingLayer>();
  try {
    const plans = images.map(plan);
    for (const p of plans) await extractMissing(p, known, pending, ctx);
    const placed = new Map<string, LayerRow>();
    for (const [chainId, layer] of pending) {
      const done = await layer.commit(chainId);
      faultPoint('load.after-layer-rename');
      placed.set(chainId, { id: done.layerId, diffId: done.diffId, size: done.size, link: done.link, createdAt: Date.now() });
    }
    return plans.map((p) => record(p, (id) => placed.get(id) ?? known.get(id)!, ctx));
  } finally {
    for (const layer of pending.values()) await layer.discard();
  }
}

function plan(image: ArchiveImage): Planned {
  const input = parseImageConfig(image.config);
  if (input.diffIds.length !== image.layers.length) {
    throw invalid('BERTH_IMAGE_BAD_ARCHIVE', `invalid image archive: config lists ${input.diffIds.length} layers, manifest ${image.layers.length}`);
  }
  return { image, id: sha256Digest(image.config), input, chain: chainIds(input.diffIds) };
}

async function extractMissing(p: Planned, known: Map<string, LayerRow>, pending: Map<string, PendingLayer>, ctx: LoadCtx): Promise<void> {
  for (let i = 0; i < p.chain.length; i++) {
    const chainId = p.chain[i];
    if (known.has(chainId) || pending.has(chainId)) continue;
    const layer = await ctx.layers.extractLayer(fs.createReadStream(p.image.layers[i]));
    faultPoint('load.after-extract');
    pending.set(chainId, layer);
    if (`sha256:${layer.digest}` !== p.input.diffIds[i]) {
      throw invalid(
        'BERTH_IMAGE_BAD_ARCHIVE',
        `invalid image archive: layer ${i} of ${p.id} has diff ID sha256:${layer.digest}, config says ${p.input.diffIds[i]}`,
      );
    }
  }
}

function record(p: Planned, row: (id: string) => LayerRow, ctx: LoadCtx): LoadedImage {
  const rows = p.chain.map(row);
  const size = rows.reduce((n, r) => n + r.size, 0);
  const rec = recordFromConfig(p.input, p.id, { layerIds: p.chain, size });
  ctx.repo.insert({ record: rec, config: p.image.config, layers: rows, tags: p.image.tags });
  faultPoint('load.after-record');
  ctx.log.info({ imageId: p.id, tags: p.image.tags }, 'image loaded');
  return { id: p.id, tags: p.image.tags };
}

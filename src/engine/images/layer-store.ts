/**
 * Unpacked layers on disk, shared by every image that has them:
 *
 *   <overlayRoot>/<layerId>/diff     the layer's files (an overlay lower dir)
 *   <overlayRoot>/<layerId>/link     the layer's short link name
 *   <overlayRoot>/<layerId>/layer.tar the original uncompressed layer tar (save hands it out)
 *   <overlayRoot>/l/<short>          symlink → ../<layerId>/diff
 *   <overlayRoot>/empty              the lower dir of an image with no layer
 *   <overlayRoot>/tmp-*              extractions in progress (garbage after a crash)
 *
 * A layer appears under its final name only by rename(2) of a complete
 * directory, so a crash leaves at most a tmp-* dir. The layer ID is the
 * layer's chain ID; for a base layer (the only kind import makes) that is
 * its diff ID. Which layers are in use is recorded in SQLite, not here.
 */
import crypto from 'node:crypto';
import fsSync from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { systemError } from '../errors.js';
import { untarLayer } from './safe-untar.js';

export interface ImportedLayer {
  /** 64 hex: the directory name. */
  layerId: string;
  /** "sha256:<hex>" of the uncompressed tar. */
  diffId: string;
  /** Unpacked regular-file bytes. */
  size: number;
  /** The 26-char short link name under l/. */
  link: string;
}

/** A layer extracted into a tmp-* dir, not yet under its final name. */
export interface PendingLayer {
  /** 64 hex. */
  digest: string;
  size: number;
  /**
   * Renames into place (or reuses an identical existing layer). Call once.
   * `layerId` (64 hex): the directory name, the layer's chain ID; default
   * the diff digest (right for a base layer).
   */
  commit(layerId?: string): Promise<ImportedLayer>;
  /** Removes the tmp dir. Safe after commit. */
  discard(): Promise<void>;
}

export interface LayerStore {
  readonly overlayRoot: string;
  /** Extracts a plain/gzip tar into a layer; an existing identical layer is reused. */
  importLayerFromTar(source: Readable): Promise<ImportedLayer>;
  /**
   * The first half of importLayerFromTar: extraction only. Lets the caller
   * hold its store lock over commit + recording, but not over the upload.
   * A damaged or unsafe tar rejects with invalid-parameter, tmp dir removed.
   */
  extractLayer(source: Readable): Promise<PendingLayer>;
  /** Removes the layer's dir and its short link; missing → no-op. */
  removeLayer(layerId: string): Promise<void>;
  /** Removes tmp-* dirs, layer dirs not in `known`, and dangling short links. Returns what was removed. */
  collectGarbage(known: ReadonlySet<string>): Promise<string[]>;
  /** The layer's original uncompressed tar (absent for layers stored before berth kept it). */
  tarPath(layerId: string): string;
  /** Short-link path for a layer, relative to overlayRoot ("l/<short>"). */
  lowerPath(link: string): string;
  /** The empty lower dir (relative), for images with no layer. */
  readonly emptyLower: string;
}

const LAYER_ID_RE = /^[a-f0-9]{64}$/;
const LINK_RE = /^[A-Z0-9]{26}$/;
const LINK_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const LINK_DIR = 'l';
const EMPTY_DIR = 'empty';
const LAYER_TAR = 'layer.tar';

/** 26 random base32 characters: 130 bits, collisions are not a concern. */
export function randomLinkName(): string {
  const bytes = crypto.randomBytes(26);
  return Array.from(bytes, (b) => LINK_ALPHABET[b & 31]).join('');
}

/** Where the layer store of a data root lives. */
export function layerStoreRoot(dataRoot: string): string {
  return path.join(dataRoot, 'overlay');
}

/**
 * Opens (creating when missing, synchronously: it runs once at startup) the
 * layer store under `<dataRoot>/overlay`.
 */
export function openLayerStore(dataRoot: string): LayerStore {
  const root = layerStoreRoot(dataRoot);
  fsSync.mkdirSync(path.join(root, LINK_DIR), { recursive: true, mode: 0o700 });
  fsSync.mkdirSync(path.join(root, EMPTY_DIR), { recursive: true, mode: 0o755 });
  fsSync.chmodSync(root, 0o700);
  return {
    overlayRoot: root,
    emptyLower: EMPTY_DIR,
    lowerPath: (link) => `${LINK_DIR}/${link}`,
    tarPath: (layerId) => path.join(root, layerId, LAYER_TAR),
    extractLayer: (source) => extractLayer(root, source),
    importLayerFromTar: async (source) => (await extractLayer(root, source)).commit(),
    removeLayer: (layerId) => removeLayer(root, layerId),
    collectGarbage: (known) => collectGarbage(root, known),
  };
}

async function extractLayer(root: string, source: Readable): Promise<PendingLayer> {
  const tmp = await fs.mkdtemp(path.join(root, 'tmp-'));
  const discard = () => fs.rm(tmp, { recursive: true, force: true });
  try {
    const diff = path.join(tmp, 'diff');
    await fs.mkdir(diff, { mode: 0o755 });
    const { digest, size } = await untarLayer(source, diff, { whiteouts: true, keepTar: path.join(tmp, LAYER_TAR) });
    return { digest, size, discard, commit: (layerId = digest) => commitLayer(root, tmp, layerId, digest, size).finally(discard) };
  } catch (err) {
    await discard();
    throw err;
  }
}

async function commitLayer(root: string, tmp: string, layerId: string, digest: string, size: number): Promise<ImportedLayer> {
  if (!LAYER_ID_RE.test(layerId)) throw systemError('BERTH_LAYER_BAD_ID', `malformed layer id ${JSON.stringify(layerId)}`);
  const link = randomLinkName();
  await fs.writeFile(path.join(tmp, 'link'), link, { mode: 0o600 });
  const placed = await renameUnlessExists(tmp, path.join(root, layerId));
  const actualLink = placed ? link : await readLink(root, layerId);
  // A layer stored before berth kept tars gets this (identical) one.
  if (!placed) await fs.rename(path.join(tmp, LAYER_TAR), path.join(root, layerId, LAYER_TAR)).catch(() => {});
  await ensureShortLink(root, layerId, actualLink);
  return { layerId, diffId: `sha256:${digest}`, size, link: actualLink };
}

/** rename(2); false when the target already exists (the layer is shared). */
async function renameUnlessExists(from: string, to: string): Promise<boolean> {
  try {
    await fs.rename(from, to);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOTEMPTY' || code === 'EEXIST') return false;
    throw systemError('BERTH_LAYER_RENAME', `placing layer ${path.basename(to)}: ${(err as Error).message}`, err);
  }
}

async function readLink(root: string, layerId: string): Promise<string> {
  const link = (await fs.readFile(path.join(root, layerId, 'link'), 'utf8')).trim();
  if (!LINK_RE.test(link)) throw systemError('BERTH_LAYER_BAD_LINK', `layer ${layerId} has a malformed link file`);
  return link;
}

/** Creates l/<link> → ../<layerId>/diff when missing (it may be after a crash). */
async function ensureShortLink(root: string, layerId: string, link: string): Promise<void> {
  try {
    await fs.symlink(`../${layerId}/diff`, path.join(root, LINK_DIR, link));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}

async function removeLayer(root: string, layerId: string): Promise<void> {
  if (!LAYER_ID_RE.test(layerId)) throw systemError('BERTH_LAYER_BAD_ID', `refusing to remove layer with malformed id ${JSON.stringify(layerId)}`);
  const link = await readLink(root, layerId).catch(() => '');
  if (link) await fs.rm(path.join(root, LINK_DIR, link), { force: true });
  await fs.rm(path.join(root, layerId), { recursive: true, force: true });
}

async function collectGarbage(root: string, known: ReadonlySet<string>): Promise<string[]> {
  const garbage = await findLayerGarbage(root, known);
  for (const name of garbage) {
    if (LAYER_ID_RE.test(name)) await removeLayer(root, name);
    else await fs.rm(path.join(root, name), { recursive: true, force: true });
  }
  return garbage;
}

/**
 * What collectGarbage would remove, read only: tmp-* dirs, layer dirs not in
 * `known`, and short links not pointing at a known layer (as "l/<name>").
 * Also used by `berthd check`.
 */
export async function findLayerGarbage(root: string, known: ReadonlySet<string>): Promise<string[]> {
  const garbage: string[] = [];
  for (const name of await fs.readdir(root).catch(() => [] as string[])) {
    if (name.startsWith('tmp-') || (LAYER_ID_RE.test(name) && !known.has(name))) garbage.push(name);
  }
  for (const name of await fs.readdir(path.join(root, LINK_DIR)).catch(() => [] as string[])) {
    const target = await fs.readlink(path.join(root, LINK_DIR, name)).catch(() => '');
    const layerId = /^\.\.\/([a-f0-9]{64})\/diff$/.exec(target)?.[1];
    if (!layerId || !known.has(layerId)) garbage.push(`${LINK_DIR}/${name}`);
  }
  return garbage;
}

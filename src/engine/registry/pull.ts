/**
 * `docker pull`: reference → manifest (before any progress, so the caller
 * can still answer a plain error) → config → layers (pull-layers.ts) → under
 * the image store's lock, layers placed and the image, its tag and its
 * RepoDigest recorded in one transaction. The image ID is the config's
 * digest and the layers are unpacked by the same code as `docker load`, so
 * an image pulled is the same image (same ID, same layer IDs) as the one
 * loaded from an archive.
 */
import type pino from 'pino';
import type { ImagesRepo, LayerRow } from '../../db/images-repo.js';
import type { PullOptions } from '../api/registry.js';
import { invalid, systemError } from '../errors.js';
import { chainIds, parseImageConfig, sha256Digest } from '../images/config-parse.js';
import { goArch, recordFromConfig } from '../images/image-config.js';
import type { LayerStore, PendingLayer } from '../images/layer-store.js';
import { digestReference, familiarReference, formatReference, parseReference, pullReference, type ParsedReference } from '../model/reference.js';
import type { ImageRecord } from '../model/image.js';
import { fetchBlob } from './blobs.js';
import { resolveManifest, type ResolvedManifest } from './manifest-fetch.js';
import type { RegistryContext } from './client.js';
import type { RegistrySettings } from './hosts.js';
import { parsePlatform } from './manifest.js';
import { pullLayers, type LayerPlan } from './pull-layers.js';
import { listTags } from './tags.js';
import { faultPoint } from '../fault.js';

export interface StoreAccess {
  repo: ImagesRepo<ImageRecord>;
  layers: LayerStore;
  /** The image store's lock. */
  serial: <T>(fn: () => Promise<T>) => Promise<T>;
}

export interface PullDeps {
  ctx: RegistryContext;
  settings: RegistrySettings;
  store: StoreAccess;
  log: pino.Logger;
  /** Called after a pull or push was recorded (events); `reference` in familiar form. */
  onDone?(action: 'pull' | 'push', reference: string, imageId: string): void;
}

export async function pullImage(opts: PullOptions, deps: PullDeps): Promise<void> {
  const named = parseReference(opts.image);
  const ref = pullReference(opts.image, opts.tag);
  if (opts.tag !== '' || named.tag || named.digest) return pullOne(ref, opts, deps);
  const tags = await listTags({ ...ref, tag: '' }, deps, opts.credentials, opts.signal);
  for (const tag of tags) await pullOne({ ...ref, tag, digest: '' }, opts, deps);
}

async function pullOne(ref: ParsedReference, opts: PullOptions, deps: PullDeps): Promise<void> {
  const platform = parsePlatform(opts.platform, goArch());
  const resolved = await resolveManifest(ref, platform, deps, opts.credentials, opts.signal);
  // dockerd names the repository by its path alone ("library/busybox", "team/app"), without the registry.
  opts.onProgress({ kind: 'pulling-from', repository: ref.path, reference: ref.tag || ref.digest });
  const { id, upToDate } = await pullResolved(ref, resolved, opts, deps);
  opts.onProgress({ kind: 'digest', digest: resolved.digest });
  const shown = familiarReference(formatReference(ref));
  opts.onProgress({ kind: 'pull-status', upToDate, reference: shown });
  deps.onDone?.('pull', shown, id);
}

async function pullResolved(ref: ParsedReference, resolved: ResolvedManifest, opts: PullOptions, deps: PullDeps): Promise<{ id: string; upToDate: boolean }> {
  const { manifest, session } = resolved;
  const configBytes = await fetchBlob(session, manifest.config);
  const id = sha256Digest(configBytes);
  const config = configBytes.toString('utf8');
  const input = parseImageConfig(config);
  if (input.diffIds.length !== manifest.layers.length) {
    throw invalid('BERTH_REGISTRY_BAD_MANIFEST', `invalid manifest: ${manifest.layers.length} layers, but the image config lists ${input.diffIds.length}`);
  }
  const repository = `${ref.domain}/${ref.path}`;
  const tag = ref.tag ? `${repository}:${ref.tag}` : null;
  const digestRef = digestReference(repository, resolved.digest);
  const { repo, layers } = deps.store;
  const chain = chainIds(input.diffIds);
  const existing = repo.get(id);
  const upToDate = existing !== undefined && (tag ? repo.findByTag(tag)?.id === id : existing.repoDigests.includes(digestRef));
  const plans: LayerPlan[] = manifest.layers.map((desc, i) => ({ desc, chainId: chain[i], diffId: input.diffIds[i] }));
  const pending = existing
    ? new Map<string, PendingLayer>()
    : await pullLayers({ session, layers, plans, present: new Set(repo.allLayerIds()), onProgress: opts.onProgress, signal: opts.signal });
  faultPoint('pull.after-layers');
  try {
    await deps.store.serial(async () => {
      if (opts.signal.aborted) throw systemError('BERTH_REGISTRY_CANCELED', 'context canceled');
      const rows = await placeLayers(chain, pending, repo);
      faultPoint('pull.after-place');
      for (const p of plans) repo.rememberBlob({ diffId: p.diffId, repository, digest: p.desc.digest, size: p.desc.size });
      if (existing) {
        if (tag) repo.addTag(tag, id);
        repo.addDigest(digestRef, id);
        return;
      }
      const record = recordFromConfig(input, id, { layerIds: chain, size: rows.reduce((n, r) => n + r.size, 0) });
      repo.insert({ record, config, layers: rows, tags: tag ? [tag] : [], digests: [digestRef] });
      faultPoint('pull.after-record');
    });
  } finally {
    for (const p of pending.values()) await p.discard();
  }
  deps.log.info({ imageId: id, reference: formatReference(ref), digest: resolved.digest }, 'image pulled');
  return { id, upToDate };
}

/** Commits the pending layers (bottom first) and returns every layer's row; a layer removed meanwhile fails the pull. */
async function placeLayers(chain: string[], pending: Map<string, PendingLayer>, repo: ImagesRepo<ImageRecord>): Promise<LayerRow[]> {
  const rows: LayerRow[] = [];
  for (const chainId of chain) {
    const p = pending.get(chainId);
    if (p) {
      const done = await p.commit(chainId);
      rows.push({ id: done.layerId, diffId: done.diffId, size: done.size, link: done.link, createdAt: Date.now() });
      continue;
    }
    const row = rows.find((r) => r.id === chainId) ?? repo.layer(chainId);
    if (!row) throw systemError('BERTH_REGISTRY_LAYER_GONE', `layer ${chainId} was removed while the pull ran; pull again`);
    rows.push(row);
  }
  return rows;
}

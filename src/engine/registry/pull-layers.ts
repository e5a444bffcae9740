/**
 * The layer half of a pull: every layer whose chain ID is not in the store
 * is downloaded (up to 3 at once) into a temp file under the overlay root,
 * verified against its descriptor, then unpacked through the layer store
 * (the same path `docker load` takes) and checked against the config's
 * diff ID. Nothing is placed here: the caller commits the pending layers and
 * records the image together. A crash leaves only tmp-* garbage, which the
 * next start collects.
 */
import fs from 'node:fs';
import { Transform } from 'node:stream';
import type { LayerState, RegistryProgress } from '../api/registry.js';
import { invalid, systemError } from '../errors.js';
import type { LayerStore, PendingLayer } from '../images/layer-store.js';
import { DOWNLOAD_ATTEMPTS, downloadBlob, openVerifiedBlob } from './blobs.js';
import type { RepoSession } from './client.js';
import { checkLayerType, type Descriptor } from './manifest.js';
import path from 'node:path';

export const PARALLEL_TRANSFERS = 3;
const PROGRESS_INTERVAL_MS = 100;

export interface LayerPlan {
  desc: Descriptor;
  /** 64 hex: the layer's directory name. */
  chainId: string;
  /** "sha256:…" from the image config. */
  diffId: string;
}

export interface PullLayersInput {
  session: RepoSession;
  layers: LayerStore;
  plans: LayerPlan[];
  /** Chain IDs already in the store. */
  present: ReadonlySet<string>;
  onProgress: (event: RegistryProgress) => void;
  signal?: AbortSignal;
}

/** Short progress ID of a blob: 12 hex, as Docker shows it. */
export const shortDigest = (digest: string) => digest.replace(/^sha256:/, '').slice(0, 12);

/**
 * Downloads and unpacks the missing layers. Resolves to the pending layers
 * by chain ID; on failure every pending layer is discarded before rejecting.
 */
export async function pullLayers(input: PullLayersInput): Promise<Map<string, PendingLayer>> {
  const { plans, present, onProgress } = input;
  const layer = (desc: Descriptor, state: LayerState) => onProgress({ kind: 'layer', id: shortDigest(desc.digest), state });
  const missing = new Map<string, LayerPlan[]>();
  for (const p of plans) {
    if (present.has(p.chainId)) {
      layer(p.desc, 'already-exists');
      continue;
    }
    checkLayerType(p.desc);
    missing.set(p.desc.digest, [...(missing.get(p.desc.digest) ?? []), p]);
  }
  const blobs = [...missing.values()];
  for (const group of blobs) layer(group[0].desc, 'pulling-fs-layer');
  blobs.slice(PARALLEL_TRANSFERS).forEach((group) => layer(group[0].desc, 'waiting'));
  const pending = new Map<string, PendingLayer>();
  const tmp = await fs.promises.mkdtemp(path.join(input.layers.overlayRoot, 'tmp-pull-'));
  try {
    await runLimited(blobs, PARALLEL_TRANSFERS, (group) => pullBlob(group, tmp, pending, input));
    return pending;
  } catch (err) {
    for (const p of pending.values()) await p.discard();
    throw err;
  } finally {
    await fs.promises.rm(tmp, { recursive: true, force: true });
  }
}

/**
 * One blob: streamed straight into the layer store's unpack while it is
 * verified (a blob that turns out not to match fails its unpack, whose tmp
 * dir is then removed — nothing unverified is ever placed), or, when several
 * layers of the image are the same blob, downloaded once to a temp file.
 */
async function pullBlob(group: LayerPlan[], tmp: string, pending: Map<string, PendingLayer>, input: PullLayersInput): Promise<void> {
  if (group.length === 1) return streamBlob(group[0], pending, input);
  const { desc } = group[0];
  const id = shortDigest(desc.digest);
  const file = path.join(tmp, desc.digest.slice('sha256:'.length));
  const report = throttled((current) => input.onProgress({ kind: 'layer-progress', id, phase: 'downloading', current, total: desc.size }));
  await downloadBlob(input.session, desc, file, report.update, input.signal);
  report.flush();
  input.onProgress({ kind: 'layer', id, state: 'verifying-checksum' });
  input.onProgress({ kind: 'layer', id, state: 'download-complete' });
  for (const plan of group) {
    const extracting = throttled((current) => input.onProgress({ kind: 'layer-progress', id, phase: 'extracting', current, total: desc.size }));
    let read = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _e, done) {
        read += chunk.length;
        extracting.update(read);
        done(null, chunk);
      },
    });
    const layer = await input.layers.extractLayer(fs.createReadStream(file).pipe(counter));
    extracting.flush();
    if (`sha256:${layer.digest}` !== plan.diffId) {
      await layer.discard();
      throw diffIdMismatch(desc.digest, layer.digest, plan.diffId);
    }
    pending.set(plan.chainId, layer);
  }
  await fs.promises.rm(file, { force: true });
  input.onProgress({ kind: 'layer', id, state: 'pull-complete' });
}

async function streamBlob(plan: LayerPlan, pending: Map<string, PendingLayer>, input: PullLayersInput): Promise<void> {
  const { desc } = plan;
  const id = shortDigest(desc.digest);
  const report = throttled((current) => input.onProgress({ kind: 'layer-progress', id, phase: 'downloading', current, total: desc.size }));
  let layer: PendingLayer | undefined;
  for (let attempt = 1; !layer; attempt++) {
    const blob = await openVerifiedBlob(input.session, desc, report.update, input.signal);
    try {
      layer = await input.layers.extractLayer(blob.stream);
      if (!blob.stream.complete) {
        await layer.discard();
        throw invalid('BERTH_REGISTRY_DIGEST_MISMATCH', `filesystem layer verification failed for digest ${desc.digest}`);
      }
    } catch (err) {
      if (!blob.networkFailed() || attempt >= DOWNLOAD_ATTEMPTS)
        throw blob.networkFailed() ? systemError('BERTH_REGISTRY_DOWNLOAD', `fetching blob ${desc.digest}: the connection failed ${attempt} times`, err) : err;
      report.update(0);
    }
  }
  report.flush();
  input.onProgress({ kind: 'layer', id, state: 'verifying-checksum' });
  input.onProgress({ kind: 'layer', id, state: 'download-complete' });
  input.onProgress({ kind: 'layer-progress', id, phase: 'extracting', current: desc.size, total: desc.size });
  if (`sha256:${layer.digest}` !== plan.diffId) {
    await layer.discard();
    throw diffIdMismatch(desc.digest, layer.digest, plan.diffId);
  }
  pending.set(plan.chainId, layer);
  input.onProgress({ kind: 'layer', id, state: 'pull-complete' });
}

const diffIdMismatch = (digest: string, got: string, want: string) =>
  invalid('BERTH_REGISTRY_DIFF_ID_MISMATCH', `layer ${digest} unpacks to diff ID sha256:${got}, but the image config says ${want}`);

/** Calls `report` at most every PROGRESS_INTERVAL_MS; flush() sends the last value. */
function throttled(report: (current: number) => void): { update: (n: number) => void; flush: () => void } {
  let last = 0;
  let value = 0;
  let sent = -1;
  return {
    update: (n) => {
      value = n;
      const now = Date.now();
      if (now - last >= PROGRESS_INTERVAL_MS) {
        last = now;
        sent = n;
        report(n);
      }
    },
    flush: () => {
      if (sent !== value) report(value);
    },
  };
}

/** Runs `fn` over `items` with at most `limit` at once; the first failure rejects (the others are awaited). */
export async function runLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: unknown;
  const worker = async () => {
    while (failure === undefined && next < items.length) {
      const item = items[next++];
      try {
        await fn(item);
      } catch (err) {
        failure ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  // eslint-disable-next-line @typescript-eslint/only-throw-error -- rethrows what a worker caught, as caught
  if (failure !== undefined) throw failure;
}

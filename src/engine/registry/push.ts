/**
 * `docker push`: for each tag, every layer (up to 3 at once) is made
 * present in the repository — already there (HEAD), mounted from another
 * repository of the same registry that berth knows has it, or gzip-compressed
 * from the stored layer tar and uploaded — then the config blob, then a
 * Docker schema 2 manifest. The config bytes are the stored ones, so the
 * image ID survives push → rmi → pull; the gzip stream is deterministic
 * (zlib, fixed level, no name or time in the header), so pushing the same
 * layer twice gives the same blob digest.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { Readable, Transform } from 'node:stream';
import type { PushOptions, RegistryProgress } from '../api/registry.js';
import { invalid, notFound, systemError } from '../errors.js';
import { digestReference, familiarReference, parseReference, repositoryOf } from '../model/reference.js';
import type { ImageRecord } from '../model/image.js';
import { blobExists, mountBlob, uploadBlob } from './blobs.js';
import { RepoSession, registryError } from './client.js';
import { endpointsFor } from './hosts.js';
import { buildManifest, MEDIA, type Descriptor } from './manifest.js';
import { PARALLEL_TRANSFERS, runLimited, shortDigest } from './pull-layers.js';
import type { PullDeps } from './pull.js';

/** gzip level of pushed layers (Go's and zlib's default). */
const GZIP_LEVEL = 6;

export async function pushImage(opts: PushOptions, deps: PullDeps): Promise<void> {
  const ref = parseReference(opts.image);
  if (ref.digest) throw invalid('BERTH_REGISTRY_PUSH_DIGEST', 'cannot push a digest reference');
  const repository = `${ref.domain}/${ref.path}`;
  const tag = opts.tag || ref.tag;
  const { repo } = deps.store;
  const tags = tag
    ? [`${repository}:${tag}`]
    : repo
        .list()
        .flatMap((img) => img.tags)
        .filter((t) => repositoryOf(t) === repository)
        .sort();
  const images = tags.map((t) => ({ tag: t.slice(repository.length + 1), image: repo.findByTag(t) }));
  if (images.length === 0 || images.some((i) => !i.image)) {
    throw notFound('BERTH_REGISTRY_NO_LOCAL_IMAGE', `An image does not exist locally with the tag: ${familiarReference(repository)}`);
  }
  const endpoint = endpointsFor(ref.domain, deps.settings).at(-1)!;
  const extraScopes = mountSources(
    images.map((i) => i.image!),
    repository,
    ref.domain,
    deps,
  ).map((path) => `repository:${path}:pull`);
  const session = await RepoSession.open(deps.ctx, endpoint, {
    path: ref.path,
    actions: 'pull,push',
    extraScopes,
    credentials: opts.credentials,
    signal: opts.signal,
  });
  opts.onProgress({ kind: 'push-repository', repository });
  for (const { tag: t, image } of images) await pushTag(session, repository, t, image!, opts, deps);
}

/**
 * Other repositories of the same registry known to hold some of these
 * layers (pull scopes for cross-repository mounts; a few at most, as a token
 * request carries them all). Paths below the domain.
 */
function mountSources(images: ImageRecord[], repository: string, domain: string, deps: PullDeps): string[] {
  const found = new Set<string>();
  for (const image of images) {
    for (const diffId of image.diffIds) {
      for (const b of deps.store.repo.blobsOf(diffId)) {
        if (b.repository !== repository && b.repository.startsWith(`${domain}/`)) found.add(b.repository.slice(domain.length + 1));
      }
    }
  }
  return [...found].slice(0, 10);
}

async function pushTag(session: RepoSession, repository: string, tag: string, image: ImageRecord, opts: PushOptions, deps: PullDeps): Promise<void> {
  const { repo } = deps.store;
  const rows = repo.layers(image.id);
  const order = rows.map((row, i) => ({ row, diffId: image.diffIds[i] }));
  for (const l of [...order].reverse()) opts.onProgress({ kind: 'layer', id: shortDigest(l.diffId), state: 'preparing' });
  [...order]
    .reverse()
    .slice(PARALLEL_TRANSFERS)
    .forEach((l) => opts.onProgress({ kind: 'layer', id: shortDigest(l.diffId), state: 'waiting' }));
  const descriptors = new Map<string, Descriptor>();
  await runLimited(order, PARALLEL_TRANSFERS, async (l) => {
    descriptors.set(l.diffId, await pushLayer(session, repository, l.row.id, l.diffId, opts.onProgress, deps));
  });
  const config = Buffer.from(repo.config(image.id) ?? '');
  const configDesc: Descriptor = { mediaType: MEDIA.dockerConfig, digest: image.id, size: config.length };
  if ((await blobExists(session, image.id)) === null)
    await uploadBlob(
      session,
      configDesc,
      () => bufferStream(config),
      () => {},
    );
  const manifest = buildManifest(
    configDesc,
    order.map((l) => descriptors.get(l.diffId)!),
  );
  const res = await session.send('PUT', session.url(`manifests/${tag}`), { headers: { 'Content-Type': MEDIA.dockerManifest }, body: manifest });
  // dockerd passes the registry's errors on as they are.
  if (res.status !== 201 && res.status !== 200) throw await registryError(res, '');
  res.body.resume();
  const digest = `sha256:${createHash('sha256').update(manifest).digest('hex')}`;
  await deps.store.serial(async () => {
    if (repo.get(image.id)) repo.addDigest(digestReference(repository, digest), image.id);
  });
  opts.onProgress({ kind: 'pushed-tag', tag, digest, size: manifest.length });
  deps.onDone?.('push', familiarReference(`${repository}:${tag}`), image.id);
  deps.log.info({ imageId: image.id, repository, tag, digest }, 'image pushed');
}

/** Makes one layer present in the repository; returns its blob descriptor. */
async function pushLayer(
  session: RepoSession,
  repository: string,
  layerId: string,
  diffId: string,
  onProgress: (e: RegistryProgress) => void,
  deps: PullDeps,
): Promise<Descriptor> {
  const { repo, layers } = deps.store;
  const id = shortDigest(diffId);
  const domain = repository.slice(0, repository.indexOf('/'));
  const known = repo.blobsOf(diffId).filter((b) => b.repository.startsWith(`${domain}/`));
  for (const b of known.filter((k) => k.repository === repository)) {
    if ((await blobExists(session, b.digest)) !== null) return exists(b);
  }
  for (const b of known.filter((k) => k.repository !== repository)) {
    const from = b.repository.slice(domain.length + 1);
    if (await mountBlob(session, b.digest, from)) {
      onProgress({ kind: 'layer', id, state: 'mounted', from });
      return remember({ digest: b.digest, size: b.size });
    }
  }
  const tar = layers.tarPath(layerId);
  if (!fs.existsSync(tar))
    throw systemError('BERTH_REGISTRY_NO_LAYER_TAR', `layer ${layerId} has no stored tar (it predates berth keeping them); it cannot be pushed`);
  const tmp = await fs.promises.mkdtemp(path.join(layers.overlayRoot, 'tmp-push-'));
  try {
    const blob = await compress(tar, path.join(tmp, 'layer.tar.gz'));
    if ((await blobExists(session, blob.digest)) !== null) return exists(blob);
    await uploadBlob(
      session,
      { ...blob, mediaType: MEDIA.dockerLayerGzip },
      () => fs.createReadStream(blob.file),
      (current) => onProgress({ kind: 'layer-progress', id, phase: 'pushing', current, total: blob.size }),
    );
    onProgress({ kind: 'layer', id, state: 'pushed' });
    return remember(blob);
  } finally {
    await fs.promises.rm(tmp, { recursive: true, force: true });
  }

  function exists(b: { digest: string; size: number }): Descriptor {
    onProgress({ kind: 'layer', id, state: 'layer-already-exists' });
    return remember(b);
  }
  function remember(b: { digest: string; size: number }): Descriptor {
    repo.rememberBlob({ diffId, repository, digest: b.digest, size: b.size });
    return { mediaType: MEDIA.dockerLayerGzip, digest: b.digest, size: b.size };
  }
}

/** gzip of `src` into `dest`, hashed on the way. */
async function compress(src: string, dest: string): Promise<{ file: string; digest: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _e, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  await pipeline(fs.createReadStream(src), zlib.createGzip({ level: GZIP_LEVEL }), tap, fs.createWriteStream(dest, { mode: 0o600 }));
  return { file: dest, digest: `sha256:${hash.digest('hex')}`, size };
}

function bufferStream(bytes: Buffer): NodeJS.ReadableStream {
  return Readable.from([bytes]);
}

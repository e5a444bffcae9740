/**
 * Resolving a reference to an image manifest on a registry: the endpoints
 * of the domain are tried in order (mirrors first; a failing mirror moves on
 * to the next endpoint), a manifest list / OCI index is narrowed to the
 * wanted platform, and every manifest's bytes are size-limited and checked
 * against the digest that named them.
 */
import { createHash } from 'node:crypto';
import type { RegistryCredentials } from '../api/registry.js';
import { EngineError, invalid } from '../errors.js';
import { familiarReference, formatReference, type ParsedReference } from '../model/reference.js';
import { goMethod, readBody } from './http.js';
import { endpointsFor, type RegistrySettings } from './hosts.js';
import { RepoSession, registryError, type RegistryContext } from './client.js';
import { MANIFEST_ACCEPT, MANIFEST_MAX_BYTES, parseManifest, selectManifest, type ImageManifest, type ManifestIndex, type Platform } from './manifest.js';

export interface ResolvedManifest {
  session: RepoSession;
  manifest: ImageManifest;
  /** Digest of what the reference named (the index when it named one): the RepoDigest. */
  digest: string;
}

export interface FetchedManifest {
  doc: ImageManifest | ManifestIndex;
  bytes: Buffer;
  digest: string;
  mediaType: string;
}

/** Opens a session on the first endpoint that answers for the reference and resolves its manifest for `platform`. */
export async function resolveManifest(
  ref: ParsedReference,
  platform: Platform,
  deps: { ctx: RegistryContext; settings: RegistrySettings },
  credentials: RegistryCredentials | null,
  signal?: AbortSignal,
): Promise<ResolvedManifest> {
  const endpoints = endpointsFor(ref.domain, deps.settings);
  let lastError: unknown;
  for (const endpoint of endpoints) {
    try {
      const session = await RepoSession.open(deps.ctx, endpoint, {
        path: ref.path,
        actions: 'pull',
        credentials: endpoint.mirror ? null : credentials,
        signal,
      });
      const top = await fetchManifest(session, ref.digest || ref.tag, ref);
      if (top.doc.kind === 'manifest') return { session, manifest: top.doc, digest: top.digest };
      const chosen = selectManifest(top.doc, platform);
      const child = await fetchManifest(session, chosen.digest, ref);
      if (child.doc.kind !== 'manifest') throw invalid('BERTH_REGISTRY_BAD_MANIFEST', `invalid manifest: ${chosen.digest} in an index is itself an index`);
      return { session, manifest: child.doc, digest: top.digest };
    } catch (err) {
      lastError = err;
      if (!endpoint.mirror || signal?.aborted) throw err;
    }
  }
  throw lastError;
}

/** GET of one manifest by tag or digest; a digest reference must match the bytes. */
export async function fetchManifest(session: RepoSession, reference: string, ref: ParsedReference): Promise<FetchedManifest> {
  const url = session.url(`manifests/${reference}`);
  const res = await session.send('GET', url, { headers: { Accept: MANIFEST_ACCEPT } }).catch((err: unknown) => {
    // dockerd's manifest GET fails as Go's url.Error: `Get "<url>": no basic auth credentials`.
    if (err instanceof EngineError && err.code === 'BERTH_REGISTRY_NO_CREDENTIALS')
      throw new EngineError('unauthorized', 'BERTH_REGISTRY_NO_CREDENTIALS', `${goMethod('GET')} "${url.href}": ${err.message}`, { cause: err });
    throw err;
  });
  if (res.status === 404) {
    const err = await registryError(res, '');
    throw new EngineError('not-found', 'BERTH_REGISTRY_MANIFEST_UNKNOWN', `manifest for ${familiarReference(formatReference(ref))} not found${err.message}`);
  }
  if (res.status === 401) {
    const err = await registryError(res, `${goMethod('GET')} "${url.href}"`);
    throw new EngineError('unauthorized', 'BERTH_REGISTRY_UNAUTHORIZED', err.message);
  }
  if (res.status !== 200) throw await registryError(res, `fetching manifest ${reference}`);
  const declared = Number(res.headers['content-length'] ?? 0);
  if (declared > MANIFEST_MAX_BYTES) {
    res.body.destroy();
    throw invalid('BERTH_REGISTRY_MANIFEST_TOO_LARGE', `manifest ${reference} is ${declared} bytes, more than the ${MANIFEST_MAX_BYTES} berth accepts`);
  }
  const bytes = await readBody(res, MANIFEST_MAX_BYTES).catch((err: Error) => {
    throw invalid('BERTH_REGISTRY_MANIFEST_TOO_LARGE', `manifest ${reference}: ${err.message}`);
  });
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  if (reference.startsWith('sha256:') && digest !== reference) {
    throw invalid('BERTH_REGISTRY_DIGEST_MISMATCH', `manifest verification failed for digest ${reference}`);
  }
  const mediaType = String(res.headers['content-type'] ?? '');
  return { doc: parseManifest(bytes, mediaType), bytes, digest, mediaType };
}

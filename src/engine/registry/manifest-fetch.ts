/**
 * Resolving a reference to an image manifest on a registry: the endpoints
 * of the domain are tried in order (mirrors first; a failing mirror moves on
 * to the next endpoint), a manifest list / OCI index is narrowed to the
 * wanted platform, and every manifest's bytes are size-limited and checked
 * against the digest that named them.
 */
import { createHash } from 'node:crypto';
import type { RegistryCredentials } from '../api/registry.js';
import { EngineError, invalid, notFound } from '../errors.js';
import { familiarReference, formatReference, type ParsedReference } from '../model/reference.js';
import { goMethod, readBody } from './http.js';
import { endpointsFor, type RegistrySettings } from './hosts.js';
import { RepoSession, readRegistryAnswer, registryError, type RegistryAnswer, type RegistryContext } from './client.js';
import { formatRegistryErrors } from './errcode.js';
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
  if (res.status === 401 || res.status === 403 || res.status === 404) throw manifestRefused(await readRegistryAnswer(res), res.status, url, ref);
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

/**
 * dockerd's words for a manifest the registry will not give (its
 * translatePullError): a first error DENIED or NAME_UNKNOWN is "pull access
 * denied …" (404; what Docker Hub answers for a private or missing
 * repository), a 404 "manifest for … not found", a 401 Go's url.Error.
 */
function manifestRefused(answer: RegistryAnswer, status: number, url: URL, ref: ParsedReference): EngineError {
  const first = answer.entries[0];
  if (first && (first.code === 'DENIED' || first.code === 'NAME_UNKNOWN')) {
    const repository = familiarReference(`${ref.domain}/${ref.path}`);
    return notFound(
      'BERTH_REGISTRY_PULL_DENIED',
      `pull access denied for ${repository}, repository does not exist or may require 'docker login': ${formatRegistryErrors([first])}`,
    );
  }
  if (status === 404) return notFound('BERTH_REGISTRY_MANIFEST_UNKNOWN', `manifest for ${familiarReference(formatReference(ref))} not found: ${answer.detail}`);
  if (status === 401) return new EngineError('unauthorized', 'BERTH_REGISTRY_UNAUTHORIZED', `${goMethod('GET')} "${url.href}": ${answer.detail}`);
  return new EngineError('forbidden', 'BERTH_REGISTRY_DENIED', `${goMethod('GET')} "${url.href}": ${answer.detail}`);
}

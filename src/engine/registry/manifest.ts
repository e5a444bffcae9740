/**
 * Image manifests and indexes (Docker schema 2, OCI): parsing untrusted
 * bytes into what a pull needs, platform selection, and the manifest berth
 * pushes. Pure.
 */
import { invalid } from '../errors.js';

export const MEDIA = {
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  dockerForeignLayer: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  schema1: 'application/vnd.docker.distribution.manifest.v1+json',
  schema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
} as const;

/** What a pull asks for, best first. */
export const MANIFEST_ACCEPT = [MEDIA.dockerList, MEDIA.ociIndex, MEDIA.dockerManifest, MEDIA.ociManifest].join(', ');

/** A manifest or index is refused above this size (a hostile registry must not fill memory). */
export const MANIFEST_MAX_BYTES = 4 * 1024 * 1024;

const LAYER_TYPES = new Set<string>([MEDIA.dockerLayerGzip, MEDIA.ociLayer, MEDIA.ociLayerGzip, 'application/vnd.docker.image.rootfs.diff.tar']);
const DIGEST_RE = /^sha256:[a-f0-9]{64}$/;

export interface Descriptor {
  mediaType: string;
  /** "sha256:<hex>". */
  digest: string;
  size: number;
}

export interface Platform {
  os: string;
  architecture: string;
  variant: string;
}

export interface ImageManifest {
  kind: 'manifest';
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
}

export interface ManifestIndex {
  kind: 'index';
  mediaType: string;
  manifests: Array<Descriptor & { platform: Platform | null }>;
}

const bad = (detail: string) => invalid('BERTH_REGISTRY_BAD_MANIFEST', `invalid manifest: ${detail}`);
type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function descriptor(v: unknown, what: string): Descriptor {
  if (!isObject(v)) throw bad(`${what} is not an object`);
  const { mediaType, digest, size } = v;
  if (typeof digest !== 'string' || !DIGEST_RE.test(digest)) throw bad(`${what} has no sha256 digest`);
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw bad(`${what} has no valid size`);
  return { mediaType: typeof mediaType === 'string' ? mediaType : '', digest, size };
}

/**
 * Parses a manifest or index. `contentType` is the response's Content-Type
 * (the body's own mediaType wins when present). Schema 1 is refused.
 */
export function parseManifest(bytes: Buffer, contentType: string): ImageManifest | ManifestIndex {
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw bad((err as Error).message);
  }
  if (!isObject(doc)) throw bad('not a JSON object');
  const mediaType = typeof doc.mediaType === 'string' && doc.mediaType ? doc.mediaType : contentType.split(';')[0].trim();
  if (mediaType === MEDIA.schema1 || mediaType === MEDIA.schema1Signed || doc.schemaVersion === 1) {
    throw invalid('BERTH_REGISTRY_SCHEMA1', 'image manifest schema 1 is not supported (deprecated by Docker); push the image again with a current client');
  }
  if (Array.isArray(doc.manifests) || mediaType === MEDIA.dockerList || mediaType === MEDIA.ociIndex) {
    if (!Array.isArray(doc.manifests)) throw bad('index without manifests');
    return {
      kind: 'index',
      mediaType,
      manifests: doc.manifests.map((m, i) => ({ ...descriptor(m, `manifests[${i}]`), platform: platformOf((m as Json).platform) })),
    };
  }
  if (!Array.isArray(doc.layers)) throw bad('no layers');
  return { kind: 'manifest', mediaType, config: descriptor(doc.config, 'config'), layers: doc.layers.map((l, i) => descriptor(l, `layers[${i}]`)) };
}

function platformOf(v: unknown): Platform | null {
  if (!isObject(v)) return null;
  const text = (x: unknown) => (typeof x === 'string' ? x : '');
  return { os: text(v.os), architecture: text(v.architecture), variant: text(v.variant) };
}

/** Refuses a layer berth cannot unpack, before anything is downloaded. */
export function checkLayerType(layer: Descriptor): void {
  if (layer.mediaType === '' || LAYER_TYPES.has(layer.mediaType)) return;
  if (layer.mediaType.endsWith('+zstd')) {
    throw invalid('BERTH_REGISTRY_ZSTD', `layer ${layer.digest} is zstd-compressed (${layer.mediaType}); berth unpacks only gzip and uncompressed layers`);
  }
  if (layer.mediaType === MEDIA.dockerForeignLayer || layer.mediaType.includes('nondistributable')) {
    throw invalid('BERTH_REGISTRY_FOREIGN_LAYER', `layer ${layer.digest} is a foreign layer (${layer.mediaType}), which berth does not fetch`);
  }
  throw invalid('BERTH_REGISTRY_LAYER_TYPE', `unsupported layer media type ${layer.mediaType}`);
}

/**
 * Parses "os[/arch[/variant]]"; '' means linux on `hostArch`. Architecture
 * aliases are normalised as containerd does (x86_64 → amd64, aarch64 → arm64).
 */
export function parsePlatform(spec: string, hostArch: string): Platform {
  if (spec.trim() === '') return { os: 'linux', architecture: hostArch, variant: '' };
  const [os = '', arch = '', variant = '', ...rest] = spec.trim().toLowerCase().split('/');
  if (!os || rest.length) throw invalid('BERTH_REGISTRY_BAD_PLATFORM', `invalid platform ${JSON.stringify(spec)}: expected os[/arch[/variant]]`);
  const aliases: Record<string, string> = { x86_64: 'amd64', 'x86-64': 'amd64', aarch64: 'arm64', armhf: 'arm', armel: 'arm' };
  return { os, architecture: aliases[arch] ?? (arch || hostArch), variant };
}

/** The index entry for `want`: os and architecture must match; a wanted variant must match too. */
export function selectManifest(index: ManifestIndex, want: Platform): Descriptor {
  const candidates = index.manifests.filter((m) => m.platform && m.platform.os === want.os && m.platform.architecture === want.architecture);
  const exact = want.variant ? candidates.find((m) => m.platform?.variant === want.variant) : (candidates.find((m) => !m.platform?.variant) ?? candidates[0]);
  if (!exact) {
    const name = [want.os, want.architecture, want.variant].filter(Boolean).join('/');
    throw invalid('BERTH_REGISTRY_NO_PLATFORM', `no matching manifest for ${name} in the manifest list entries`);
  }
  return { mediaType: exact.mediaType, digest: exact.digest, size: exact.size };
}

/** The Docker schema 2 manifest berth pushes, serialized the way Docker does (3-space indent). */
export function buildManifest(config: Descriptor, layers: Descriptor[]): Buffer {
  const doc = {
    schemaVersion: 2,
    mediaType: MEDIA.dockerManifest,
    config: { mediaType: MEDIA.dockerConfig, size: config.size, digest: config.digest },
    layers: layers.map((l) => ({ mediaType: MEDIA.dockerLayerGzip, size: l.size, digest: l.digest })),
  };
  return Buffer.from(JSON.stringify(doc, null, 3));
}

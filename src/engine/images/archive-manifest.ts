/**
 * Reads an unpacked `docker load` archive (in a directory berth extracted
 * it into) and says which images it holds: docker-archive (manifest.json;
 * classic `<id>/layer.tar` or Docker 25+ `blobs/sha256/…` paths) or OCI
 * image layout (index.json, possibly nested indexes). Paths named by the
 * archive resolve inside its directory only; blobs named by digest are
 * verified against it.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { invalid } from '../errors.js';
import { goArch } from './image-config.js';
import { normalizeReference } from '../model/reference.js';

/** One image the archive holds. */
export interface ArchiveImage {
  /** Exact config bytes. */
  config: string;
  /** Absolute paths of the layer files (plain or gzip tar), bottom first. */
  layers: string[];
  /** Normalized references. */
  tags: string[];
}

const MAX_JSON = 16 * 1024 * 1024;
const DIGEST_RE = /^sha256:([a-f0-9]{64})$/;
const INDEX_TYPES = new Set(['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json']);

const bad = (detail: string) => invalid('BERTH_IMAGE_BAD_ARCHIVE', `invalid image archive: ${detail}`);

type Json = Record<string, unknown>;

/**
 * The absolute path of `rel` inside `root`: a regular file whose real path
 * (symlinks resolved, as classic archives link duplicate layers) stays
 * inside root. Anything else is invalid-parameter.
 */
export async function archiveFile(root: string, rel: unknown): Promise<string> {
  if (typeof rel !== 'string' || rel === '' || rel.includes('\0')) throw bad(`bad path ${JSON.stringify(rel)}`);
  const real = await fsp.realpath(path.join(root, rel)).catch(() => '');
  if (!real) throw bad(`${rel} is missing`);
  if (real !== root && !real.startsWith(`${root}/`)) throw bad(`${rel} points outside the archive`);
  if (!(await fsp.stat(real)).isFile()) throw bad(`${rel} is not a regular file`);
  return real;
}

async function readJson(root: string, rel: string): Promise<{ text: string; doc: unknown }> {
  const p = await archiveFile(root, rel);
  if ((await fsp.stat(p)).size > MAX_JSON) throw bad(`${rel} is too large`);
  const text = await fsp.readFile(p, 'utf8');
  try {
    return { text, doc: JSON.parse(text) };
  } catch (err) {
    throw bad(`${rel}: ${(err as Error).message}`);
  }
}

export async function hashFile(p: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of fs.createReadStream(p)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** A blob by descriptor digest, verified. */
async function blob(root: string, digest: unknown): Promise<string> {
  const m = typeof digest === 'string' ? DIGEST_RE.exec(digest) : null;
  if (!m) throw bad(`unsupported digest ${JSON.stringify(digest)}`);
  const p = await archiveFile(root, `blobs/sha256/${m[1]}`);
  if ((await hashFile(p)) !== m[1]) throw bad(`blob ${m[0]} does not match its digest`);
  return p;
}

function tagOf(ref: unknown): string[] {
  if (typeof ref !== 'string' || ref === '') return [];
  try {
    return [normalizeReference(ref)];
  } catch {
    throw bad(`bad image name ${JSON.stringify(ref)}`);
  }
}

/** Which images `root` (an extracted archive) holds; manifest.json wins over index.json as in Docker 25+. */
export async function readArchive(root: string): Promise<ArchiveImage[]> {
  if (fs.existsSync(path.join(root, 'manifest.json'))) return readDockerArchive(root);
  if (fs.existsSync(path.join(root, 'index.json'))) return readOciLayout(root);
  throw bad('neither manifest.json nor index.json found');
}

async function readDockerArchive(root: string): Promise<ArchiveImage[]> {
  const { doc } = await readJson(root, 'manifest.json');
  if (!Array.isArray(doc)) throw bad('manifest.json is not a list');
  const out: ArchiveImage[] = [];
  for (const item of doc as Json[]) {
    if (typeof item !== 'object' || item === null) throw bad('manifest.json entry is not an object');
    const configRel = typeof item.Config === 'string' ? item.Config : '';
    const { text } = await readJson(root, configRel);
    // The name of a config (`<hex>.json`, `blobs/sha256/<hex>`) is its digest.
    const named = /([a-f0-9]{64})(?:\.json)?$/.exec(configRel)?.[1];
    if (named && named !== createHash('sha256').update(text).digest('hex')) throw bad(`config ${configRel} does not match its digest`);
    if (!Array.isArray(item.Layers)) throw bad('manifest.json entry has no Layers list');
    const layers = await Promise.all((item.Layers as unknown[]).map((l) => archiveFile(root, l)));
    const tags = Array.isArray(item.RepoTags) ? (item.RepoTags as unknown[]).flatMap(tagOf) : [];
    out.push({ config: text, layers, tags });
  }
  return out;
}

async function readOciLayout(root: string): Promise<ArchiveImage[]> {
  const { doc } = await readJson(root, 'index.json');
  const out: ArchiveImage[] = [];
  for (const desc of manifestsOf(doc)) out.push(await ociImage(root, desc, 0));
  return out;
}

function manifestsOf(doc: unknown): Json[] {
  const list = (doc as Json)?.manifests;
  if (!Array.isArray(list)) throw bad('index has no manifests list');
  return list as Json[];
}

function descriptorName(desc: Json): string[] {
  const ann = (desc.annotations ?? {}) as Json;
  const full = ann['io.containerd.image.name'];
  if (full) return tagOf(full);
  // A bare ref.name is a tag only; with a "/" or ":" it is a full reference.
  const ref = ann['org.opencontainers.image.ref.name'];
  return typeof ref === 'string' && /[/:]/.test(ref) ? tagOf(ref) : [];
}

async function ociImage(root: string, desc: Json, depth: number): Promise<ArchiveImage> {
  if (depth > 4) throw bad('indexes nested too deeply');
  const text = await fsp.readFile(await blob(root, desc.digest), 'utf8');
  let doc: Json;
  try {
    doc = JSON.parse(text) as Json;
  } catch (err) {
    throw bad(`manifest ${String(desc.digest)}: ${(err as Error).message}`);
  }
  if (INDEX_TYPES.has(String(doc.mediaType ?? desc.mediaType)) || Array.isArray(doc.manifests)) {
    const pick = pickPlatform(manifestsOf(doc));
    const inner = await ociImage(root, pick, depth + 1);
    return { ...inner, tags: inner.tags.length ? inner.tags : descriptorName(desc) };
  }
  if (!doc.config || !Array.isArray(doc.layers)) throw bad(`manifest ${String(desc.digest)} has no config or layers`);
  const config = await fsp.readFile(await blob(root, (doc.config as Json).digest), 'utf8');
  const layers: string[] = [];
  for (const l of doc.layers as Json[]) layers.push(await blob(root, l.digest));
  return { config, layers, tags: descriptorName(desc) };
}

/** The linux/<this arch> entry of an index, else the first. */
function pickPlatform(list: Json[]): Json {
  if (list.length === 0) throw bad('empty index');
  return (
    list.find((m) => {
      const platform = m.platform as Json | undefined;
      return platform?.os === 'linux' && platform?.architecture === goArch();
    }) ?? list[0]
  );
}

/**
 * Image archive fixtures built in memory: layer tars (with whiteouts and
 * opaque directories), image configs, docker-archive and OCI-layout tars.
 * Built with berth's own tar writer; nothing comes from the network.
 */
import { createHash } from 'node:crypto';
import zlib from 'node:zlib';
import { tarChunks, type TarEntry, type TarItem } from '../../../src/engine/images/tar-writer.js';

export const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

async function collect(items: TarItem[]): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of tarChunks(items)) parts.push(c);
  return Buffer.concat(parts);
}

/** A file entry (string content) or a directory ('name/'). */
export type FixtureEntry = [name: string, content?: string] | { entry: TarEntry; content?: Buffer };

/** A tar of files ('a/b', 'text') and directories ('a/'). */
export function makeTar(entries: FixtureEntry[]): Promise<Buffer> {
  return collect(
    entries.map((e) => {
      if (!Array.isArray(e)) return e;
      const [name, content] = e;
      if (name.endsWith('/')) return { entry: { name, type: 'dir', mode: 0o755, mtime: 1_700_000_000 } };
      const body = Buffer.from(content ?? '');
      return { entry: { name, type: 'file', mode: 0o644, mtime: 1_700_000_000, size: body.length }, content: body };
    }),
  );
}

export interface FixtureImage {
  /** Layer tars, bottom first (plain). */
  layers: Buffer[];
  config: string;
  id: string;
  tags: string[];
}

/** An image config over `layers` with a history row per layer and `cmd`. */
export function makeImage(layers: Buffer[], tags: string[], opts: { cmd?: string[]; labels?: Record<string, string>; os?: string } = {}): FixtureImage {
  const created = '2024-01-02T03:04:05Z';
  const config = JSON.stringify({
    architecture: process.arch === 'x64' ? 'amd64' : process.arch,
    config: { Cmd: opts.cmd ?? ['sh'], ...(opts.labels ? { Labels: opts.labels } : {}) },
    created,
    history: layers.map((_, i) => ({ created, created_by: `layer ${i}` })).concat([{ created, created_by: 'CMD', empty_layer: true } as never]),
    os: opts.os ?? 'linux',
    rootfs: { type: 'layers', diff_ids: layers.map((l) => `sha256:${sha256(l)}`) },
  });
  return { layers, config, id: `sha256:${sha256(config)}`, tags };
}

const file = (name: string, content: Buffer): TarItem => ({
  entry: { name, type: 'file', mode: 0o644, size: content.length, mtime: 0 },
  content,
});

/** A docker-archive with every image; a layer shared by images is stored once. */
export function dockerArchive(images: FixtureImage[], opts: { layerName?: (hex: string) => string } = {}): Promise<Buffer> {
  const items: TarItem[] = [];
  const seen = new Set<string>();
  const manifest = images.map((img) => {
    const paths = img.layers.map((l) => {
      const hex = sha256(l);
      const name = opts.layerName ? opts.layerName(hex) : `${hex}/layer.tar`;
      if (!seen.has(name)) items.push(file(name, l));
      seen.add(name);
      return name;
    });
    items.push(file(`${img.id.slice(7)}.json`, Buffer.from(img.config)));
    return { Config: `${img.id.slice(7)}.json`, RepoTags: img.tags, Layers: paths };
  });
  items.push(file('manifest.json', Buffer.from(JSON.stringify(manifest))));
  return collect(items);
}

/** An OCI image layout archive (layers gzip-compressed), named by io.containerd.image.name. */
export async function ociArchive(images: FixtureImage[]): Promise<Buffer> {
  const blobs = new Map<string, Buffer>();
  const put = (b: Buffer) => {
    const d = sha256(b);
    blobs.set(d, b);
    return { digest: `sha256:${d}`, size: b.length };
  };
  const manifests = images.map((img) => {
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...put(Buffer.from(img.config)) },
        layers: img.layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...put(zlib.gzipSync(l)) })),
      }),
    );
    return {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      ...put(manifest),
      annotations: img.tags[0] ? { 'io.containerd.image.name': img.tags[0] } : {},
    };
  });
  const items: TarItem[] = [file('oci-layout', Buffer.from('{"imageLayoutVersion":"1.0.0"}'))];
  for (const [d, b] of blobs) items.push(file(`blobs/sha256/${d}`, b));
  items.push(file('index.json', Buffer.from(JSON.stringify({ schemaVersion: 2, manifests }))));
  return collect(items);
}

/** Layer 2 of the whiteout fixture: adds /new.txt, deletes /bin/ls and /etc/group, makes /etc opaque with only /etc/only. */
export function whiteoutLayer(): Promise<Buffer> {
  return makeTar([['new.txt', 'hi\n'], ['bin/'], ['bin/.wh.ls', ''], ['etc/'], ['etc/.wh..wh..opq', ''], ['etc/only', 'only\n']]);
}

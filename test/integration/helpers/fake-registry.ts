/**
 * A tiny distribution-API server on 127.0.0.1 for hostile-registry tests:
 * it serves one repository's manifests and blobs from memory, and a test
 * can override any path with its own (mis)behaviour.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import type net from 'node:net';
import zlib from 'node:zlib';

export type Route = (req: http.IncomingMessage, res: http.ServerResponse) => void;

export interface FakeRegistry {
  host: string;
  /** Path → handler; checked before the stored manifests and blobs. */
  routes: Map<string, Route>;
  /** Stores a blob; returns its descriptor. */
  blob(bytes: Buffer, mediaType?: string): { mediaType: string; digest: string; size: number };
  /** Stores a manifest under `repo` by digest and under each tag; returns its digest and size. */
  manifest(repo: string, body: Buffer, tags: string[], mediaType?: string): { digest: string; size: number };
  /** Paths requested so far. */
  requests: string[];
  close(): Promise<void>;
}

export const digestOf = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export async function startFakeRegistry(): Promise<FakeRegistry> {
  const blobs = new Map<string, Buffer>();
  const manifests = new Map<string, { body: Buffer; type: string }>();
  const routes = new Map<string, Route>();
  const requests: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push(`${req.method} ${url.pathname}`);
    const custom = routes.get(url.pathname);
    if (custom) return custom(req, res);
    if (url.pathname === '/v2/') return res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
    const m = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(url.pathname);
    if (m?.[2] === 'blobs' && blobs.has(m[3])) {
      const b = blobs.get(m[3])!;
      res.writeHead(200, { 'Content-Length': b.length, 'Docker-Content-Digest': m[3] });
      return req.method === 'HEAD' ? res.end() : res.end(b);
    }
    const man = m?.[2] === 'manifests' ? manifests.get(`${m[1]}:${m[3]}`) : undefined;
    if (man) {
      res.writeHead(200, { 'Content-Type': man.type, 'Content-Length': man.body.length, 'Docker-Content-Digest': digestOf(man.body) });
      return req.method === 'HEAD' ? res.end() : res.end(man.body);
    }
    res
      .writeHead(404, { 'Content-Type': 'application/json' })
      .end(JSON.stringify({ errors: [{ code: m?.[2] === 'blobs' ? 'BLOB_UNKNOWN' : 'MANIFEST_UNKNOWN', message: 'unknown' }] }));
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    host: `127.0.0.1:${port}`,
    routes,
    requests,
    blob(bytes, mediaType = 'application/vnd.docker.image.rootfs.diff.tar.gzip') {
      const digest = digestOf(bytes);
      blobs.set(digest, bytes);
      return { mediaType, digest, size: bytes.length };
    },
    manifest(repo, body, tags, mediaType = 'application/vnd.docker.distribution.manifest.v2+json') {
      const digest = digestOf(body);
      for (const ref of [digest, ...tags]) manifests.set(`${repo}:${ref}`, { body, type: mediaType });
      return { digest, size: body.length };
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A schema 2 manifest for `config` and gzip `layers` stored in `reg`; returns the manifest bytes. */
export function storeImage(
  reg: FakeRegistry,
  config: string,
  layerTars: Buffer[],
): { manifest: Buffer; layers: Array<{ digest: string; size: number; bytes: Buffer }> } {
  const cfg = reg.blob(Buffer.from(config), 'application/vnd.docker.container.image.v1+json');
  const gz = layerTars.map((t) => zlib.gzipSync(t));
  const layers = gz.map((b) => reg.blob(b));
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.v2+json', config: cfg, layers }));
  return { manifest, layers: layers.map((l, i) => ({ ...l, bytes: gz[i] })) };
}

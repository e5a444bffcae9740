/**
 * Hostile and broken registries (a small fake registry on 127.0.0.1): a
 * blob whose bytes do not match its digest, a blob longer than its
 * descriptor, a manifest that does not match the digest it was asked by, a
 * huge manifest, a redirect loop, a failing token endpoint, a zstd layer, a
 * layer tar with path traversal, a registry that never answers, and berthd
 * killed with SIGKILL in the middle of a pull. Each time: a clear error,
 * nothing registered, no temp data left, the daemon keeps serving.
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { startDaemon, type TestDaemon } from './helpers/daemon.js';
import { busyboxRootfsTar, parseJsonMessages } from './helpers/images.js';
import { makeImage, makeTar } from './helpers/image-archives.js';
import { digestOf, startFakeRegistry, storeImage, type FakeRegistry } from './helpers/fake-registry.js';
import { randomLayer } from './helpers/registry.js';

const skip = process.getuid?.() !== 0 ? 'needs root' : false;
let d: TestDaemon;
let fake: FakeRegistry;
let F: string;
let base: Buffer;

/** The pull's error: the in-band errorDetail of a 200 stream, or the plain error body. */
async function pullError(repo: string, tag: string, timeoutMs = 60_000): Promise<string> {
  const res = await d.request('POST', '/images/create', { query: { fromImage: `${F}/${repo}`, tag }, timeoutMs });
  if (res.status !== 200) return String(res.json().message);
  const failed = parseJsonMessages(res.body).find((m) => m.error);
  assert.ok(failed, `the pull of ${repo}:${tag} succeeded: ${res.body.toString()}`);
  assert.equal(failed.errorDetail.message, failed.error);
  return String(failed.error);
}

/** Nothing registered and nothing left over: no image, no layer dir, no tmp-* dir. */
async function assertNothingLeft(): Promise<void> {
  assert.deepEqual((await d.request('GET', '/images/json')).json(), []);
  const names = fs.readdirSync(path.join(d.dataRoot, 'overlay'));
  assert.deepEqual(
    names.filter((n) => /^[a-f0-9]{64}$/.test(n) || n.startsWith('tmp-')),
    [],
  );
  assert.equal((await d.request('GET', '/_ping')).status, 200);
}

function image(repo: string, layers: Buffer[]) {
  const img = makeImage(layers, []);
  const stored = storeImage(fake, img.config, layers);
  fake.manifest(repo, stored.manifest, ['1']);
  return { img, ...stored };
}

describe('hostile registries', { skip }, () => {
  before(async () => {
    fake = await startFakeRegistry();
    F = fake.host;
    d = await startDaemon();
    base = fs.readFileSync(await busyboxRootfsTar());
  });
  after(async () => {
    await d?.cleanup();
    await fake?.close();
  });

  test('a blob whose bytes do not match its digest is refused', async () => {
    const { layers } = image('mismatch', [base]);
    const wrong = Buffer.from(layers[0].bytes);
    wrong[wrong.length >> 1] ^= 0xff;
    fake.routes.set(`/v2/mismatch/blobs/${layers[0].digest}`, (_req, res) => res.writeHead(200, { 'Content-Length': wrong.length }).end(wrong));
    assert.match(await pullError('mismatch', '1'), new RegExp(`filesystem layer verification failed for digest ${layers[0].digest}`));
    await assertNothingLeft();
  });

  test('a blob longer than its descriptor is cut off', async () => {
    const { layers } = image('long', [base]);
    const longer = Buffer.concat([zlib.gzipSync(base), Buffer.alloc(100_000)]);
    fake.routes.set(`/v2/long/blobs/${layers[0].digest}`, (_req, res) => res.writeHead(200).end(longer));
    assert.match(await pullError('long', '1'), /is larger than the \d+ bytes its descriptor says/);
    await assertNothingLeft();
  });

  test('a manifest that does not match the digest it was asked by, and a huge manifest', async () => {
    const { manifest } = image('mdig', [base]);
    const asked = digestOf('something else');
    fake.routes.set(`/v2/mdig/manifests/${asked}`, (_req, res) =>
      res.writeHead(200, { 'Content-Type': 'application/vnd.docker.distribution.manifest.v2+json' }).end(manifest),
    );
    assert.match(await pullError('mdig', asked), new RegExp(`manifest verification failed for digest ${asked}`));
    fake.routes.set('/v2/huge/manifests/1', (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/vnd.docker.distribution.manifest.v2+json' });
      res.end(`{"layers":[],"x":"${'a'.repeat(5 * 1024 * 1024)}"}`);
    });
    assert.match(await pullError('huge', '1'), /larger than 4194304 bytes/);
    await assertNothingLeft();
  });

  test('a redirect loop, a failing token endpoint, a zstd layer', async () => {
    const { layers } = image('loop', [base]);
    const blobPath = `/v2/loop/blobs/${layers[0].digest}`;
    fake.routes.set(blobPath, (_req, res) => res.writeHead(302, { Location: blobPath }).end());
    assert.match(await pullError('loop', '1'), /stopped after 10 redirects/);
    fake.routes.set('/v2/', (_req, res) => res.writeHead(401, { 'WWW-Authenticate': `Bearer realm="http://${F}/token",service="fake"` }).end());
    fake.routes.set('/token', (_req, res) => res.writeHead(500).end('token service is down'));
    assert.match(await pullError('loop', '1'), /token endpoint http:\/\/127\.0\.0\.1:\d+\/token answered 500/);
    fake.routes.delete('/v2/');
    const zstd = fake.blob(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0, 0]), 'application/vnd.oci.image.layer.v1.tar+zstd');
    const cfg = fake.blob(Buffer.from(makeImage([base], []).config), 'application/vnd.oci.image.config.v1+json');
    fake.manifest(
      'zstd',
      Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: cfg, layers: [zstd] })),
      ['1'],
      'application/vnd.oci.image.manifest.v1+json',
    );
    assert.match(await pullError('zstd', '1'), /zstd-compressed .* berth unpacks only gzip and uncompressed layers/);
    await assertNothingLeft();
  });

  test('an OCI image with an uncompressed layer pulls (the good path of the same server)', async () => {
    const img = makeImage([base], []);
    const cfg = fake.blob(Buffer.from(img.config), 'application/vnd.oci.image.config.v1+json');
    const layer = fake.blob(base, 'application/vnd.oci.image.layer.v1.tar');
    fake.manifest(
      'plain',
      Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: cfg, layers: [layer] })),
      ['1'],
      'application/vnd.oci.image.manifest.v1+json',
    );
    const res = await d.request('POST', '/images/create', { query: { fromImage: `${F}/plain`, tag: '1' }, timeoutMs: 60_000 });
    assert.ok(!parseJsonMessages(res.body).some((m) => m.error), res.body.toString());
    assert.equal((await d.request('GET', `/images/${F}/plain:1/json`)).json().Id, img.id);
    assert.equal((await d.request('DELETE', `/images/${F}/plain:1`)).status, 200);
    await assertNothingLeft();
  });

  test('5xx answers and dropped connections are retried with backoff', async () => {
    const { img, layers } = image('flaky', [base]);
    const blobPath = `/v2/flaky/blobs/${layers[0].digest}`;
    let failures = 0;
    fake.routes.set('/v2/flaky/manifests/1', (req, res) => {
      failures++;
      if (failures === 1) return res.writeHead(503).end('busy');
      fake.routes.delete('/v2/flaky/manifests/1');
      req.socket.destroy(); // a reset; the third try reaches the stored manifest
    });
    fake.routes.set(blobPath, (_req, res) => {
      fake.routes.delete(blobPath);
      res.writeHead(502).end();
    });
    const res = await d.request('POST', '/images/create', { query: { fromImage: `${F}/flaky`, tag: '1' }, timeoutMs: 60_000 });
    assert.ok(!parseJsonMessages(res.body).some((m) => m.error), res.body.toString());
    assert.equal(failures, 2);
    assert.equal((await d.request('GET', `/images/${F}/flaky:1/json`)).json().Id, img.id);
    assert.equal((await d.request('DELETE', `/images/${F}/flaky:1`)).status, 200);
  });

  test("bearer tokens: anonymous and with credentials, per scope, from the challenge's realm", async () => {
    const auth = await startFakeRegistry();
    try {
      const img = makeImage([base], []);
      const stored = storeImage(auth, img.config, [base]);
      auth.manifest('team/private', stored.manifest, ['1']);
      const issued: string[] = [];
      auth.routes.set('/token', (req, res) => {
        const url = new URL(req.url ?? '', 'http://x');
        const user = req.headers.authorization === `Basic ${Buffer.from('bob:pw').toString('base64')}` ? 'bob' : 'anonymous';
        issued.push(`${user} ${url.searchParams.get('service')} ${url.searchParams.getAll('scope').join(' ')}`);
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ token: `tok-${user}`, expires_in: 300 }));
      });
      const challenge = `Bearer realm="http://${auth.host}/token",service="fake-registry"`;
      auth.routes.set('/v2/', (_req, res) => res.writeHead(401, { 'WWW-Authenticate': challenge }).end());
      const guard =
        (inner: (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void) =>
        (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
          if (req.headers.authorization !== 'Bearer tok-bob')
            return res
              .writeHead(401, { 'WWW-Authenticate': `${challenge},scope="repository:team/private:pull"` })
              .end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
          inner(req, res);
        };
      auth.routes.set(
        '/v2/team/private/manifests/1',
        guard((_req, res) => res.writeHead(200, { 'Content-Type': 'application/vnd.docker.distribution.manifest.v2+json' }).end(stored.manifest)),
      );
      const anon = await d.request('POST', '/images/create', { query: { fromImage: `${auth.host}/team/private`, tag: '1' } });
      assert.equal(anon.status, 500);
      assert.match(anon.json().message, /unauthorized: authentication required/);
      assert.ok(issued.includes('anonymous fake-registry repository:team/private:pull'), issued.join('\n'));
      const creds = Buffer.from(JSON.stringify({ username: 'bob', password: 'pw' })).toString('base64url');
      const res = await d.request('POST', '/images/create', {
        query: { fromImage: `${auth.host}/team/private`, tag: '1' },
        headers: { 'X-Registry-Auth': creds },
        timeoutMs: 60_000,
      });
      assert.ok(!parseJsonMessages(res.body).some((m) => m.error), res.body.toString());
      assert.equal((await d.request('GET', `/images/${auth.host}/team/private:1/json`)).json().Id, img.id);
      const bobTokens = issued.filter((i) => i.startsWith('bob '));
      assert.equal(bobTokens.length, 1, 'one token per scope, then cached');
      assert.equal((await d.request('DELETE', `/images/${auth.host}/team/private:1`)).status, 200);
      assert.ok(!d.logs().includes('tok-bob') && !d.logs().includes('"pw"'), 'no token or password in the log');
    } finally {
      await auth.close();
    }
  });

  test('a layer tar with path traversal is refused by the safe unpack', async () => {
    const evil = await makeTar([
      { entry: { name: '../../../../tmp/berth-evil', type: 'file', mode: 0o644, size: 4, mtime: 1_700_000_000 }, content: Buffer.from('evil') },
    ]);
    image('evil', [evil]);
    assert.match(await pullError('evil', '1'), /invalid tar archive/);
    assert.equal(fs.existsSync('/tmp/berth-evil'), false);
    await assertNothingLeft();
  });

  test('a registry that never answers does not hang berthd; the client going away ends the pull', async () => {
    fake.routes.set('/v2/hang/manifests/1', () => {});
    await assert.rejects(d.request('POST', '/images/create', { query: { fromImage: `${F}/hang`, tag: '1' }, timeoutMs: 1000 }));
    const t = Date.now();
    assert.equal((await d.request('GET', '/_ping')).status, 200);
    assert.ok(Date.now() - t < 2000);
    await assertNothingLeft();
  });

  test('SIGKILL of berthd mid-pull leaves only garbage that the next start removes; the retry succeeds', async () => {
    const { img, layers } = image('crash', [base, await randomLayer('big.bin', 8_000_000)]);
    const blobPath = `/v2/crash/blobs/${layers[1].digest}`;
    let halfSent!: () => void;
    const half = new Promise<void>((r) => (halfSent = r));
    fake.routes.set(blobPath, (_req, res) => {
      res.writeHead(200, { 'Content-Length': layers[1].size });
      res.write(layers[1].bytes.subarray(0, Math.floor(layers[1].size / 2)), () => halfSent());
    });
    const pulling = d.request('POST', '/images/create', { query: { fromImage: `${F}/crash`, tag: '1' }, timeoutMs: 60_000 }).catch(() => undefined);
    await half;
    await new Promise((r) => setTimeout(r, 300));
    const overlay = path.join(d.dataRoot, 'overlay');
    assert.ok(
      fs.readdirSync(overlay).some((n) => n.startsWith('tmp-pull-')),
      'the download was in progress',
    );
    await d.kill9();
    await pulling;
    fake.routes.delete(blobPath);
    await d.start();
    assert.deepEqual(
      fs.readdirSync(overlay).filter((n) => n.startsWith('tmp-') || /^[a-f0-9]{64}$/.test(n)),
      [],
    );
    const res = await d.request('POST', '/images/create', { query: { fromImage: `${F}/crash`, tag: '1' }, timeoutMs: 60_000 });
    assert.equal(res.status, 200);
    assert.ok(!parseJsonMessages(res.body).some((m) => m.error), res.body.toString());
    const inspect = (await d.request('GET', `/images/${F}/crash:1/json`)).json();
    assert.equal(inspect.Id, img.id);
  });
});

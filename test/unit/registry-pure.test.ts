/**
 * The registry client's pure parts: WWW-Authenticate parsing, manifests and
 * platform selection, endpoints and trust per domain, pull references, the
 * progress wire format and X-Registry-Auth decoding, and image removal with
 * RepoDigests.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseChallenges } from '../../src/engine/registry/auth.js';
import { formatRegistryErrors, registryErrorEntries } from '../../src/engine/registry/errcode.js';
import { buildManifest, checkLayerType, MEDIA, parseManifest, parsePlatform, selectManifest, type ManifestIndex } from '../../src/engine/registry/manifest.js';
import { domainOfServerAddress, endpointsFor, isInsecure, isLoopback } from '../../src/engine/registry/hosts.js';
import { formatReference, pullReference } from '../../src/engine/model/reference.js';
import { credentialsFromBody, humanSize, progressBar, progressMessages, registryAuthFromHeader } from '../../src/server/wire/registry.js';
import { planImageRemoval } from '../../src/engine/images/image-remove.js';
import { isEngineError } from '../../src/engine/errors.js';
import type { ImageRecord } from '../../src/engine/model/image.js';

const D = (c: string) => `sha256:${c.repeat(64)}`;

test('WWW-Authenticate: bearer parameters, basic, several challenges, quoting', () => {
  assert.deepEqual(parseChallenges('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"'), [
    { scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/busybox:pull' } },
  ]);
  assert.deepEqual(parseChallenges('Basic realm="berth-test"'), [{ scheme: 'basic', params: { realm: 'berth-test' } }]);
  assert.deepEqual(
    parseChallenges(['Basic realm="a"', 'Bearer realm="b", error="insufficient_scope"']).map((c) => c.scheme),
    ['basic', 'bearer'],
  );
  assert.equal(parseChallenges('Bearer realm="x\\"y"')[0].params.realm, 'x"y');
  assert.deepEqual(parseChallenges(undefined), []);
});

test('manifests: schema 2, OCI index, schema 1 and malformed documents', () => {
  const m = parseManifest(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MEDIA.dockerManifest,
        config: { mediaType: MEDIA.dockerConfig, digest: D('a'), size: 10 },
        layers: [{ mediaType: MEDIA.dockerLayerGzip, digest: D('b'), size: 20 }],
      }),
    ),
    '',
  );
  assert.equal(m.kind, 'manifest');
  const idx = parseManifest(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        manifests: [{ mediaType: MEDIA.ociManifest, digest: D('c'), size: 5, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } }],
      }),
    ),
    MEDIA.ociIndex,
  );
  assert.equal(idx.kind, 'index');
  assert.throws(() => parseManifest(Buffer.from('{"schemaVersion":1,"fsLayers":[]}'), MEDIA.schema1Signed), /schema 1 is not supported/);
  assert.throws(
    () => parseManifest(Buffer.from('{"layers":[{"digest":"md5:x","size":1}],"config":{}}'), ''),
    (e: unknown) => isEngineError(e, 'invalid-parameter'),
  );
  assert.throws(() => parseManifest(Buffer.from('nope'), ''), /invalid manifest/);
});

test("platforms: default linux/<host>, aliases, variants, Docker's no-match text", () => {
  assert.deepEqual(parsePlatform('', 'amd64'), { os: 'linux', architecture: 'amd64', variant: '' });
  assert.deepEqual(parsePlatform('linux/x86_64', 'amd64'), { os: 'linux', architecture: 'amd64', variant: '' });
  assert.deepEqual(parsePlatform('linux/arm64/v8', 'amd64'), { os: 'linux', architecture: 'arm64', variant: 'v8' });
  assert.throws(() => parsePlatform('a/b/c/d', 'amd64'), /invalid platform/);
  const index: ManifestIndex = {
    kind: 'index',
    mediaType: MEDIA.dockerList,
    manifests: [
      { mediaType: MEDIA.dockerManifest, digest: D('1'), size: 1, platform: { os: 'linux', architecture: 'arm', variant: 'v7' } },
      { mediaType: MEDIA.dockerManifest, digest: D('2'), size: 1, platform: { os: 'linux', architecture: 'amd64', variant: '' } },
      { mediaType: MEDIA.dockerManifest, digest: D('3'), size: 1, platform: { os: 'linux', architecture: 'arm', variant: 'v6' } },
    ],
  };
  assert.equal(selectManifest(index, parsePlatform('', 'amd64')).digest, D('2'));
  assert.equal(selectManifest(index, parsePlatform('linux/arm/v6', 'amd64')).digest, D('3'));
  assert.throws(() => selectManifest(index, parsePlatform('linux/s390x', 'amd64')), /no matching manifest for linux\/s390x in the manifest list entries/);
});

test('layer types: gzip and plain accepted, zstd and foreign refused clearly', () => {
  for (const t of [MEDIA.dockerLayerGzip, MEDIA.ociLayer, MEDIA.ociLayerGzip]) checkLayerType({ mediaType: t, digest: D('a'), size: 1 });
  assert.throws(() => checkLayerType({ mediaType: MEDIA.ociLayerZstd, digest: D('a'), size: 1 }), /zstd-compressed/);
  assert.throws(() => checkLayerType({ mediaType: MEDIA.dockerForeignLayer, digest: D('a'), size: 1 }), /foreign layer/);
});

test('the pushed manifest is deterministic schema 2', () => {
  const a = buildManifest({ mediaType: '', digest: D('a'), size: 3 }, [{ mediaType: '', digest: D('b'), size: 4 }]);
  assert.deepEqual(a, buildManifest({ mediaType: 'x', digest: D('a'), size: 3 }, [{ mediaType: 'y', digest: D('b'), size: 4 }]));
  const doc = JSON.parse(a.toString());
  assert.equal(doc.mediaType, MEDIA.dockerManifest);
  assert.equal(doc.config.mediaType, MEDIA.dockerConfig);
  assert.equal(doc.layers[0].mediaType, MEDIA.dockerLayerGzip);
});

test('endpoints and trust: Docker Hub behind mirrors, loopback may use http, insecure lists and CIDRs', () => {
  const settings = { insecureRegistries: ['reg.example:5000', '10.0.0.0/8'], mirrors: ['http://127.0.0.1:5001'], certsDir: '/nonexistent' };
  const hub = endpointsFor('docker.io', settings);
  assert.deepEqual(
    hub.map((e) => [e.base.href, e.mirror]),
    [
      ['http://127.0.0.1:5001/', true],
      ['https://registry-1.docker.io/', false],
    ],
  );
  const local = endpointsFor('127.0.0.1:5000', settings)[0];
  assert.deepEqual([local.base.href, local.tls.verify, local.httpFallback], ['https://127.0.0.1:5000/', true, true]);
  const insecure = endpointsFor('reg.example:5000', settings)[0];
  assert.deepEqual([insecure.tls.verify, insecure.httpFallback], [false, true]);
  const secure = endpointsFor('reg.example', settings)[0];
  assert.deepEqual([secure.tls.verify, secure.httpFallback], [true, false]);
  assert.equal(isInsecure('10.1.2.3:5000', settings.insecureRegistries), true);
  assert.equal(isInsecure('11.1.2.3:5000', settings.insecureRegistries), false);
  assert.equal(isLoopback('localhost:5000'), true);
  assert.equal(isLoopback('127.0.0.2'), true);
  assert.equal(isLoopback('128.0.0.1'), false);
  assert.equal(domainOfServerAddress('https://index.docker.io/v1/'), 'docker.io');
  assert.equal(domainOfServerAddress('127.0.0.1:5443'), '127.0.0.1:5443');
  assert.equal(domainOfServerAddress('https://reg.example:5000/v2/'), 'reg.example:5000');
});

test('pull references: fromImage + tag (or digest) as dockerd reads them', () => {
  assert.equal(formatReference(pullReference('busybox', '')), 'docker.io/library/busybox:latest');
  assert.equal(formatReference(pullReference('busybox', '1.36')), 'docker.io/library/busybox:1.36');
  assert.equal(formatReference(pullReference('127.0.0.1:5000/team/bb', D('a'))), `127.0.0.1:5000/team/bb@${D('a')}`);
  assert.equal(formatReference(pullReference(`x/y@${D('b')}`, '')), `docker.io/x/y@${D('b')}`);
  assert.throws(() => pullReference('busybox', 'md5:abc'), /invalid reference format/);
  assert.throws(() => pullReference('Busybox', ''), /must be lowercase/);
});

test("progress wire: Docker's texts, bars, sizes and the push aux", () => {
  assert.equal(humanSize(999), '999B');
  assert.equal(humanSize(772_788), '772.8kB');
  assert.equal(humanSize(40_000_000), '40MB');
  assert.equal(humanSize(1_049_000), '1.049MB');
  assert.equal(progressBar(0, 100), `[>${' '.repeat(50)}]       0B/100B`);
  assert.equal(progressBar(100, 100), `[${'='.repeat(50)}>]     100B/100B`);
  assert.deepEqual(progressMessages({ kind: 'layer', id: 'abc', state: 'already-exists' }), [{ status: 'Already exists', progressDetail: {}, id: 'abc' }]);
  assert.deepEqual(progressMessages({ kind: 'layer', id: 'abc', state: 'mounted', from: 'team/x' })[0].status, 'Mounted from team/x');
  assert.deepEqual(progressMessages({ kind: 'pull-status', upToDate: true, reference: 'busybox:latest' }), [
    { status: 'Status: Image is up to date for busybox:latest' },
  ]);
  assert.deepEqual(progressMessages({ kind: 'pushed-tag', tag: '1', digest: D('a'), size: 527 }), [
    { status: `1: digest: ${D('a')} size: 527` },
    { progressDetail: {}, aux: { Tag: '1', Digest: D('a'), Size: 527 } },
  ]);
});

test('X-Registry-Auth: base64url or standard JSON, the auth field, junk is anonymous', () => {
  const json = JSON.stringify({ username: 'alice', password: 's?cr>t', serveraddress: 'r:5000' });
  const expected = { username: 'alice', password: 's?cr>t', identityToken: undefined, registryToken: undefined, serverAddress: 'r:5000' };
  assert.deepEqual(registryAuthFromHeader(Buffer.from(json).toString('base64url')), expected);
  assert.deepEqual(registryAuthFromHeader(Buffer.from(json).toString('base64')), expected);
  assert.equal(registryAuthFromHeader('e30='), null);
  assert.equal(registryAuthFromHeader('%%%'), null);
  assert.equal(registryAuthFromHeader(undefined), null);
  assert.deepEqual(credentialsFromBody({ auth: Buffer.from('bob:pw:x').toString('base64') })?.password, 'pw:x');
});

test('removal with RepoDigests: the last tag of a repository takes its digests along', () => {
  const img = (tags: string[], repoDigests: string[]) => ({ id: D('f'), tags, repoDigests }) as unknown as ImageRecord;
  const dig = `r:5000/a@${D('1')}`;
  assert.deepEqual(planImageRemoval({ image: img(['r:5000/a:1'], [dig]), ref: 'r:5000/a:1', tag: 'r:5000/a:1', users: [], force: false }), {
    untag: ['r:5000/a:1', dig],
    delete: true,
  });
  assert.deepEqual(planImageRemoval({ image: img(['r:5000/a:1', 'r:5000/a:2'], [dig]), ref: 'r:5000/a:1', tag: 'r:5000/a:1', users: [], force: false }), {
    untag: ['r:5000/a:1'],
    delete: false,
  });
  assert.deepEqual(planImageRemoval({ image: img([], [dig]), ref: dig, tag: dig, users: [], force: false }), { untag: [dig], delete: true });
  assert.deepEqual(planImageRemoval({ image: img(['b:1'], [dig]), ref: 'x', tag: null, users: [], force: true }), { untag: ['b:1', dig], delete: true });
});

test("a registry's errors as Docker reads them: the Bearer challenge's error first, then the body's", () => {
  const body = '{"errors":[{"code":"UNAUTHORIZED","message":"authentication required","detail":[]}]}';
  const denied = registryErrorEntries('Bearer realm="http://t/token",service="r",scope="repository:a/b:pull,push",error="insufficient_scope"', body);
  assert.deepEqual(denied, [
    { code: 'DENIED', message: 'requested access to the resource is denied' },
    { code: 'UNAUTHORIZED', message: 'authentication required' },
  ]);
  // dockerd's push prints errcode.Errors this way.
  assert.equal(formatRegistryErrors(denied), 'errors:\ndenied: requested access to the resource is denied\nunauthorized: authentication required\n');
  assert.equal(formatRegistryErrors(denied.slice(0, 1)), 'denied: requested access to the resource is denied');
  assert.deepEqual(registryErrorEntries('Bearer realm="x",error="invalid_token",error_description="token expired"', ''), [
    { code: 'UNAUTHORIZED', message: 'token expired' },
  ]);
  // A challenge without an error, or one Docker does not map, adds nothing; a body that is not JSON neither.
  assert.deepEqual(registryErrorEntries('Bearer realm="x"', 'not json'), []);
  assert.deepEqual(registryErrorEntries('Bearer realm="x",error="constructor"', '{"errors":[{"code":7}]}'), []);
  assert.deepEqual(registryErrorEntries('Basic realm="x"', '{"errors":[{"code":"MANIFEST_UNKNOWN"}]}'), [
    { code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' },
  ]);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { familiarReference, isFullImageId, isImageIdLike, normalizeReference, normalizeRepoTag, shortId } from '../../src/engine/model/reference.js';
import { isEngineError } from '../../src/engine/errors.js';

const HEX = 'a'.repeat(64);

test('normalizeReference qualifies short names like Docker', () => {
  const cases: Array<[string, string]> = [
    ['busybox', 'docker.io/library/busybox:latest'],
    ['busybox:1.36', 'docker.io/library/busybox:1.36'],
    ['foo/bar:1', 'docker.io/foo/bar:1'],
    ['foo/bar/baz', 'docker.io/foo/bar/baz:latest'],
    ['localhost:5000/x', 'localhost:5000/x:latest'],
    ['localhost/x:t', 'localhost/x:t'],
    ['quay.io/podman/hello', 'quay.io/podman/hello:latest'],
    ['docker.io/library/x', 'docker.io/library/x:latest'],
    ['docker.io/x', 'docker.io/library/x:latest'],
    ['index.docker.io/library/x:2', 'docker.io/library/x:2'],
    ['my-reg.example.com:443/a/b_c:v1.0-rc', 'my-reg.example.com:443/a/b_c:v1.0-rc'],
    [`busybox@sha256:${HEX}`, `docker.io/library/busybox@sha256:${HEX}`],
    [`busybox:1@sha256:${HEX}`, `docker.io/library/busybox:1@sha256:${HEX}`],
  ];
  for (const [input, want] of cases) assert.equal(normalizeReference(input), want, input);
});

test('invalid references use Docker wording', () => {
  const expectErr = (ref: string, message: string) =>
    assert.throws(
      () => normalizeReference(ref),
      (err: unknown) => isEngineError(err, 'invalid-parameter') && err.message === message,
      ref,
    );
  expectErr('Busybox', 'invalid reference format: repository name must be lowercase');
  expectErr('foo/Bar:1', 'invalid reference format: repository name must be lowercase');
  expectErr('busy box', 'invalid reference format');
  expectErr('busybox::1', 'invalid reference format');
  expectErr('', 'invalid reference format');
  expectErr('-x', 'invalid reference format');
  expectErr('x:' + 't'.repeat(129), 'invalid reference format');
  expectErr(HEX, `invalid repository name (${HEX}), cannot specify 64-byte hexadecimal strings`);
});

test('normalizeRepoTag adds latest, takes the tag and refuses digests', () => {
  assert.equal(normalizeRepoTag('busybox', ''), 'docker.io/library/busybox:latest');
  assert.equal(normalizeRepoTag('docker.io/library/busybox', 'v2'), 'docker.io/library/busybox:v2');
  assert.throws(() => normalizeRepoTag('busybox', 'bad tag'), /invalid tag format/);
  assert.throws(() => normalizeRepoTag(`busybox@sha256:${HEX}`, ''), /digest/);
});

test('familiarReference is the display form (Docker FamiliarName: only library/<one component> shortens)', () => {
  assert.equal(familiarReference('docker.io/library/busybox:latest'), 'busybox:latest');
  assert.equal(familiarReference('docker.io/library/busybox'), 'busybox');
  assert.equal(familiarReference('docker.io/library/a/b'), 'library/a/b');
  assert.equal(familiarReference(`docker.io/library/a/b@sha256:${HEX}`), `library/a/b@sha256:${HEX}`);
  assert.equal(familiarReference('docker.io/libraryx/b:1'), 'libraryx/b:1');
  assert.equal(familiarReference('example.com/library/b:1'), 'example.com/library/b:1');
  assert.equal(familiarReference('docker.io/foo/bar:1'), 'foo/bar:1');
  assert.equal(familiarReference('docker.io/library/a/b:1'), 'library/a/b:1');
  assert.equal(familiarReference('localhost:5000/x:latest'), 'localhost:5000/x:latest');
  assert.equal(familiarReference(`docker.io/library/busybox@sha256:${HEX}`), `busybox@sha256:${HEX}`);
});

test('image ID shapes', () => {
  assert.equal(isImageIdLike('6d5a1b'), true);
  assert.equal(isImageIdLike(`sha256:${HEX}`), true);
  assert.equal(isImageIdLike('sha256:6d'), true);
  assert.equal(isImageIdLike('busybox'), false);
  assert.equal(isImageIdLike('ABC'), false);
  assert.equal(isImageIdLike(HEX + 'a'), false);
  assert.equal(isFullImageId(HEX), true);
  assert.equal(isFullImageId(`sha256:${HEX}`), true);
  assert.equal(isFullImageId('sha256:abc'), false);
  assert.equal(shortId(`sha256:${'0123456789abcdef'.repeat(4)}`), '0123456789ab');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { filterImages, globToRegExp } from '../../src/engine/images/image-filters.js';
import { serializeImageConfig, goArch } from '../../src/engine/images/image-config.js';
import { emptyRuntimeConfig } from '../../src/engine/images/changes.js';
import { isEngineError } from '../../src/engine/errors.js';
import type { ImageRecord } from '../../src/engine/model/image.js';

function img(id: string, tags: string[], created: string, labels: Record<string, string> = {}): ImageRecord {
  return { id, tags, created, config: { ...emptyRuntimeConfig(), labels } } as unknown as ImageRecord;
}

const images = [
  img('a', ['docker.io/library/busybox:latest', 'docker.io/library/busybox:1.36'], '2024-01-01T00:00:00Z', { team: 'x' }),
  img('b', ['quay.io/foo/bar:v1'], '2024-01-02T00:00:00Z', { team: 'y', tier: '' }),
  img('c', [], '2024-01-03T00:00:00Z'),
];
const byId = new Map(images.map((i) => [i.id, i]));
const resolve = (ref: string) => byId.get(ref)!;
const ids = (filters: Record<string, string[]>) => filterImages(images, new Map(Object.entries(filters)), resolve).map((i) => i.id);

test('reference globs match familiar, name-only and normalized forms', () => {
  assert.deepEqual(ids({ reference: ['busy*'] }), ['a']);
  assert.deepEqual(ids({ reference: ['busybox:lat*'] }), ['a']);
  assert.deepEqual(ids({ reference: ['busybox'] }), ['a']);
  assert.deepEqual(ids({ reference: ['quay.io/foo/*'] }), ['b']);
  assert.deepEqual(ids({ reference: ['*'] }), ['a'], '* does not cross /');
  assert.deepEqual(ids({ reference: ['busybox', 'quay.io/*/bar:v?'] }), ['a', 'b']);
  assert.equal(globToRegExp('a[!b]c').test('axc'), true);
});

test('dangling, label, before, since', () => {
  assert.deepEqual(ids({ dangling: ['true'] }), ['c']);
  assert.deepEqual(ids({ dangling: ['false'] }), ['a', 'b']);
  assert.deepEqual(ids({ label: ['team'] }), ['a', 'b']);
  assert.deepEqual(ids({ label: ['team=y', 'tier'] }), ['b']);
  assert.deepEqual(ids({ before: ['b'] }), ['a']);
  assert.deepEqual(ids({ since: ['a'] }), ['b', 'c']);
});

test('unknown filters and bad values are invalid-parameter', () => {
  assert.throws(
    () => ids({ until: ['1h'] }),
    (e: unknown) => isEngineError(e, 'invalid-parameter') && e.message === "Invalid filter 'until'",
  );
  assert.throws(
    () => ids({ dangling: ['maybe'] }),
    (e: unknown) => isEngineError(e, 'invalid-parameter') && e.message === "Invalid filter 'dangling=[maybe]'",
  );
  assert.throws(() => ids({ dangling: ['true', 'false'] }), /Invalid filter 'dangling=\[true false\]'/);
  assert.deepEqual(ids({ dangling: ['1'] }), ['c']);
  assert.deepEqual(ids({ label: ['constructor'] }), []);
});

test('image config serialization is deterministic and content-addressed', () => {
  const base = {
    created: '2024-01-01T00:00:00.000Z',
    architecture: goArch('x64'),
    os: 'linux',
    author: '',
    comment: 'm',
    diffIds: [`sha256:${'a'.repeat(64)}`],
    history: [{ created: '2024-01-01T00:00:00.000Z', createdBy: 'Imported from -', comment: 'm', author: '', emptyLayer: false }],
  };
  const one = serializeImageConfig({ ...base, config: { ...emptyRuntimeConfig(), labels: { b: '2', a: '1' }, cmd: ['sh'] } });
  const two = serializeImageConfig({ ...base, config: { ...emptyRuntimeConfig(), labels: { a: '1', b: '2' }, cmd: ['sh'] } });
  assert.equal(one.json, two.json);
  assert.equal(one.id, two.id);
  assert.match(one.id, /^sha256:[a-f0-9]{64}$/);
  const doc = JSON.parse(one.json);
  assert.equal(doc.architecture, 'amd64');
  assert.deepEqual(doc.config, { Cmd: ['sh'], Labels: { a: '1', b: '2' } });
  assert.deepEqual(doc.rootfs, { type: 'layers', diff_ids: base.diffIds });
  assert.equal(doc.history[0].created_by, 'Imported from -');
  assert.notEqual(serializeImageConfig({ ...base, comment: 'other', config: emptyRuntimeConfig() }).id, one.id);
});

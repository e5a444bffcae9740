import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, closeDatabase } from '../../src/db/database.js';
import { ImagesRepo, type LayerRow } from '../../src/db/images-repo.js';
import type { ImageRecord } from '../../src/engine/model/image.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-images-repo-'));
const db = openDatabase(path.join(dir, 'state.db'));
const repo = new ImagesRepo(db);
after(() => {
  closeDatabase(db);
  fs.rmSync(dir, { recursive: true, force: true });
});

const hex = (c: string) => c.repeat(64);
const layer = (c: string, link: string): LayerRow => ({ id: hex(c), diffId: `sha256:${hex(c)}`, size: 10, link: link.padEnd(26, 'A'), createdAt: 1 });

function record(c: string, created: string): ImageRecord {
  return {
    id: `sha256:${hex(c)}`,
    tags: [],
    repoDigests: [],
    created,
    architecture: 'amd64',
    os: 'linux',
    author: '',
    comment: '',
    config: { cmd: ['sh'], entrypoint: null, env: [], workingDir: '', user: '', labels: {}, exposedPorts: [], stopSignal: '', volumes: [] },
    diffIds: [],
    layerIds: [],
    history: [],
    size: 20,
    parent: '',
  };
}

const BUSYBOX = 'docker.io/library/busybox:latest';

test('insert stores image, layers (shared) and tags in one go', () => {
  repo.insert({ record: record('1', '2024-01-01T00:00:00Z'), config: '{"a":1}', layers: [layer('a', 'LA'), layer('b', 'LB')], tags: [BUSYBOX] });
  repo.insert({ record: record('2', '2024-01-02T00:00:00Z'), config: '{"a":2}', layers: [layer('a', 'LA')], tags: ['docker.io/library/other:1'] });
  const img = repo.get(`sha256:${hex('1')}`)!;
  assert.deepEqual(img.tags, [BUSYBOX]);
  assert.deepEqual(img.layerIds, [hex('a'), hex('b')]);
  assert.deepEqual(
    repo.layers(img.id).map((l) => l.link),
    ['LA'.padEnd(26, 'A'), 'LB'.padEnd(26, 'A')],
  );
  assert.equal(repo.config(img.id), '{"a":1}');
  assert.equal(repo.count(), 2);
  assert.deepEqual(
    repo.list().map((i) => i.id),
    [`sha256:${hex('2')}`, `sha256:${hex('1')}`],
  );
  assert.equal(repo.findByTag(BUSYBOX)?.id, img.id);
  assert.deepEqual(repo.allLayerIds().sort(), [hex('a'), hex('b')]);
});

test('a tag moves to the newly inserted image in the same transaction', () => {
  repo.insert({ record: record('3', '2024-01-03T00:00:00Z'), config: '{"a":3}', layers: [layer('a', 'LA')], tags: [BUSYBOX] });
  assert.equal(repo.findByTag(BUSYBOX)?.id, `sha256:${hex('3')}`);
  assert.deepEqual(repo.get(`sha256:${hex('1')}`)!.tags, []);
});

test('add/remove tag and prefix lookup', () => {
  repo.addTag('docker.io/library/x:1', `sha256:${hex('1')}`);
  assert.deepEqual(repo.get(`sha256:${hex('1')}`)!.tags, ['docker.io/library/x:1']);
  assert.equal(repo.removeTag('docker.io/library/x:1'), true);
  assert.equal(repo.removeTag('docker.io/library/x:1'), false);
  assert.deepEqual(repo.findIdsByPrefix('sha256:111'), [`sha256:${hex('1')}`]);
  assert.deepEqual(repo.findIdsByPrefix('sha256:9'), []);
  assert.throws(() => repo.addTag('docker.io/library/y:1', `sha256:${hex('9')}`), /FOREIGN KEY/);
});

test('deleteImage returns only layers no other image references', () => {
  assert.deepEqual(repo.deleteImage(`sha256:${hex('1')}`), [hex('b')]);
  assert.deepEqual(repo.deleteImage(`sha256:${hex('2')}`), []);
  assert.deepEqual(repo.deleteImage(`sha256:${hex('2')}`), []);
  assert.equal(repo.findByTag('docker.io/library/other:1'), undefined);
  assert.deepEqual(repo.deleteImage(`sha256:${hex('3')}`), [hex('a')]);
  assert.equal(repo.count(), 0);
  assert.deepEqual(repo.allLayerIds(), []);
});

test('layout is remembered while the image exists and forgotten when it is deleted', () => {
  const id = `sha256:${hex('4')}`;
  assert.equal(repo.layout(id), undefined);
  repo.insert({ record: record('4', '2024-01-04T00:00:00Z'), config: '{"a":4}', layers: [layer('c', 'LC'), layer('d', 'LD')], tags: [] });
  const first = repo.layout(id)!;
  assert.equal(first.size, 20);
  assert.deepEqual(
    first.layers.map((l) => l.id),
    [hex('c'), hex('d')],
  );
  assert.equal(repo.layout(id), first, 'the second call answers from memory');
  assert.ok(Object.isFrozen(first) && Object.isFrozen(first.layers));
  repo.deleteImage(id);
  assert.equal(repo.layout(id), undefined);
  repo.insert({ record: record('4', '2024-01-04T00:00:00Z'), config: '{"a":4}', layers: [layer('c', 'LC')], tags: [] });
  assert.deepEqual(
    repo.layout(id)!.layers.map((l) => l.id),
    [hex('c')],
    'a re-inserted image is read again',
  );
  repo.deleteImage(id);
});

test('an insert that stores a layer again forgets the layouts naming its old link', () => {
  const id = `sha256:${hex('5')}`;
  repo.insert({ record: record('5', '2024-01-05T00:00:00Z'), config: '{"a":5}', layers: [layer('e', 'LE')], tags: [] });
  assert.equal(repo.layout(id)!.layers[0].link, 'LE'.padEnd(26, 'A'));
  repo.insert({ record: record('6', '2024-01-06T00:00:00Z'), config: '{"a":6}', layers: [layer('e', 'LF')], tags: [] });
  assert.equal(repo.layout(id)!.layers[0].link, 'LF'.padEnd(26, 'A'), 'the re-extracted layer is mounted by its new link');
  repo.deleteImage(`sha256:${hex('6')}`);
  repo.deleteImage(id);
});

/**
 * What pull and push record in the image store: RepoDigests (migration 0005)
 * listed with their image, found by reference, removed with it; layer blob
 * hints; and rmi by digest.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { openDatabase, closeDatabase } from '../../src/db/database.js';
import { ImagesRepo } from '../../src/db/images-repo.js';
import { createImageService } from '../../src/engine/images/service.js';
import type { ImageRecord } from '../../src/engine/model/image.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-images-registry-'));
const db = openDatabase(path.join(dir, 'state.db'));
after(() => {
  closeDatabase(db);
  fs.rmSync(dir, { recursive: true, force: true });
});

const hex = (c: string) => c.repeat(64);
const record = (c: string): ImageRecord => ({
  id: `sha256:${hex(c)}`,
  tags: [],
  repoDigests: [],
  created: '2024-01-01T00:00:00Z',
  architecture: 'amd64',
  os: 'linux',
  author: '',
  comment: '',
  config: { cmd: ['sh'], entrypoint: null, env: [], workingDir: '', user: '', labels: {}, exposedPorts: [], stopSignal: '', volumes: [] },
  diffIds: [`sha256:${hex('d')}`],
  layerIds: [hex('d')],
  history: [],
  size: 1,
  parent: '',
});
const layer = { id: hex('d'), diffId: `sha256:${hex('d')}`, size: 1, link: 'L'.repeat(26), createdAt: 1 };
const DIGEST_REF = `r:5000/team/bb@sha256:${hex('9')}`;

test('RepoDigests: recorded with the image, listed, found, and gone with it; blob hints', () => {
  const repo = new ImagesRepo<ImageRecord>(db);
  repo.insert({ record: record('1'), config: '{}', layers: [layer], tags: ['r:5000/team/bb:1'], digests: [DIGEST_REF] });
  assert.deepEqual(repo.get(`sha256:${hex('1')}`)!.repoDigests, [DIGEST_REF]);
  assert.deepEqual(repo.list()[0].repoDigests, [DIGEST_REF]);
  assert.equal(repo.findByDigest(DIGEST_REF)!.id, `sha256:${hex('1')}`);
  assert.equal(JSON.parse(JSON.stringify(repo.findByDigest(DIGEST_REF))).repoDigests.length, 1);
  repo.rememberBlob({ diffId: layer.diffId, repository: 'r:5000/team/bb', digest: `sha256:${hex('7')}`, size: 5 });
  repo.rememberBlob({ diffId: layer.diffId, repository: 'r:5000/team/bb', digest: `sha256:${hex('7')}`, size: 5 });
  assert.equal(repo.blobsOf(layer.diffId).length, 1);
  assert.equal(repo.removeDigest(DIGEST_REF), true);
  assert.equal(repo.findByDigest(DIGEST_REF), undefined);
  repo.addDigest(DIGEST_REF, `sha256:${hex('1')}`);
  repo.deleteImage(`sha256:${hex('1')}`);
  assert.equal(repo.findByDigest(DIGEST_REF), undefined);
});

test('rmi by digest reference, and the last tag of a repository takes its digests along', async () => {
  const images = createImageService({
    db,
    dataRoot: path.join(dir, 'data'),
    log: pino({ level: 'silent' }),
    containersUsing: () => [],
  });
  images.store.repo.insert({ record: record('2'), config: '{"x":2}', layers: [layer], tags: ['r:5000/team/bb:1'], digests: [DIGEST_REF] });
  await images.tag('r:5000/team/bb:1', 'r:5000/team/bb', '2');
  assert.equal((await images.inspect(DIGEST_REF)).id, `sha256:${hex('2')}`);
  await images.remove('r:5000/team/bb:2', { force: false, noprune: false });
  const items = await images.remove(DIGEST_REF.replace('@', ':1@'), { force: false, noprune: false });
  assert.deepEqual(items, [{ untagged: DIGEST_REF }]);
  await images.remove('r:5000/team/bb:1', { force: false, noprune: false });
  assert.equal(images.store.repo.findByDigest(DIGEST_REF), undefined);
});

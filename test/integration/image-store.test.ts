/**
 * The image store against the real kernel: import a busybox rootfs, mount a
 * container root over it, remove it; malicious and corrupt tars; 60 layers.
 * Needs root (overlay mounts and ownership); skipped otherwise.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { Readable } from 'node:stream';
import { execa } from 'execa';
import pino from 'pino';
import { openDatabase, closeDatabase } from '../../src/db/database.js';
import { createImageService } from '../../src/engine/images/service.js';
import { openLayerStore } from '../../src/engine/images/layer-store.js';
import { isMounted, mountRootfs, unmountRootfs } from '../../src/engine/images/rootfs.js';
import { isEngineError } from '../../src/engine/errors.js';

const isRoot = process.getuid?.() === 0;
const skip = isRoot ? false : 'needs root for overlay mounts';
const BUSYBOX_BIN = ['/usr/bin/busybox', '/bin/busybox'].find((p) => fs.existsSync(p));

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-image-store-'));
const dataRoot = path.join(tmp, 'root');
const mounts: string[] = [];
const db = openDatabase(path.join(dataRoot, 'state.db'));
let users: Array<{ id: string; running: boolean }> = [];
const images = createImageService({ db, dataRoot, log: pino({ level: 'silent' }), containersUsing: () => users });

after(async () => {
  for (const m of mounts) await unmountRootfs(m).catch(() => {});
  closeDatabase(db);
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** One ustar entry: header + body padded to 512. Deliberately unsanitized. */
function tarEntry(name: string, opts: { type?: '0' | '2' | '5'; body?: string; linkname?: string; mode?: number; uid?: number } = {}): Buffer {
  const body = Buffer.from(opts.body ?? '');
  const h = Buffer.alloc(512);
  const put = (off: number, len: number, s: string) => h.write(s, off, len, 'latin1');
  const octal = (off: number, len: number, n: number) => put(off, len, n.toString(8).padStart(len - 1, '0') + '\0');
  put(0, 100, name);
  octal(100, 8, opts.mode ?? 0o644);
  octal(108, 8, opts.uid ?? 0);
  octal(116, 8, opts.uid ?? 0);
  octal(124, 12, body.length);
  octal(136, 12, 1_700_000_000);
  put(148, 8, '        ');
  put(156, 1, opts.type ?? '0');
  put(157, 100, opts.linkname ?? '');
  put(257, 8, 'ustar\u000000');
  const sum = h.reduce((a, b) => a + b, 0);
  put(148, 8, sum.toString(8).padStart(6, '0') + '\0 ');
  return Buffer.concat([h, body, Buffer.alloc((512 - (body.length % 512)) % 512)]);
}

const tarOf = (...entries: Buffer[]) => Buffer.concat([...entries, Buffer.alloc(1024)]);
const overlayEntries = () => fs.readdirSync(path.join(dataRoot, 'overlay'));

async function busyboxRootfsTar(): Promise<Buffer> {
  const rootfs = path.join(tmp, 'rootfs');
  fs.mkdirSync(path.join(rootfs, 'bin'), { recursive: true });
  fs.mkdirSync(path.join(rootfs, 'tmp'), { mode: 0o1777 });
  fs.chmodSync(path.join(rootfs, 'tmp'), 0o1777);
  fs.copyFileSync(BUSYBOX_BIN!, path.join(rootfs, 'bin', 'busybox'));
  fs.chmodSync(path.join(rootfs, 'bin', 'busybox'), 0o755);
  fs.symlinkSync('busybox', path.join(rootfs, 'bin', 'sh'));
  const { stdout } = await execa('tar', ['-C', rootfs, '-cf', '-', '.'], { encoding: 'buffer' });
  return Buffer.from(stdout);
}

test('import busybox, mount a container root, write to upper, remove', { skip: skip || (!BUSYBOX_BIN && 'no busybox') }, async () => {
  const tarBytes = await busyboxRootfsTar();
  const { id } = await images.import({ source: Readable.from([tarBytes]), repo: 'busybox', tag: '', changes: ['CMD ["sh"]'], message: 'test' });
  assert.match(id, /^sha256:[a-f0-9]{64}$/);
  const img = await images.inspect('busybox');
  assert.equal(img.id, id);
  assert.deepEqual(img.tags, ['docker.io/library/busybox:latest']);
  assert.deepEqual(img.config.cmd, ['sh']);
  assert.equal(img.size, fs.statSync(BUSYBOX_BIN!).size);
  assert.equal((await images.inspect(id.slice(7, 15))).id, id);
  assert.equal((await images.list({ all: false, filters: new Map([['reference', ['busy*']]]) })).length, 1);

  // Same content gzipped: the layer is shared, not extracted twice.
  const { id: id2 } = await images.import({ source: Readable.from([zlib.gzipSync(tarBytes)]), repo: 'bb2', tag: 'x', changes: [], message: '' });
  const img2 = await images.inspect('bb2:x');
  assert.deepEqual(img2.diffIds, img.diffIds);
  assert.equal(overlayEntries().filter((n) => /^[a-f0-9]{64}$/.test(n)).length, 1);

  const layerDir = path.join(dataRoot, 'overlay', img.layerIds[0]);
  assert.equal(fs.statSync(path.join(layerDir, 'diff', 'tmp')).mode & 0o7777, 0o1777, 'modes survive the umask');
  const c = path.join(tmp, 'containers', 'c1');
  const merged = path.join(c, 'merged');
  mounts.push(merged);
  const lowers = images.lowerDirs(img);
  assert.equal(lowers.length, 1);
  const mountArgs = { overlayRoot: images.overlayRoot, lowers, upperDir: path.join(c, 'diff'), workDir: path.join(c, 'work'), mergedDir: merged };
  await mountRootfs(mountArgs);
  await mountRootfs(mountArgs); // idempotent
  assert.equal(await isMounted(merged), true);
  assert.ok(fs.statSync(path.join(merged, 'bin', 'busybox')).isFile());
  fs.writeFileSync(path.join(merged, 'hello'), 'hi');
  assert.equal(fs.readFileSync(path.join(c, 'diff', 'hello'), 'utf8'), 'hi');
  assert.equal(fs.existsSync(path.join(layerDir, 'diff', 'hello')), false);
  await unmountRootfs(merged);
  await unmountRootfs(merged); // not mounted: no-op
  assert.equal(await isMounted(merged), false);

  users = [{ id: 'c'.repeat(64), running: false }];
  await assert.rejects(images.remove('busybox', { force: false, noprune: false }), (e: unknown) => isEngineError(e, 'conflict'));
  users = [];
  assert.deepEqual(await images.remove('busybox', { force: false, noprune: false }), [{ untagged: 'busybox:latest' }, { deleted: id }]);
  assert.ok(fs.existsSync(layerDir), 'still used by bb2:x');
  const items = await images.remove(id2, { force: false, noprune: false });
  assert.deepEqual(items, [{ untagged: 'bb2:x' }, { deleted: id2 }, { deleted: `sha256:${img.layerIds[0]}` }]);
  assert.equal(fs.existsSync(layerDir), false);
  assert.deepEqual(fs.readdirSync(path.join(dataRoot, 'overlay', 'l')), []);
  assert.equal(images.count(), 0);
});

test('a malicious tar writes nothing outside the layer', { skip }, async () => {
  const victim = path.join(tmp, 'victim');
  fs.mkdirSync(victim);
  fs.writeFileSync(path.join(victim, 'canary'), 'untouched');
  const cases = [
    tarOf(tarEntry('../../x', { body: 'evil' })),
    tarOf(tarEntry('../../../x', { body: 'evil' })),
    tarOf(tarEntry('link', { type: '2', linkname: victim }), tarEntry('link/file', { body: 'evil' })),
    tarOf(tarEntry('rel', { type: '2', linkname: '../../../victim' }), tarEntry('rel/file', { body: 'evil' })),
    tarOf(
      tarEntry('/abs', { body: 'ok' }),
      tarEntry('../x', { body: 'evil' }),
      tarEntry('link', { type: '2', linkname: victim }),
      tarEntry('link/file', { body: 'evil' }),
    ),
  ];
  for (const [i, bytes] of cases.entries()) {
    await assert.rejects(
      images.import({ source: Readable.from([bytes]), repo: `evil${i}`, tag: '', changes: [], message: '' }),
      (e: unknown) => isEngineError(e, 'invalid-parameter'),
      `case ${i}`,
    );
  }
  assert.deepEqual(fs.readdirSync(victim), ['canary']);
  assert.equal(fs.readFileSync(path.join(victim, 'canary'), 'utf8'), 'untouched');
  for (const dir of [tmp, dataRoot, path.join(dataRoot, 'overlay')]) assert.equal(fs.existsSync(path.join(dir, 'x')), false, dir);
  assert.deepEqual(
    overlayEntries().filter((n) => n.startsWith('tmp-') || /^[a-f0-9]{64}$/.test(n)),
    [],
  );
  assert.equal(images.count(), 0);
});

test('an absolute entry name is kept inside the layer', { skip }, async () => {
  const { id } = await images.import({ source: Readable.from([tarOf(tarEntry('/etc/abs', { body: 'ok' }))]), repo: '', tag: '', changes: [], message: '' });
  const img = await images.inspect(id);
  assert.deepEqual(img.tags, []);
  assert.equal(fs.readFileSync(path.join(dataRoot, 'overlay', img.layerIds[0], 'diff', 'etc', 'abs'), 'utf8'), 'ok');
  assert.deepEqual(await images.remove(id, { force: false, noprune: false }), [{ deleted: id }, { deleted: `sha256:${img.layerIds[0]}` }]);
});

test('ownership, setuid and group-writable modes survive extraction', { skip }, async () => {
  const bytes = tarOf(
    tarEntry('suid', { body: '#!', mode: 0o4755, uid: 1000 }),
    tarEntry('shared/', { type: '5', mode: 0o2775, uid: 1001 }),
    tarEntry('shared/f', { body: 'x', mode: 0o666 }),
  );
  const { id } = await images.import({ source: Readable.from([bytes]), repo: 'modes', tag: '', changes: [], message: '' });
  const diff = path.join(dataRoot, 'overlay', (await images.inspect(id)).layerIds[0], 'diff');
  const st = (p: string) => fs.lstatSync(path.join(diff, p));
  assert.deepEqual([st('suid').mode & 0o7777, st('suid').uid], [0o4755, 1000]);
  assert.deepEqual([st('shared').mode & 0o7777, st('shared').uid], [0o2775, 1001]);
  assert.equal(st('shared/f').mode & 0o7777, 0o666);
  await images.remove('modes', { force: false, noprune: false });
});

test('an empty tar is an image with one empty layer', { skip }, async () => {
  const { id } = await images.import({ source: Readable.from([Buffer.alloc(10240)]), repo: 'empty', tag: '', changes: [], message: '' });
  const img = await images.inspect(id);
  assert.equal(img.size, 0);
  assert.equal(images.lowerDirs(img).length, 1);
  await images.remove('empty', { force: false, noprune: false });
});

test('corrupt gzip and truncated tar are 4xx and leave no temp dir', { skip }, async () => {
  const corrupt = Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, 0x00]), Buffer.alloc(600, 7)]);
  const truncated = tarEntry('f', { body: 'x'.repeat(2000) }).subarray(0, 900);
  for (const bytes of [corrupt, truncated, Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 1, 2])]) {
    await assert.rejects(images.import({ source: Readable.from([bytes]), repo: 'bad', tag: '', changes: [], message: '' }), (e: unknown) =>
      isEngineError(e, 'invalid-parameter'),
    );
  }
  assert.deepEqual(
    overlayEntries().filter((n) => n.startsWith('tmp-')),
    [],
  );
  await assert.rejects(images.inspect('bad'), (e: unknown) => isEngineError(e, 'not-found') && e.message === 'No such image: bad:latest');
});

test('60 layers mount through short links', { skip }, async () => {
  const store = openLayerStore(path.join(tmp, 'many'));
  const lowers: string[] = [];
  for (let i = 0; i < 60; i++) {
    const layer = await store.importLayerFromTar(Readable.from([tarOf(tarEntry(`f${i}`, { body: String(i) }), tarEntry('top', { body: String(i) }))]));
    lowers.unshift(store.lowerPath(layer.link));
  }
  const c = path.join(tmp, 'many-c');
  const merged = path.join(c, 'merged');
  mounts.push(merged);
  await mountRootfs({ overlayRoot: store.overlayRoot, lowers, upperDir: path.join(c, 'diff'), workDir: path.join(c, 'work'), mergedDir: merged });
  assert.equal(fs.readFileSync(path.join(merged, 'f0'), 'utf8'), '0');
  assert.equal(fs.readFileSync(path.join(merged, 'top'), 'utf8'), '59');
  await unmountRootfs(merged);
});

test('collectGarbage removes tmp dirs and layer dirs without a row', { skip }, async () => {
  const overlay = path.join(dataRoot, 'overlay');
  fs.mkdirSync(path.join(overlay, 'tmp-leftover', 'diff'), { recursive: true });
  fs.mkdirSync(path.join(overlay, 'e'.repeat(64), 'diff'), { recursive: true });
  fs.symlinkSync(`../${'e'.repeat(64)}/diff`, path.join(overlay, 'l', 'ZZZZZZZZZZZZZZZZZZZZZZZZZZ'));
  const removed = await images.collectGarbage();
  assert.deepEqual(removed.sort(), ['e'.repeat(64), 'l/ZZZZZZZZZZZZZZZZZZZZZZZZZZ', 'tmp-leftover'].sort());
  assert.ok(fs.existsSync(path.join(overlay, 'empty')));
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { removeFile, removeTree } from '../../src/engine/host/remove-tree.js';
import { containerLowers, makeInitPlaceholders } from '../../src/engine/containers/init-layer.js';
import type { ImageService } from '../../src/engine/images/service.js';
import type { ImageRecord } from '../../src/engine/model/image.js';

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'berth-container-files-'));
}

test('removeTree removes nested dirs, files and symlinks (never following one), concurrently within a directory', async () => {
  const base = tmp();
  const outside = path.join(base, 'outside');
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(outside, 'keep'), 'x');
  const tree = path.join(base, 'tree');
  for (let d = 0; d < 5; d++) {
    const dir = path.join(tree, `d${d}`, 'deeper');
    fs.mkdirSync(dir, { recursive: true });
    for (let f = 0; f < 70; f++) fs.writeFileSync(path.join(dir, `f${f}`), 'data');
  }
  fs.symlinkSync(outside, path.join(tree, 'link-to-outside'));
  fs.symlinkSync('/nonexistent', path.join(tree, 'dangling'));
  await removeTree(tree);
  assert.equal(fs.existsSync(tree), false);
  assert.equal(fs.readFileSync(path.join(outside, 'keep'), 'utf8'), 'x');
  fs.rmSync(base, { recursive: true, force: true });
});

test('removeTree: a missing target is no error; a file or a symlink target is removed itself', async () => {
  const base = tmp();
  await removeTree(path.join(base, 'missing'));
  fs.writeFileSync(path.join(base, 'file'), 'x');
  await removeTree(path.join(base, 'file'));
  fs.symlinkSync(base, path.join(base, 'link'));
  await removeTree(path.join(base, 'link'));
  assert.deepEqual(fs.readdirSync(base), []);
  fs.rmSync(base, { recursive: true, force: true });
});

test('removeTree lets other work run while it removes a large tree', async () => {
  const base = tmp();
  for (let f = 0; f < 300; f++) fs.writeFileSync(path.join(base, `f${f}`), '');
  let turns = 0;
  const ticker = setInterval(() => turns++, 0);
  await removeTree(base);
  clearInterval(ticker);
  assert.equal(fs.existsSync(base), false);
  assert.ok(turns > 0, 'the event loop got a turn during the removal');
});

test('init placeholders: made where the image has nothing; an image path, or a non-directory parent, is never shadowed; the plan is reused', async () => {
  const base = tmp();
  const lower = path.join(base, 'lower');
  fs.mkdirSync(path.join(lower, 'etc'), { recursive: true });
  fs.writeFileSync(path.join(lower, 'etc', 'hosts'), 'image hosts');
  fs.writeFileSync(path.join(lower, 'dev'), 'not a directory');
  for (const n of [1, 2]) {
    const upper = path.join(base, `upper${n}`);
    fs.mkdirSync(upper);
    await makeInitPlaceholders(upper, [lower]);
    assert.equal(fs.existsSync(path.join(upper, 'etc', 'hosts')), false, 'the image has /etc/hosts');
    assert.equal(fs.existsSync(path.join(upper, 'dev')), false, "the image's /dev is a file");
    assert.equal(fs.statSync(path.join(upper, 'etc', 'hostname')).size, 0);
    assert.ok(fs.statSync(path.join(upper, 'proc')).isDirectory());
    assert.ok(fs.statSync(path.join(upper, '.dockerenv')).isFile());
    assert.equal(fs.readlinkSync(path.join(upper, 'etc', 'mtab')), '/proc/mounts');
  }
  // A second run over an existing upper dir is harmless (a retried create).
  await makeInitPlaceholders(path.join(base, 'upper1'), [lower]);
  fs.rmSync(base, { recursive: true, force: true });
});

test("the init layer is made once per image's top layer, by one of several concurrent creates; an image without layers has its own", async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-init-shared-'));
  try {
    const layer = 'a'.repeat(64);
    fs.mkdirSync(path.join(root, layer, 'diff', 'etc'), { recursive: true });
    fs.writeFileSync(path.join(root, layer, 'diff', 'etc', 'hosts'), 'the image own hosts');
    const fake = (layers: string[]) =>
      ({
        overlayRoot: root,
        lowerDirs: () => layers.map((l) => `${l}/diff`),
        layerSizes: () => layers.map((id) => ({ id, size: 0 })),
      }) as unknown as ImageService;
    const image = { id: 'sha256:x' } as ImageRecord;
    const all = await Promise.all(Array.from({ length: 8 }, () => containerLowers(fake([layer]), image)));
    for (const lowers of all) assert.deepEqual(lowers, [`${layer}/init`, `${layer}/diff`]);
    assert.deepEqual(
      fs.readdirSync(root).filter((n) => n.startsWith('tmp-')),
      [],
      'the losers of the rename left nothing',
    );
    const init = path.join(root, layer, 'init');
    assert.ok(fs.existsSync(path.join(init, '.dockerenv')));
    assert.ok(!fs.existsSync(path.join(init, 'etc', 'hosts')), "the image's own file is never shadowed");
    assert.deepEqual(await containerLowers(fake([]), image), ['empty-init']);
    assert.ok(fs.existsSync(path.join(root, 'empty-init', '.dockerenv')));
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('removeTree: empty and non-empty directories at any depth, a directory named like a file, a target that is a dangling symlink', async () => {
  const base = tmp();
  const tree = path.join(base, 'tree');
  // The layout of a container's directory after its root was unmounted.
  for (const d of ['merged', 'upper', 'work/work', 'a/b/c/d']) fs.mkdirSync(path.join(tree, d), { recursive: true });
  for (const f of ['ctr.log', 'hosts', 'a/b/file', 'a/b/c/d/file']) fs.writeFileSync(path.join(tree, f), 'x');
  await removeTree(tree);
  assert.equal(fs.existsSync(tree), false);
  fs.symlinkSync('/nonexistent', path.join(base, 'dangling'));
  await removeTree(path.join(base, 'dangling'));
  assert.deepEqual(fs.readdirSync(base), []);
  fs.rmSync(base, { recursive: true, force: true });
});

test('removeFile: removes a file or a symlink (not its target), a missing one is no error, a directory is refused', async () => {
  const base = tmp();
  fs.writeFileSync(path.join(base, 'file'), 'x');
  fs.writeFileSync(path.join(base, 'target'), 'x');
  fs.symlinkSync(path.join(base, 'target'), path.join(base, 'link'));
  await removeFile(path.join(base, 'file'));
  await removeFile(path.join(base, 'link'));
  await removeFile(path.join(base, 'missing'));
  await removeFile(path.join(base, 'missing', 'below'));
  assert.deepEqual(fs.readdirSync(base), ['target']);
  fs.mkdirSync(path.join(base, 'dir'));
  await assert.rejects(removeFile(path.join(base, 'dir')), (err: NodeJS.ErrnoException) => err.code === 'EISDIR' || err.code === 'EPERM');
  fs.rmSync(base, { recursive: true, force: true });
});

test('removeTree: an entry made while the listed ones are removed is removed too (listed again)', async (t) => {
  const base = tmp();
  const tree = path.join(base, 'bundle');
  fs.mkdirSync(tree);
  fs.writeFileSync(path.join(tree, 'config.json'), '{}');
  const readdir = fsp.readdir.bind(fsp);
  let listings = 0;
  t.mock.method(fsp, 'readdir', async (dir: string, opts: { withFileTypes: true }) => {
    const listed = await readdir(dir, opts);
    // As an exec session's directory appears in a bundle being torn down.
    if (dir === tree && listings++ === 0) fs.mkdirSync(path.join(tree, 'exec', 'session', 'exit'), { recursive: true });
    return listed;
  });
  await removeTree(tree);
  assert.equal(fs.existsSync(tree), false);
  assert.equal(listings, 2);
  fs.rmSync(base, { recursive: true, force: true });
});

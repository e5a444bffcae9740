/**
 * save / load / history / prune against a real berthd and the docker CLI:
 * round trip keeps the image ID, multi-image archives store shared layers
 * once, OCI layouts load, whiteouts and opaque dirs hide lower files in a
 * running container, and bad archives are 400 with nothing registered.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { startDaemon, type TestDaemon } from './helpers/daemon.js';
import { busyboxRootfsTar, importBusybox } from './helpers/images.js';
import { dockerArchive, makeImage, makeTar, ociArchive, whiteoutLayer, type FixtureImage } from './helpers/image-archives.js';

const skip = process.getuid?.() === 0 ? false : 'needs root';
let d: TestDaemon;
let base: Buffer;

before(async () => {
  if (skip) return;
  d = await startDaemon();
  base = fs.readFileSync(await busyboxRootfsTar());
});

after(async () => {
  await d?.cleanup();
});

const load = (body: Buffer) => d.request('POST', '/images/load', { body, headers: { 'Content-Type': 'application/x-tar' }, query: { quiet: '1' } });

/** Layer dirs in the store (64-hex names), and leftovers of loads (tmp-*). */
function storeDirs(): { layers: string[]; tmp: string[] } {
  const names = fs.readdirSync(path.join(d.dataRoot, 'overlay'));
  return { layers: names.filter((n) => /^[a-f0-9]{64}$/.test(n)), tmp: names.filter((n) => n.startsWith('tmp-')) };
}

async function imageIds(): Promise<string[]> {
  return ((await d.request('GET', '/images/json')).json() as Array<{ Id: string }>).map((i) => i.Id).sort();
}

async function twoImages(): Promise<{ a: FixtureImage; b: FixtureImage }> {
  const a = makeImage([base], ['fx/a:1']);
  const b = makeImage([base, await whiteoutLayer()], ['fx/b:2'], { labels: { keep: 'no' } });
  return { a, b };
}

test('docker save, rmi, load gives the same image ID; save is byte-identical', { skip }, async () => {
  const id = await importBusybox(d, 'rt', 'latest');
  const file = path.join(d.root, 'rt.tar');
  assert.equal((await d.docker(['save', 'rt', '-o', file])).code, 0);
  const first = fs.readFileSync(file);
  assert.equal((await d.docker(['rmi', 'rt'])).code, 0);
  const res = await d.docker(['load', '-i', file]);
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stdout, /Loaded image: rt:latest/);
  const inspected = await d.docker(['image', 'inspect', '--format', '{{.Id}}', 'rt']);
  assert.equal(inspected.stdout.trim(), id);
  const again = await d.request('GET', '/images/rt/get');
  assert.equal(again.status, 200);
  assert.ok(again.body.equals(first), 'a second save is byte-identical');
  const run = await d.docker(['run', '--rm', 'rt', 'echo', 'loaded-ok']);
  assert.equal(run.stdout.trim(), 'loaded-ok');
  await d.docker(['rmi', 'rt']);
});

test('two images sharing a base: one load, shared layer stored once, whiteouts applied', { skip }, async () => {
  const { a, b } = await twoImages();
  const before = storeDirs().layers.length;
  const res = await load(await dockerArchive([a, b]));
  assert.equal(res.status, 200, res.body.toString());
  assert.match(res.body.toString(), /Loaded image: fx\/a:1\\n/);
  assert.match(res.body.toString(), /Loaded image: fx\/b:2\\n/);
  assert.equal(storeDirs().layers.length, before + 2, 'base once + the whiteout layer');
  const ids = await imageIds();
  assert.ok(ids.includes(a.id) && ids.includes(b.id));
  const out = await d.docker([
    'run',
    '--rm',
    'fx/b:2',
    'sh',
    '-c',
    'cat /new.txt; ls /etc; test -e /bin/ls || echo ls-gone; test -e /bin/cat && echo cat-here',
  ]);
  assert.equal(out.code, 0, out.stderr);
  // hostname, hosts and resolv.conf are the container's bind mounts, mtab (-> /proc/mounts) is Docker's
  // init layer (dockerd lists it too); group and passwd are hidden by the opaque dir.
  assert.equal(out.stdout, 'hi\nhostname\nhosts\nmtab\nonly\nresolv.conf\nls-gone\ncat-here\n');
  const saved = await d.request('GET', `/images/get?names=${encodeURIComponent('fx/a:1')}&names=${encodeURIComponent('fx/b:2')}`);
  assert.equal(saved.status, 200);
  await d.docker(['rmi', 'fx/a:1', 'fx/b:2']);
  const reloaded = await load(saved.body);
  assert.equal(reloaded.status, 200, reloaded.body.toString());
  assert.deepEqual((await imageIds()).filter((i) => i === a.id || i === b.id).sort(), [a.id, b.id].sort());
  await d.docker(['rmi', 'fx/a:1', 'fx/b:2']);
});

test('OCI image layout archive (gzip layers) loads through the docker CLI', { skip }, async () => {
  const img = makeImage([base, await makeTar([['oci.txt', 'oci\n']])], ['fx/oci:1']);
  const file = path.join(d.root, 'oci.tar');
  fs.writeFileSync(file, await ociArchive([img]));
  const res = await d.docker(['load', '-i', file]);
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stdout, /Loaded image: fx\/oci:1/);
  const out = await d.docker(['run', '--rm', 'fx/oci:1', 'cat', '/oci.txt']);
  assert.equal(out.stdout, 'oci\n');
  await d.docker(['rmi', 'fx/oci:1']);
});

test('bad archives are a 200 with an in-band error line (as dockerd) and register nothing', { skip }, async () => {
  const good = makeImage([await makeTar([['x', 'x']])], ['fx/bad:1']);
  const evil = await makeTar([['../escape', 'boom']]);
  const cases: Array<[string, Buffer]> = [
    ['not a tar', Buffer.from('hello, this is not an archive at all'.repeat(40))],
    ['corrupt gzip', zlib.gzipSync(await dockerArchive([good])).subarray(0, 300)],
    [
      'missing blob',
      await makeTar([
        ['manifest.json', JSON.stringify([{ Config: `${good.id.slice(7)}.json`, RepoTags: ['fx/bad:1'], Layers: ['missing/layer.tar'] }])],
        [`${good.id.slice(7)}.json`, good.config],
      ]),
    ],
    ['diff id mismatch', await dockerArchive([{ ...good, layers: [await makeTar([['x', 'y']])] }])],
    ['layer with ../', await dockerArchive([makeImage([evil], ['fx/bad:1'])])],
    ['manifest path escaping', await makeTar([['manifest.json', JSON.stringify([{ Config: '../../../etc/passwd', Layers: [] }])]])],
  ];
  const idsBefore = await imageIds();
  for (const [name, body] of cases) {
    const res = await load(body);
    assert.equal(res.status, 200, `${name}: ${res.status} ${res.body.toString()}`);
    assert.match(res.json().error, /invalid|Error processing tar file/i, name);
  }
  assert.deepEqual(await imageIds(), idsBefore);
  assert.deepEqual(storeDirs().tmp, []);
  assert.equal(fs.existsSync(path.join(d.dataRoot, 'escape')), false);
  assert.equal((await d.request('GET', '/_ping')).status, 200);
});

test('history has the image ID on top and <missing> below; unknown image 404', { skip }, async () => {
  const { b } = await twoImages();
  assert.equal((await load(await dockerArchive([b]))).status, 200);
  const rows = (await d.request('GET', '/images/fx/b:2/history')).json() as Array<Record<string, unknown>>;
  assert.deepEqual(
    rows.map((r) => r.Id),
    [b.id, '<missing>', '<missing>'],
  );
  assert.deepEqual(
    rows.map((r) => r.CreatedBy),
    ['CMD', 'layer 1', 'layer 0'],
  );
  assert.deepEqual(rows[0].Tags, ['fx/b:2']);
  assert.equal(rows[0].Size, 0);
  assert.ok((rows[2].Size as number) > 1_000_000);
  const cli = await d.docker(['history', '--format', '{{.ID}}', 'fx/b:2']);
  assert.deepEqual(cli.stdout.trim().split('\n'), [b.id.slice(7, 19), '<missing>', '<missing>']);
  assert.equal((await d.request('GET', '/images/nope:1/history')).status, 404);
  await d.docker(['rmi', 'fx/b:2']);
});

test('image prune: dangling only by default, label filters, -a keeps images in use, truthful SpaceReclaimed', { skip }, async () => {
  const { a, b } = await twoImages();
  assert.equal((await load(await dockerArchive([a, b]))).status, 200);
  await d.docker(['tag', 'fx/a:1', 'fx/dangling:1']);
  await d.docker(['rmi', 'fx/dangling:1']);
  const none = (await d.request('POST', '/images/prune')).json();
  assert.deepEqual(none, { ImagesDeleted: null, SpaceReclaimed: 0 });
  const used = await d.docker(['create', 'fx/a:1']);
  assert.equal(used.code, 0, used.stderr);
  const labelled = (await d.request('POST', '/images/prune', { query: { filters: { dangling: ['false'], label: ['keep=no'] } } })).json();
  assert.deepEqual(labelled.ImagesDeleted.slice(0, 2), [{ Untagged: 'fx/b:2' }, { Deleted: b.id }]);
  assert.equal(labelled.ImagesDeleted.length, 3, 'the shared base layer stays: only the top layer is deleted');
  assert.ok(labelled.SpaceReclaimed > 0 && labelled.SpaceReclaimed < 100, `only the small whiteout layer: ${labelled.SpaceReclaimed}`);
  const all = await d.docker(['image', 'prune', '-af']);
  assert.equal(all.code, 0, all.stderr);
  assert.ok((await imageIds()).includes(a.id), 'an image a container uses is kept');
  await d.docker(['rm', used.stdout.trim()]);
  const last = (await d.request('POST', '/images/prune', { query: { filters: { dangling: ['false'] } } })).json();
  assert.ok(last.ImagesDeleted.some((x: { Deleted?: string }) => x.Deleted === a.id));
  assert.ok(last.SpaceReclaimed > 1_000_000);
});

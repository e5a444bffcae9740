/**
 * Crash safety of the image store (issue 3, item 10): berthd is SIGKILLed
 * while a large multi-layer `docker load` or a `docker commit` of a big upper
 * dir runs, at several moments picked by watching <dataRoot>/overlay. After
 * the next start every image is listed whole or not at all, the overlay dir
 * holds exactly the layers of the listed images (no tmp-*, no orphan layer
 * dir, no dangling short link), and the same load / commit then succeeds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { DockerResult } from './helpers/docker-cli.js';
import { busyboxRootfsTar } from './helpers/images.js';
import { dockerArchive, makeImage, makeTar, type FixtureImage } from './helpers/image-archives.js';
import { useDaemon } from './helpers/suite.js';

const skip = process.getuid?.() === 0 ? false : 'needs root';
const LAYERS = 6;
const LAYER_BYTES = 4 << 20;
const d = useDaemon({ skip });

const overlay = () => path.join(d.dataRoot, 'overlay');
const isLayerDir = (n: string) => /^[a-f0-9]{64}$/.test(n);
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/** Layer dir names (chain IDs) of a list of diff IDs, as the store names them. */
function chainIds(diffIds: string[]): string[] {
  const out: string[] = [];
  for (const id of diffIds) out.push(out.length ? sha(`sha256:${out[out.length - 1]} ${id}`) : id.slice(7));
  return out;
}

/**
 * Busybox (already stored, so shared) plus `LAYERS` layers of one file of
 * `LAYER_BYTES` random bytes each: incompressible, so loading takes a while.
 */
async function bigImage(tag: string): Promise<FixtureImage> {
  const layers: Buffer[] = [fs.readFileSync(await busyboxRootfsTar())];
  for (let i = 0; i < LAYERS; i++) {
    const content = randomBytes(LAYER_BYTES);
    layers.push(await makeTar([{ entry: { name: `blob${i}`, type: 'file', mode: 0o644, mtime: 1_700_000_000, size: content.length }, content }]));
  }
  return makeImage(layers, [tag]);
}

/**
 * Polls the overlay dir (yielding to I/O between polls) until `when` holds for
 * its entry names, then SIGKILLs berthd. Resolves to the names seen at the
 * kill, or null when `work` finished first (berthd is left running then).
 */
async function killWhen(work: Promise<DockerResult>, when: Moment[1]): Promise<string[] | null> {
  const started = Date.now();
  let done = false;
  void work.finally(() => (done = true));
  while (!done) {
    const names = fs.readdirSync(overlay());
    if (when(names, Date.now() - started)) {
      await d.kill9();
      await work;
      return names;
    }
    await new Promise((r) => setImmediate(r));
  }
  return null;
}

/** The store after a restart matches the listed images exactly; returns the listed image IDs. */
async function assertConsistent(label: string): Promise<string[]> {
  const images = (await d.request('GET', '/images/json', { query: { all: 1 } })).json() as Array<{ Id: string }>;
  const expected = new Set<string>();
  for (const img of images) {
    const res = await d.request('GET', `/images/${img.Id}/json`);
    assert.equal(res.status, 200, `${label}: listed image ${img.Id} cannot be inspected`);
    for (const c of chainIds(res.json().RootFS.Layers)) expected.add(c);
  }
  const names = fs.readdirSync(overlay());
  assert.deepEqual(
    names.filter((n) => n.startsWith('tmp-')),
    [],
    `${label}: tmp dirs left`,
  );
  assert.deepEqual(
    names.filter((n) => !isLayerDir(n) && n !== 'l' && n !== 'empty' && !n.startsWith('tmp-')),
    [],
    `${label}: unknown entries`,
  );
  assert.deepEqual(names.filter(isLayerDir).sort(), [...expected].sort(), `${label}: layer dirs ≠ layers of listed images`);
  for (const id of expected) {
    for (const f of ['diff', 'link']) assert.ok(fs.existsSync(path.join(overlay(), id, f)), `${label}: ${id}/${f} missing`);
  }
  const links = fs.readdirSync(path.join(overlay(), 'l'));
  assert.equal(links.length, expected.size, `${label}: short links ≠ layers`);
  for (const l of links) assert.ok(fs.existsSync(path.join(overlay(), 'l', l)), `${label}: dangling short link l/${l}`);
  return images.map((i) => i.Id);
}

/** The image is listed whole (tag, every layer readable in a container) or not at all. */
async function assertWholeOrNothing(label: string, ids: string[], id: string, tag: string, check: string[]): Promise<boolean> {
  const tagged = await d.request('GET', `/images/${encodeURIComponent(tag)}/json`);
  if (!ids.includes(id)) {
    assert.equal(tagged.status, 404, `${label}: tag without image`);
    return false;
  }
  assert.equal(tagged.status, 200, `${label}: image listed without its tag`);
  const run = await d.docker(['run', '--rm', tag, ...check]);
  assert.equal(run.code, 0, `${label}: ${run.stderr}`);
  return true;
}

/** A moment to kill at: a test over the overlay dir's names and the ms since the command started. */
type Moment = [name: string, when: (names: string[], elapsedMs: number) => boolean];
const tmpLayers = (names: string[]) => names.filter((n) => n.startsWith('tmp-') && !n.startsWith('tmp-load-')).length;

test('kill -9 during docker load leaves the whole image or nothing', { skip, timeout: 90_000 }, async () => {
  const img = await bigImage('crash/load:1');
  const file = path.join(d.root, 'big-load.tar');
  fs.writeFileSync(file, await dockerArchive([img]));
  const baseLayers = new Set(fs.readdirSync(overlay()).filter(isLayerDir));
  const moments: Moment[] = [
    ['upload being unpacked', (n) => n.some((x) => x.startsWith('tmp-load-'))],
    ['first layer extracting', (n) => tmpLayers(n) >= 1],
    ['half the layers extracted', (n) => tmpLayers(n) >= LAYERS / 2],
    ['layers being placed', (n) => n.filter(isLayerDir).some((x) => !baseLayers.has(x))],
  ];
  const check = ['sh', '-c', `for i in ${[...Array(LAYERS).keys()].join(' ')}; do test -s /blob$i || exit 1; done`];
  const outcomes: string[] = [];
  for (const [name, when] of moments) {
    const seen = await killWhen(d.docker(['load', '-i', file], { timeoutMs: 60_000 }), when);
    if (seen) await d.start();
    const ids = await assertConsistent(`load, ${name}`);
    const whole = await assertWholeOrNothing(`load, ${name}`, ids, img.id, 'crash/load:1', check);
    outcomes.push(`${name}: ${seen ? 'killed' : 'finished first'}, image ${whole ? 'whole' : 'absent'}`);
    const again = await d.docker(['load', '-i', file], { timeoutMs: 60_000 });
    assert.equal(again.code, 0, `load after ${name}: ${again.stderr}`);
    assert.ok(await assertWholeOrNothing(`reload, ${name}`, await assertConsistent(`reload, ${name}`), img.id, 'crash/load:1', check));
    assert.equal((await d.docker(['rmi', 'crash/load:1'])).code, 0);
  }
  console.log(outcomes.join('\n'));
  assert.ok(
    outcomes.some((o) => o.includes('killed')),
    'no kill landed inside a load',
  );
  fs.rmSync(file);
});

test('kill -9 during docker commit of a big upper dir leaves the whole image or nothing', { skip, timeout: 90_000 }, async () => {
  const write = `for i in ${[...Array(LAYERS).keys()].join(' ')}; do head -c ${LAYER_BYTES} /dev/urandom >/big$i; done`;
  const run = await d.docker(['run', '--name', 'crash-c', 'busybox', 'sh', '-c', write]);
  assert.equal(run.code, 0, run.stderr);
  const baseLayers = new Set(fs.readdirSync(overlay()).filter(isLayerDir));
  const moments: Moment[] = [
    ['layer extracting', (n) => tmpLayers(n) >= 1],
    ['layer placed', (n) => n.filter(isLayerDir).some((x) => !baseLayers.has(x))],
    ['60 ms in', (_n, ms) => ms > 60],
  ];
  const check = ['test', '-s', `/big${LAYERS - 1}`];
  const outcomes: string[] = [];
  for (const [name, when] of moments) {
    const seen = await killWhen(d.docker(['commit', 'crash-c', 'crash/commit:1'], { timeoutMs: 60_000 }), when);
    if (seen) await d.start();
    const ids = await assertConsistent(`commit, ${name}`);
    const id = (await d.request('GET', '/images/crash%2Fcommit:1/json')).json()?.Id ?? 'sha256:none';
    const whole = await assertWholeOrNothing(`commit, ${name}`, ids, id, 'crash/commit:1', check);
    outcomes.push(`${name}: ${seen ? 'killed' : 'finished first'}, image ${whole ? 'whole' : 'absent'}`);
    const again = await d.docker(['commit', 'crash-c', 'crash/commit:1'], { timeoutMs: 60_000 });
    assert.equal(again.code, 0, `commit after ${name}: ${again.stderr}`);
    const after = await assertConsistent(`recommit, ${name}`);
    assert.ok(await assertWholeOrNothing(`recommit, ${name}`, after, again.stdout.trim(), 'crash/commit:1', check));
    assert.equal((await d.docker(['rmi', 'crash/commit:1'])).code, 0);
  }
  console.log(outcomes.join('\n'));
  assert.ok(
    outcomes.some((o) => o.includes('killed')),
    'no kill landed inside a commit',
  );
  assert.equal((await d.docker(['rm', 'crash-c'])).code, 0);
});

// Known bug (reported, not in this file's owner's code): commit pauses a running
// container, and a kill -9 before the unpause leaves it paused after the restart.
test('kill -9 during commit of a running container does not leave it paused', { skip, timeout: 60_000 }, async () => {
  const write = `for i in ${[...Array(LAYERS).keys()].join(' ')}; do head -c ${LAYER_BYTES} /dev/urandom >/big$i; done; echo ready; sleep 300`;
  const run = await d.docker(['run', '-d', '--name', 'crash-r', 'busybox', 'sh', '-c', write]);
  assert.equal(run.code, 0, run.stderr);
  for (let i = 0; i < 200 && !(await d.docker(['logs', 'crash-r'])).stdout.includes('ready'); i++) await new Promise((r) => setTimeout(r, 50));
  try {
    const seen = await killWhen(d.docker(['commit', 'crash-r', 'crash/running:1'], { timeoutMs: 60_000 }), (n) => tmpLayers(n) >= 1);
    if (seen) await d.start();
    await assertConsistent('running commit');
    const state = await d.docker(['inspect', '--format', '{{.State.Status}}', 'crash-r']);
    assert.equal(state.stdout.trim(), 'running');
  } finally {
    await d.docker(['rm', '-f', 'crash-r']);
    await d.docker(['rmi', 'crash/running:1']);
  }
});

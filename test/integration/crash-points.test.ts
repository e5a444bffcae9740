/**
 * The crash-point matrix: for every fault point (src/engine/fault.ts), berthd
 * is started with BERTH_FAULT_POINT naming it, the operation that reaches it
 * is run (berthd SIGKILLs itself there), berthd is restarted without it, and
 * then: `berthd check` passes; the operation is whole or absent; its retry
 * succeeds or conflicts cleanly; a canary directory outside the data root is
 * unchanged. A representative subset runs by default; BERTH_LONG_TESTS=1 runs
 * every point.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { logs } from './helpers/api.js';
import { berthdCheck } from './helpers/check.js';
import type { TestDaemon } from './helpers/daemon.js';
import { skipUnlessRoot } from './helpers/docker-cli.js';
import { dockerArchive, makeImage, makeTar } from './helpers/image-archives.js';
import { skipUnlessRegistry, startRegistry, type TestRegistry } from './helpers/registry.js';
import { useDaemon } from './helpers/suite.js';

type Ctx = { id: string; name: string; extra?: string };

interface Point {
  /** The fault point's name, as in the source. */
  point: string;
  /** Runs on the healthy daemon before it is restarted with the fault armed. */
  setup(d: TestDaemon, name: string): Promise<Ctx>;
  /** The operation that reaches the point (the daemon dies during or soon after it). */
  act(d: TestDaemon, c: Ctx): Promise<unknown>;
  /** After the restart: whole or absent, and the retry succeeds or conflicts cleanly. */
  verify(d: TestDaemon, c: Ctx): Promise<void>;
}

const SLEEP = { Image: 'busybox', Cmd: ['sleep', '1000'] };

async function create(d: TestDaemon, name: string): Promise<Ctx> {
  const r = await d.request('POST', '/containers/create', { query: { name }, body: SLEEP });
  assert.equal(r.status, 201, r.body.toString());
  return { id: r.json().Id as string, name };
}

async function running(d: TestDaemon, name: string): Promise<Ctx> {
  const c = await create(d, name);
  assert.equal((await d.request('POST', `/containers/${c.id}/start`)).status, 204);
  return c;
}

async function status(d: TestDaemon, ref: string): Promise<string | undefined> {
  const r = await d.request('GET', `/containers/${ref}/json`);
  if (r.status === 404) return undefined;
  assert.equal(r.status, 200, r.body.toString());
  return r.json().State.Status as string;
}

function expectStatus(r: { status: number; body: Buffer }, allowed: number[], what: string): void {
  assert.ok(allowed.includes(r.status), `${what}: HTTP ${r.status} ${r.body.toString()} (allowed ${allowed.join(', ')})`);
}

/** A one-layer image unique to `name`, as a docker-archive. */
async function uniqueArchive(name: string): Promise<{ archive: Buffer; tag: string }> {
  const layer = await makeTar([
    ['crash/', undefined],
    [`crash/${name}`, `${name}\n`],
  ]);
  const tag = `crash-${name}:latest`;
  return { archive: await dockerArchive([makeImage([layer], [tag])]), tag };
}

async function imageExists(d: TestDaemon, ref: string): Promise<boolean> {
  const r = await d.request('GET', `/images/${ref}/json`);
  assert.ok(r.status === 200 || r.status === 404, r.body.toString());
  return r.status === 200;
}

const createPoint = (point: string): Point => ({
  point,
  setup: async (_d, name) => ({ id: '', name }),
  act: (d, c) => d.request('POST', '/containers/create', { query: { name: c.name }, body: SLEEP }),
  verify: async (d, c) => {
    const before = await status(d, c.name);
    assert.ok(before === undefined || before === 'created', `whole or absent: ${before}`);
    const retry = await d.request('POST', '/containers/create', { query: { name: c.name }, body: SLEEP });
    expectStatus(retry, before === undefined ? [201] : [409], 'retry create');
  },
});

const startPoint = (point: string): Point => ({
  point,
  setup: (d, name) => create(d, name),
  act: (d, c) => d.request('POST', `/containers/${c.id}/start`),
  verify: async (d, c) => {
    const s = await status(d, c.id);
    assert.ok(s === 'created' || s === 'running' || s === 'exited', `start is whole or absent: ${s}`);
    expectStatus(await d.request('POST', `/containers/${c.id}/start`), [204, 304], 'retry start');
    assert.equal(await status(d, c.id), 'running');
  },
});

/** Points reached when a stop's exit is recorded (or by the stop itself). */
const stopPoint = (point: string): Point => ({
  point,
  setup: (d, name) => running(d, name),
  act: (d, c) => d.request('POST', `/containers/${c.id}/stop`, { query: { t: 1 } }),
  verify: async (d, c) => {
    const s = await status(d, c.id);
    assert.ok(s === 'running' || s === 'exited', `stop is whole or absent: ${s}`);
    expectStatus(await d.request('POST', `/containers/${c.id}/stop`, { query: { t: 1 } }), [204, 304], 'retry stop');
    assert.equal(await status(d, c.id), 'exited');
    expectStatus(await d.request('POST', `/containers/${c.id}/start`), [204], 'start after stop');
  },
});

const removePoint = (point: string): Point => ({
  point,
  setup: (d, name) => running(d, name),
  act: (d, c) => d.request('DELETE', `/containers/${c.id}`, { query: { force: 1 } }),
  verify: async (d, c) => {
    const s = await status(d, c.id);
    assert.ok(s === undefined || s === 'running' || s === 'exited', `removal is whole or absent: ${s}`);
    expectStatus(await d.request('DELETE', `/containers/${c.id}`, { query: { force: 1 } }), s === undefined ? [404] : [204], 'retry remove');
    assert.equal(await status(d, c.id), undefined);
    expectStatus(await d.request('POST', '/containers/create', { query: { name: c.name }, body: SLEEP }), [201], 'the name is free again');
  },
});

/** A container logging 100000 numbered lines through many rotations; berthd dies between a rename and conmon's reopen. */
const LOG_LINES = 100_000;
const logsPoint = (point: string): Point => ({
  point,
  setup: async (d, name) => {
    const body = {
      ...SLEEP,
      Cmd: ['sh', '-c', `sleep 1; seq 1 ${LOG_LINES}`],
      HostConfig: { LogConfig: { Type: 'json-file', Config: { 'max-size': '64k', 'max-file': '1000' } } },
    };
    const r = await d.request('POST', '/containers/create', { query: { name }, body });
    assert.equal(r.status, 201, r.body.toString());
    return { id: r.json().Id as string, name };
  },
  act: (d, c) => d.request('POST', `/containers/${c.id}/start`),
  verify: async (d, c) => {
    assert.equal((await d.request('POST', `/containers/${c.id}/wait`)).status, 200);
    const lines = (await logs(d, c.id)).stdout.split('\n').filter(Boolean);
    assert.equal(lines.length, LOG_LINES, 'every line once');
    assert.ok(
      lines.every((l, i) => l === String(i + 1)),
      'in order, none lost or repeated',
    );
  },
});

const renamePoint = (point: string): Point => ({
  point,
  setup: (d, name) => create(d, name),
  act: (d, c) => d.request('POST', `/containers/${c.id}/rename`, { query: { name: `${c.name}-new` } }),
  verify: async (d, c) => {
    const [oldName, newName] = [await status(d, c.name), await status(d, `${c.name}-new`)];
    assert.ok((oldName === undefined) !== (newName === undefined), 'exactly one name resolves');
    const retry = await d.request('POST', `/containers/${c.id}/rename`, { query: { name: `${c.name}-new` } });
    expectStatus(retry, newName === undefined ? [204] : [409], 'retry rename');
    assert.equal(await status(d, `${c.name}-new`), 'created');
  },
});

const commitPoint = (point: string): Point => ({
  point,
  setup: (d, name) => running(d, name),
  act: (d, c) => d.request('POST', '/commit', { query: { container: c.id, repo: `crash-${c.name}`, tag: 'v1', pause: 1 } }),
  verify: async (d, c) => {
    assert.equal(await status(d, c.id), 'running', 'the container is not left paused');
    const had = await imageExists(d, `crash-${c.name}:v1`);
    expectStatus(await d.request('POST', '/commit', { query: { container: c.id, repo: `crash-${c.name}`, tag: had ? 'v2' : 'v1' } }), [201], 'retry commit');
    assert.ok(await imageExists(d, `crash-${c.name}:${had ? 'v2' : 'v1'}`));
  },
});

const execPoint = (point: string): Point => ({
  point,
  setup: (d, name) => running(d, name),
  act: async (d, c) => {
    const r = await d.request('POST', `/containers/${c.id}/exec`, { body: { Cmd: ['true'] } });
    return d.request('POST', `/exec/${r.json().Id}/start`, { body: { Detach: true } });
  },
  verify: async (d, c) => {
    assert.equal(await status(d, c.id), 'running', 'the container survives a crash during an exec');
    const r = await d.request('POST', `/containers/${c.id}/exec`, { body: { Cmd: ['true'] } });
    assert.equal(r.status, 201);
    expectStatus(await d.request('POST', `/exec/${r.json().Id}/start`, { body: { Detach: true } }), [200, 204], 'retry exec');
  },
});

const loadPoint = (point: string): Point => ({
  point,
  setup: async (_d, name) => ({ id: '', name, extra: name }),
  act: async (d, c) => d.request('POST', '/images/load', { body: (await uniqueArchive(c.name)).archive, headers: { 'content-type': 'application/x-tar' } }),
  verify: async (d, c) => {
    const { archive, tag } = await uniqueArchive(c.name);
    await imageExists(d, tag); // either is fine; the check above proved no half-made image
    expectStatus(await d.request('POST', '/images/load', { body: archive, headers: { 'content-type': 'application/x-tar' } }), [200], 'retry load');
    assert.ok(await imageExists(d, tag));
  },
});

const tagPoint = (point: string): Point => ({
  point,
  setup: async (_d, name) => ({ id: '', name }),
  act: (d, c) => d.request('POST', '/images/busybox/tag', { query: { repo: `crash-${c.name}`, tag: 't' } }),
  verify: async (d, c) => {
    await imageExists(d, `crash-${c.name}:t`);
    expectStatus(await d.request('POST', '/images/busybox/tag', { query: { repo: `crash-${c.name}`, tag: 't' } }), [201], 'retry tag');
    assert.ok(await imageExists(d, `crash-${c.name}:t`));
  },
});

/** rmi of a tag of busybox (untag only) or of a loaded image (rows and layers deleted). */
const rmiPoint = (point: string, untagOnly: boolean): Point => ({
  point,
  setup: async (d, name) => {
    if (untagOnly) {
      expectStatus(await d.request('POST', '/images/busybox/tag', { query: { repo: `crash-${name}`, tag: 'latest' } }), [201], 'tag');
    } else {
      expectStatus(await d.request('POST', '/images/load', { body: (await uniqueArchive(name)).archive }), [200], 'load');
    }
    return { id: '', name };
  },
  act: (d, c) => d.request('DELETE', `/images/crash-${c.name}:latest`),
  verify: async (d, c) => {
    const had = await imageExists(d, `crash-${c.name}:latest`);
    expectStatus(await d.request('DELETE', `/images/crash-${c.name}:latest`), had ? [200] : [404], 'retry rmi');
    assert.equal(await imageExists(d, `crash-${c.name}:latest`), false);
    assert.ok(await imageExists(d, 'busybox'), 'busybox is untouched');
  },
});

const volumeCreatePoint = (point: string): Point => ({
  point,
  setup: async (_d, name) => ({ id: '', name }),
  act: (d, c) => d.request('POST', '/volumes/create', { body: { Name: c.name } }),
  verify: async (d, c) => {
    const before = await d.request('GET', `/volumes/${c.name}`);
    assert.ok(before.status === 200 || before.status === 404, before.body.toString());
    expectStatus(await d.request('POST', '/volumes/create', { body: { Name: c.name } }), [201], 'retry volume create');
    expectStatus(await d.request('GET', `/volumes/${c.name}`), [200], 'the volume exists');
  },
});

const volumeRemovePoint = (point: string): Point => ({
  point,
  setup: async (d, name) => {
    expectStatus(await d.request('POST', '/volumes/create', { body: { Name: name } }), [201], 'volume create');
    return { id: '', name };
  },
  act: (d, c) => d.request('DELETE', `/volumes/${c.name}`),
  verify: async (d, c) => {
    const had = (await d.request('GET', `/volumes/${c.name}`)).status === 200;
    expectStatus(await d.request('DELETE', `/volumes/${c.name}`), had ? [204] : [404], 'retry volume remove');
    expectStatus(await d.request('GET', `/volumes/${c.name}`), [404], 'the volume is gone');
  },
});

const networkCreatePoint = (point: string): Point => ({
  point,
  setup: async (_d, name) => ({ id: '', name }),
  act: (d, c) => d.request('POST', '/networks/create', { body: { Name: c.name } }),
  verify: async (d, c) => {
    const had = (await d.request('GET', `/networks/${c.name}`)).status === 200;
    expectStatus(await d.request('POST', '/networks/create', { body: { Name: c.name } }), had ? [409] : [201], 'retry network create');
    expectStatus(await d.request('DELETE', `/networks/${c.name}`), [204], 'network remove');
  },
});

/** The registry the pull points pull from (started by the matrix when docker-registry is installed). */
let registry: TestRegistry | undefined;

/** A pull of an image of its own (pushed, then removed locally, so its layer is downloaded again). */
const pullPoint = (point: string): Point => ({
  point,
  setup: async (d, name) => {
    const { archive, tag } = await uniqueArchive(name);
    expectStatus(await d.request('POST', '/images/load', { body: archive, headers: { 'content-type': 'application/x-tar' } }), [200], 'load');
    const remote = `${registry!.host}/crash/${name}`;
    expectStatus(await d.request('POST', `/images/${tag}/tag`, { query: { repo: remote, tag: '1' } }), [201], 'tag');
    const push = await d.docker(['push', `${remote}:1`]);
    assert.equal(push.code, 0, push.stderr);
    for (const ref of [tag, `${remote}:1`]) expectStatus(await d.request('DELETE', `/images/${ref}`), [200], `rmi ${ref}`);
    return { id: '', name, extra: remote };
  },
  act: (d, c) => d.request('POST', '/images/create', { query: { fromImage: c.extra, tag: '1' } }),
  verify: async (d, c) => {
    await imageExists(d, `${c.extra}:1`); // either is fine; the check above proved no half-made image
    const retry = await d.request('POST', '/images/create', { query: { fromImage: c.extra, tag: '1' } });
    expectStatus(retry, [200], 'retry pull');
    assert.doesNotMatch(retry.body.toString(), /"error"/);
    assert.ok(await imageExists(d, `${c.extra}:1`));
  },
});

/** Every fault point in the source, with the operation that reaches it. */
const POINTS: Point[] = [
  createPoint('create.after-dirs'),
  createPoint('create.after-record'),
  startPoint('start.after-mount'),
  startPoint('start.after-bundle'),
  startPoint('start.after-runtime-create'),
  startPoint('start.after-runtime-start'),
  startPoint('start.after-record'),
  stopPoint('stop.after-user-flag'),
  stopPoint('stop.after-signal'),
  stopPoint('exit.after-record'),
  stopPoint('exit.after-teardown'),
  // The exit path's teardown cut short between runc delete and the unmount: finished by the next start.
  stopPoint('teardown.after-runtime-delete'),
  removePoint('remove.after-kill'),
  removePoint('remove.after-kill-teardown'),
  removePoint('remove.after-mark'),
  removePoint('remove.after-teardown'),
  removePoint('remove.after-rm-dir'),
  removePoint('remove.after-record'),
  renamePoint('rename.before-record'),
  renamePoint('rename.after-record'),
  commitPoint('commit.after-pause'),
  commitPoint('commit.after-layer-tar'),
  commitPoint('commit.after-layer-rename'),
  commitPoint('commit.after-image'),
  execPoint('exec.after-create'),
  execPoint('exec.after-conmon'),
  execPoint('exec.after-pid'),
  loadPoint('load.after-untar'),
  loadPoint('load.after-extract'),
  loadPoint('load.after-layer-rename'),
  loadPoint('load.after-record'),
  tagPoint('tag.after-record'),
  rmiPoint('rmi.after-untag', true),
  rmiPoint('rmi.after-record', false),
  rmiPoint('rmi.after-layer-remove', false),
  volumeCreatePoint('volume.after-dir'),
  volumeRemovePoint('volume.after-record-delete'),
  networkCreatePoint('network.after-record'),
  startPoint('netsetup.after-netns'),
  startPoint('netsetup.after-run-record'),
  startPoint('netsetup.after-netavark'),
  stopPoint('netteardown.after-netavark'),
  stopPoint('netteardown.after-run-delete'),
  pullPoint('pull.after-layers'),
  pullPoint('pull.after-place'),
  pullPoint('pull.after-record'),
  logsPoint('logs.after-rename'),
];

/** The default subset: one or two per operation, the ones between a storage step and its record. */
const DEFAULT_SUBSET = new Set([
  'create.after-dirs',
  'start.after-runtime-create',
  'start.after-record',
  'stop.after-signal',
  'exit.after-record',
  'exit.after-teardown',
  'teardown.after-runtime-delete',
  'remove.after-kill',
  'remove.after-rm-dir',
  'rename.after-record',
  'commit.after-pause',
  'exec.after-conmon',
  'load.after-layer-rename',
  'tag.after-record',
  'rmi.after-record',
  'volume.after-dir',
  'netsetup.after-netns',
  'netteardown.after-run-delete',
  'pull.after-place',
  'logs.after-rename',
]);

const LONG = process.env.BERTH_LONG_TESTS === '1';

/** sha256 over every path, mode and content below `dir`. */
function treeHash(dir: string): string {
  const h = createHash('sha256');
  const walk = (p: string) => {
    for (const name of fs.readdirSync(p).sort()) {
      const full = path.join(p, name);
      const st = fs.lstatSync(full);
      h.update(`${path.relative(dir, full)}\0${st.mode}\0`);
      if (st.isDirectory()) walk(full);
      else if (st.isFile()) h.update(fs.readFileSync(full));
    }
  };
  walk(dir);
  return h.digest('hex');
}

describe('crash-point matrix', { skip: skipUnlessRoot(), timeout: LONG ? 900_000 : 300_000 }, () => {
  const d = useDaemon();
  const canary = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-canary-'));
  let canaryHash = '';
  const results: string[] = [];

  before(async () => {
    if (!skipUnlessRegistry()) registry = await startRegistry();
    fs.mkdirSync(path.join(canary, 'etc'));
    fs.writeFileSync(path.join(canary, 'etc', 'passwd'), 'root:x:0:0::/root:/bin/sh\n');
    fs.writeFileSync(path.join(canary, 'secret'), 'do not touch\n', { mode: 0o600 });
    canaryHash = treeHash(canary);
  });
  after(async () => {
    await registry?.stop();
    fs.rmSync(canary, { recursive: true, force: true });
    process.stdout.write(
      `# crash points: ${results.length} tested, ${results.filter((r) => r.endsWith('ok')).length} passed (${POINTS.length} in the matrix)\n`,
    );
  });

  test('every fault point in the source is in the matrix', () => {
    // The bundle and its chunks (scripts/bundle-berthd.mjs): lazily loaded areas have fault points too.
    const dist = fileURLToPath(new URL('../../', import.meta.url));
    const bundle = fs.readdirSync(dist).filter((f) => f === 'berthd.mjs' || (f.startsWith('berthd-chunk-') && f.endsWith('.mjs')));
    const src = bundle.map((f) => fs.readFileSync(path.join(dist, f), 'utf8')).join('\n');
    const inSource = new Set([...src.matchAll(/faultPoint\("([a-z-]+\.[a-z-]+)"\)/g)].map((m) => m[1]));
    assert.ok(inSource.size >= 30, `at least 30 points (found ${inSource.size})`);
    assert.deepEqual([...inSource].sort(), POINTS.map((p) => p.point).sort());
  });

  for (const p of POINTS) {
    const run = LONG || DEFAULT_SUBSET.has(p.point);
    const skip = !run ? 'in the full matrix only (BERTH_LONG_TESTS=1)' : p.point.startsWith('pull.') ? skipUnlessRegistry() : false;
    test(p.point, { skip }, async () => {
      const name = p.point.replace(/\./g, '-');
      const c = await p.setup(d, name);
      await d.stop();
      await d.startExpectingCrash({ BERTH_FAULT_POINT: p.point });
      let outcome: unknown = 'pending';
      const done = p.act(d, c).then(
        (r) => (outcome = r),
        (err: Error) => (outcome = err),
      );
      const died = await Promise.race([d.died().then((info) => info.signal), new Promise((r) => setTimeout(() => r('alive'), 15_000))]);
      assert.equal(died, 'SIGKILL', `berthd reached ${p.point} (operation: ${JSON.stringify(outcome)})`);
      await done;
      await d.start();
      const check = await berthdCheck(d);
      assert.equal(check.code, 0, `berthd check after ${p.point}:\n${check.stdout}${check.stderr}`);
      await p.verify(d, c);
      assert.equal(treeHash(canary), canaryHash, 'the canary outside the data root is unchanged');
      const again = await berthdCheck(d);
      assert.equal(again.code, 0, `berthd check after the retry:\n${again.stdout}`);
      results.push(`${p.point} ok`);
    });
  }
});

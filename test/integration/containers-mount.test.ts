/**
 * The engine's mount/unmount of a container root (the seed's Mount()), at
 * the engine level (no Docker endpoint exists): an in-process engine on a
 * temp root, containers made through the in-process app. Mounts are counted;
 * nothing is unmounted under a running container, and a container's stop
 * does not unmount a root the host still holds.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import { createEngine, type RunningEngine } from '../../src/engine/index.js';
import { isMounted } from '../../src/engine/images/rootfs.js';
import { buildApp } from '../../src/server/app.js';
import { busyboxRootfsTar } from './helpers/images.js';
import { mountsUnder, removeCgroupParent } from './helpers/leaks.js';

const skip = process.getuid?.() === 0 ? false : 'needs root';
let root: string;
let running: RunningEngine;
let app: FastifyInstance;
const cgroupParent = `berth-mt-${randomBytes(4).toString('hex')}`;

const bin = (name: string) => ['/usr/sbin', '/usr/bin', '/sbin', '/bin'].map((d) => path.join(d, name)).find((p) => fs.existsSync(p))!;

before(async () => {
  if (skip) return;
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-mount-'));
  running = await createEngine(
    {
      dataRoot: path.join(root, 'data'),
      execRoot: path.join(root, 'run'),
      runtimeName: 'runc',
      runtimePath: bin('runc'),
      conmonPath: bin('conmon'),
      cgroupParent,
      logSizeMax: 1 << 20,
      defaultPidsLimit: 4096,
      shmSize: 64 << 20,
      logLevel: 'error',
      version: 'test',
      defaultBridge: `bmt${cgroupParent.slice(-8)}`,
      addressPools: [],
      netavarkPath: '/usr/lib/podman/netavark',
      aardvarkPath: '/usr/lib/podman/aardvark-dns',
    },
    pino({ level: 'silent' }),
  );
  await running.start();
  app = buildApp(running.engine, { version: 'test' });
  await app.ready();
  await running.engine.images.import({
    source: fs.createReadStream(await busyboxRootfsTar()),
    repo: 'busybox',
    tag: 'latest',
    changes: ['CMD ["sh"]'],
    message: '',
  });
});

after(async () => {
  if (skip) return;
  for (const name of ['m1', 'm2']) await app.inject({ method: 'DELETE', url: `/containers/${name}?force=1` });
  await app.close();
  await running.drain();
  running.close();
  assert.deepEqual(mountsUnder(root), []);
  fs.rmSync(root, { recursive: true, force: true });
  removeCgroupParent(cgroupParent);
});

async function create(name: string, cmd: string[]): Promise<string> {
  const res = await app.inject({ method: 'POST', url: `/containers/create?name=${name}`, payload: { Image: 'busybox', Cmd: cmd } });
  assert.equal(res.statusCode, 201, res.body);
  return res.json().Id;
}

test('mount of a created container: counted, reported in inspect, unmounted by the last unmount', { skip }, async () => {
  const files = running.engine.containerFiles;
  await create('m1', ['true']);
  const merged = await files.mount('m1');
  assert.ok(await isMounted(merged));
  assert.ok(fs.existsSync(path.join(merged, 'bin', 'busybox')));
  assert.equal((await running.engine.containers.inspect('m1')).graphDriver.mergedDir, merged);
  assert.equal(await files.mount('m1'), merged);
  await files.unmount('m1');
  assert.ok(await isMounted(merged), 'one host user is left');
  await files.unmount('m1');
  assert.equal(await isMounted(merged), false);
  await files.unmount('m1'); // not mounted: no-op
  await assert.rejects(files.mount('nope'), (err: Error & { kind?: string }) => err.kind === 'not-found');
});

test('nothing unmounts under a running container; a stop keeps a root the host holds', { skip }, async () => {
  const files = running.engine.containerFiles;
  await create('m2', ['sleep', '60']);
  await running.engine.containers.start('m2');
  const merged = await files.mount('m2');
  await files.unmount('m2');
  assert.ok(await isMounted(merged), 'the running container still has its root');
  assert.equal((await app.inject({ method: 'GET', url: '/containers/m2/json' })).json().State.Running, true);
  await files.mount('m2');
  await running.engine.containers.stop('m2', { timeout: 0 });
  assert.ok(await isMounted(merged), 'the host still holds it after the stop');
  assert.ok(fs.existsSync(path.join(merged, 'bin', 'busybox')));
  await files.unmount('m2');
  assert.equal(await isMounted(merged), false);
  // A removal releases a root the host forgot to unmount.
  await files.mount('m2');
  await running.engine.containers.remove('m2', { force: true, volumes: false });
  assert.equal(await isMounted(merged), false);
});

/**
 * Cross-engine archives: `docker save` from berth loads into podman with the
 * same image ID, and `podman save --format docker-archive` of that image loads
 * back into berth with the same ID. podman runs rootful with every path of
 * its own (storage, runroot, tmpdir) in a temp dir, the vfs driver (so it
 * leaves no mount) and no events log; skipped when podman is missing.
 *
 * podman 4.3 writes its blob-info cache to /var/lib/containers/cache even
 * with --root elsewhere, so it runs in a private mount namespace (unshare -m,
 * propagation private) with a tmpfs over /var/lib/containers (over /var/lib
 * when that dir does not exist): the host's podman state is never touched,
 * and the tmpfs goes away with the namespace.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDaemon, type TestDaemon } from './helpers/daemon.js';
import { skipUnlessRoot } from './helpers/docker-cli.js';
import { busyboxRootfsTar } from './helpers/images.js';
import { dockerArchive, makeImage, whiteoutLayer } from './helpers/image-archives.js';
import { mountsUnder } from './helpers/leaks.js';

const hasPodman = spawnSync('podman', ['--version'], { stdio: 'ignore' }).status === 0;
const skip = skipUnlessRoot() || (hasPodman ? false : 'podman is not installed');
let d: TestDaemon;
let tmp: string;

before(async () => {
  if (skip) return;
  d = await startDaemon();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-podman-'));
});

after(async () => {
  if (tmp) {
    // vfs mounts nothing; anything found here is a bug worth failing on below.
    const left = mountsUnder(tmp);
    fs.rmSync(tmp, { recursive: true, force: true });
    assert.deepEqual(left, [], 'podman left mounts');
  }
  await d?.cleanup();
});

/** Runs podman against the private store in `tmp`; throws with its output on a non-zero exit. */
function podman(args: string[]): string {
  const global = [
    '--root',
    path.join(tmp, 'storage'),
    '--runroot',
    path.join(tmp, 'run'),
    '--tmpdir',
    path.join(tmp, 'tmp'),
    '--storage-driver',
    'vfs',
    '--events-backend',
    'none',
    '--cgroup-manager',
    'cgroupfs',
  ];
  const shadow = fs.existsSync('/var/lib/containers') ? '/var/lib/containers' : '/var/lib';
  const script = `mount -t tmpfs -o size=64m,mode=0700 berth-test-podman "${shadow}" && exec podman "$@"`;
  const scratch = path.join(tmp, 'scratch');
  fs.mkdirSync(scratch, { recursive: true });
  const run = spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script, 'podman', ...global, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, TMPDIR: scratch },
  });
  assert.equal(run.status, 0, `podman ${args.join(' ')}:\n${run.stdout}\n${run.stderr}`);
  return run.stdout;
}

test('docker save from berth loads into podman, podman save loads into berth, same image ID', { skip, timeout: 120_000 }, async () => {
  const base = fs.readFileSync(await busyboxRootfsTar());
  const img = makeImage([base, await whiteoutLayer()], ['xeng/img:1'], { labels: { from: 'berth' } });
  const loaded = await d.request('POST', '/images/load', {
    body: await dockerArchive([img]),
    headers: { 'Content-Type': 'application/x-tar' },
    query: { quiet: '1' },
  });
  assert.equal(loaded.status, 200, loaded.body.toString());

  const fromBerth = path.join(tmp, 'from-berth.tar');
  const saved = await d.docker(['save', 'xeng/img:1', '-o', fromBerth]);
  assert.equal(saved.code, 0, saved.stderr);
  assert.match(podman(['load', '-i', fromBerth]), /Loaded image: (docker\.io\/|localhost\/)?xeng\/img:1/);
  const ids = podman(['images', '--no-trunc', '--format', '{{.ID}} {{.Repository}}:{{.Tag}}']);
  assert.match(ids, new RegExp(`^(sha256:)?${img.id.slice(7)} .*xeng/img:1$`, 'm'), ids);

  const fromPodman = path.join(tmp, 'from-podman.tar');
  podman(['save', '--format', 'docker-archive', '-o', fromPodman, 'xeng/img:1']);
  assert.equal((await d.docker(['rmi', 'xeng/img:1'])).code, 0);
  const back = await d.docker(['load', '-i', fromPodman]);
  assert.equal(back.code, 0, back.stderr);
  // podman names it with its registry (docker.io/ or localhost/), which berth keeps as given.
  const name = /Loaded image: (\S*xeng\/img:1)$/m.exec(back.stdout)?.[1];
  assert.ok(name, back.stdout);
  const inspect = await d.docker(['image', 'inspect', '--format', '{{.Id}} {{index .Config.Labels "from"}}', name]);
  assert.equal(inspect.stdout.trim(), `${img.id} berth`, inspect.stderr);
  const run = await d.docker(['run', '--rm', name, 'sh', '-c', 'cat /new.txt; test -e /bin/ls || echo ls-gone']);
  assert.equal(run.stdout, 'hi\nls-gone\n', run.stderr);
  assert.equal((await d.docker(['rmi', name])).code, 0);
  podman(['rmi', '--all', '--force']);
});

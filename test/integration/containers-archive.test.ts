/**
 * docker cp against a real berthd: HEAD/GET/PUT archive on running and
 * stopped containers, bind and tmpfs mounts, Docker's errors, docker-py's
 * put_archive/get_archive, and escape attempts (planted symlinks, `..`
 * entries, a container swapping a directory for a symlink while copies
 * run) that must leave a canary directory beside the data root untouched.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { startDaemon, type TestDaemon } from './helpers/daemon.js';
import { importBusybox } from './helpers/images.js';
import { tarChunks, type TarItem } from '../../src/engine/images/tar-writer.js';

const skip = process.getuid?.() === 0 ? false : 'needs root';
let d: TestDaemon;
let canary: string;
let work: string;

before(async () => {
  if (skip) return;
  d = await startDaemon();
  await importBusybox(d);
  canary = path.join(d.root, 'canary');
  work = path.join(d.root, 'work');
  fs.mkdirSync(path.join(canary, 'sub'), { recursive: true });
  fs.writeFileSync(path.join(canary, 'sub', 'secret'), 'CANARY-SECRET\n');
  fs.mkdirSync(work);
});

after(async () => {
  if (canary) assertCanaryIntact();
  await d?.cleanup();
});

function assertCanaryIntact(): void {
  const list = execFileSync('find', [canary, '-printf', '%P|%y\n']).toString().split('\n').filter(Boolean).sort();
  assert.deepEqual(list, ['|d', 'sub/secret|f', 'sub|d'].sort());
  assert.equal(fs.readFileSync(path.join(canary, 'sub', 'secret'), 'utf8'), 'CANARY-SECRET\n');
}

async function ok(args: string[]): Promise<string> {
  const r = await d.docker(args);
  assert.equal(r.code, 0, `docker ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

async function tarOf(items: TarItem[]): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of tarChunks(items)) parts.push(c);
  return Buffer.concat(parts);
}

const tarNames = (buf: Buffer) => execFileSync('tar', ['-t'], { input: buf }).toString().trim().split('\n');
const statHeader = (h: Record<string, unknown>) => JSON.parse(Buffer.from(String(h['x-docker-container-path-stat']), 'base64').toString());

test('docker cp out of and into stopped and running containers', { skip }, async () => {
  await ok(['run', '--name', 'cp1', 'busybox', 'sh', '-c', 'echo hi >/new; ln -s /etc /etclink']);
  assert.ok(tarNames(execFileSync('docker', ['cp', 'cp1:/etc', '-'], { env: d.env })).includes('etc/passwd'));
  await ok(['cp', 'cp1:/new', work]);
  assert.equal(fs.readFileSync(path.join(work, 'new'), 'utf8'), 'hi\n');
  fs.mkdirSync(path.join(work, 'dir', 'sub'), { recursive: true });
  fs.writeFileSync(path.join(work, 'dir', 'sub', 'f'), 'f\n');
  await ok(['cp', path.join(work, 'dir'), 'cp1:/tmp/']);
  assert.deepEqual(tarNames(execFileSync('docker', ['cp', 'cp1:/tmp/dir', '-'], { env: d.env })), ['dir/', 'dir/sub/', 'dir/sub/f']);
  await ok(['run', '-d', '--name', 'cp2', 'busybox', 'sleep', '120']);
  await ok(['cp', path.join(work, 'dir'), 'cp2:/tmp/']);
  assert.equal(await ok(['exec', 'cp2', 'cat', '/tmp/dir/sub/f']), 'f\n');
});

test("HEAD reports Docker's path stat; errors use Docker's codes and texts", { skip }, async () => {
  const dir = await d.request('HEAD', '/containers/cp1/archive', { query: { path: '/etc' } });
  assert.equal(dir.status, 200);
  assert.deepEqual(
    { ...statHeader(dir.headers), mtime: 'x' },
    { name: 'etc', size: statHeader(dir.headers).size, mode: 2147484141, mtime: 'x', linkTarget: '' },
  );
  const link = statHeader((await d.request('HEAD', '/containers/cp1/archive', { query: { path: '/etclink' } })).headers);
  assert.equal(link.linkTarget, '/etc');
  assert.equal(link.mode & (2 ** 27), 2 ** 27);
  assert.equal((await d.request('HEAD', '/containers/cp1/archive', { query: { path: '/nope' } })).status, 404);
  const missing = await d.request('GET', '/containers/cp1/archive', { query: { path: '/nope' } });
  assert.equal(missing.status, 404);
  assert.equal(missing.json().message, 'Could not find the file /nope in container cp1');
  const body = await tarOf([{ entry: { name: 'x', type: 'file', mode: 0o644, size: 1 }, content: Buffer.from('x') }]);
  const notDir = await d.request('PUT', '/containers/cp1/archive', { query: { path: '/new' }, body, headers: { 'content-type': 'application/x-tar' } });
  assert.equal(notDir.status, 400);
  assert.equal(notDir.json().message, 'extraction point is not a directory');
  assert.equal(
    (await d.request('PUT', '/containers/cp1/archive', { query: { path: '/nope' }, body, headers: { 'content-type': 'application/x-tar' } })).status,
    404,
  );
  await ok(['run', '-d', '--name', 'cpro', '--read-only', '-v', `${work}:/rw`, '-v', `${work}:/ro:ro`, '--tmpfs', '/scratch', 'busybox', 'sleep', '120']);
  const ro = await d.request('PUT', '/containers/cpro/archive', { query: { path: '/tmp' }, body, headers: { 'content-type': 'application/x-tar' } });
  assert.equal(ro.status, 403);
  assert.equal(ro.json().message, 'container rootfs is marked read-only');
  assert.equal(
    (await d.request('PUT', '/containers/cpro/archive', { query: { path: '/ro' }, body, headers: { 'content-type': 'application/x-tar' } })).status,
    403,
  );
  // Into a bind mount and a tmpfs of a running container.
  assert.equal(
    (await d.request('PUT', '/containers/cpro/archive', { query: { path: '/rw' }, body, headers: { 'content-type': 'application/x-tar' } })).status,
    200,
  );
  assert.equal(fs.readFileSync(path.join(work, 'x'), 'utf8'), 'x');
  assert.equal(
    (await d.request('PUT', '/containers/cpro/archive', { query: { path: '/scratch' }, body, headers: { 'content-type': 'application/x-tar' } })).status,
    200,
  );
  assert.equal(await ok(['exec', 'cpro', 'cat', '/scratch/x']), 'x');
  assert.ok(tarNames((await d.request('GET', '/containers/cpro/archive', { query: { path: '/scratch' } })).body).includes('scratch/x'));
});

test('docker-py put_archive and get_archive', { skip }, async () => {
  const script = `
import docker, io, tarfile
c = docker.DockerClient(base_url='unix://${d.socket}')
ct = c.containers.get('cp2')
buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode='w') as t:
    data = b'from-py\\n'
    info = tarfile.TarInfo('py.txt'); info.size = len(data); t.addfile(info, io.BytesIO(data))
assert ct.put_archive('/tmp', buf.getvalue())
stream, stat = ct.get_archive('/tmp/py.txt')
raw = b''.join(stream)
with tarfile.open(fileobj=io.BytesIO(raw)) as t:
    print(stat['name'], stat['size'], t.extractfile('py.txt').read().decode().strip())
`;
  assert.equal(execFileSync('python3', ['-c', script]).toString().trim(), 'py.txt 8 from-py');
});

test('planted symlinks and ".." entries never reach outside the container', { skip }, async () => {
  await ok([
    'run',
    '-d',
    '--name',
    'esc',
    'busybox',
    'sh',
    '-c',
    `ln -s ${canary} /tmp/abs; ln -s ../../../../../../../../..${canary} /tmp/rel; ln -s / /tmp/root; sleep 120`,
  ]);
  await new Promise((r) => setTimeout(r, 300));
  const evil = await tarOf([
    { entry: { name: 'abs/sub/secret', type: 'file', mode: 0o644, size: 4 }, content: Buffer.from('PWND') },
    { entry: { name: 'rel/owned', type: 'file', mode: 0o644, size: 4 }, content: Buffer.from('PWND') },
  ]);
  for (const p of ['/tmp', '/tmp/abs', '/tmp/rel', '/tmp/root']) {
    const res = await d.request('PUT', '/containers/esc/archive', { query: { path: p }, body: evil, headers: { 'content-type': 'application/x-tar' } });
    assert.ok([200, 404].includes(res.status), `${p}: ${res.status} ${res.body}`);
  }
  const dotdot = await tarOf([{ entry: { name: '../../../../etc/evil', type: 'file', mode: 0o644, size: 4 }, content: Buffer.from('PWND') }]);
  assert.equal(
    (await d.request('PUT', '/containers/esc/archive', { query: { path: '/tmp' }, body: dotdot, headers: { 'content-type': 'application/x-tar' } })).status,
    400,
  );
  for (const p of ['/tmp/abs/sub/secret', '/tmp/abs/', '/tmp/rel/sub', '/tmp/root/../../..', `${canary}/sub/secret`]) {
    const res = await d.request('GET', '/containers/esc/archive', { query: { path: p } });
    assert.ok(!res.body.includes('CANARY-SECRET'), `${p} leaked the canary`);
  }
  // What the PUTs wrote is inside the container, under its own idea of the canary path.
  assert.match(await ok(['exec', 'esc', 'cat', `${canary}/sub/secret`]), /PWND/);
  assertCanaryIntact();
  await ok(['stop', '-t', '0', 'esc']);
  for (const p of ['/tmp/abs', '/tmp/rel', '/tmp/root']) {
    await d.request('PUT', '/containers/esc/archive', { query: { path: p }, body: evil, headers: { 'content-type': 'application/x-tar' } });
    const res = await d.request('GET', '/containers/esc/archive', { query: { path: `${p}/sub/secret` } });
    assert.ok(!res.body.includes('CANARY-SECRET'), `${p} leaked the canary from a stopped container`);
  }
  assertCanaryIntact();
});

test('a container swapping a directory for a symlink while copies run stays contained', { skip }, async () => {
  const loop = `mkdir -p /tmp/sw; while :; do mv /tmp/sw /tmp/sw.real; ln -s ${canary} /tmp/sw; rm /tmp/sw; ln -s / /tmp/sw; rm /tmp/sw; mv /tmp/sw.real /tmp/sw; done`;
  await ok(['run', '-d', '--name', 'swap', 'busybox', 'sh', '-c', loop]);
  const body = await tarOf([
    { entry: { name: 'sub/', type: 'dir', mode: 0o755 } },
    { entry: { name: 'sub/secret', type: 'file', mode: 0o644, size: 4 }, content: Buffer.from('PWND') },
  ]);
  const deadline = Date.now() + 4000;
  let puts = 0;
  while (Date.now() < deadline) {
    const [put, get] = await Promise.all([
      d.request('PUT', '/containers/swap/archive', { query: { path: '/tmp/sw' }, body, headers: { 'content-type': 'application/x-tar' } }),
      d.request('GET', '/containers/swap/archive', { query: { path: '/tmp/sw/sub/secret' } }),
    ]);
    // 200, or 404/409 when the container moved the destination away at that moment.
    assert.ok([200, 404, 409].includes(put.status), `PUT: ${put.status} ${put.body}`);
    assert.ok(!get.body.includes('CANARY-SECRET'), 'GET leaked the canary');
    puts++;
  }
  assert.ok(puts > 5);
  assertCanaryIntact();
  await ok(['rm', '-f', 'swap', 'esc', 'cp1', 'cp2', 'cpro']);
});

/**
 * docker commit against a real berthd: the container's changes (added
 * files, whiteouts, opaque dirs) become a layer; CMD changes, message and
 * author land in the config and history; save → load keeps the ID; a
 * running container is paused and unpaused; docker-py's commit works.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { startDaemon, type TestDaemon } from './helpers/daemon.js';
import { importBusybox } from './helpers/images.js';

const skip = process.getuid?.() === 0 ? false : 'needs root';
let d: TestDaemon;
let tmp: string;

before(async () => {
  if (skip) return;
  d = await startDaemon();
  await importBusybox(d);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-commit-'));
});

after(async () => {
  await d?.cleanup();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

async function ok(args: string[]): Promise<string> {
  const r = await d.docker(args);
  assert.equal(r.code, 0, `docker ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

test('commit: new files, deletions, CMD change, message and author', { skip }, async () => {
  await ok(['run', '--name', 'cm1', 'busybox', 'sh', '-c', 'echo hi >/new; rm /bin/ls; rm -f /etc/passwd; mkdir /d; echo x >/d/y']);
  const id = (await ok(['commit', '-c', 'CMD ["cat","/new"]', '-m', 'msg', '-a', 'me', 'cm1', 'snap:1'])).trim();
  assert.match(id, /^sha256:[a-f0-9]{64}$/);
  assert.equal(await ok(['run', '--rm', 'snap:1']), 'hi\n');
  const check = await d.docker(['run', '--rm', 'snap:1', 'sh', '-c', 'test -e /bin/ls && echo ls; test -e /etc/passwd && echo pw; cat /d/y']);
  assert.equal(check.stdout, 'x\n');
  const history = await ok(['history', '--no-trunc', '--format', '{{.CreatedBy}}|{{.Comment}}', 'snap:1']);
  assert.match(history.split('\n')[0], /^sh -c echo hi >\/new.*\|msg$/);
  const inspect = JSON.parse(await ok(['image', 'inspect', 'snap:1']))[0];
  assert.deepEqual(inspect.Config.Cmd, ['cat', '/new']);
  assert.equal(inspect.Author, 'me');
  assert.equal(inspect.Comment, 'msg');
  assert.equal(inspect.RootFS.Layers.length, 2);
  // The new layer in Docker's format: whiteouts as .wh. files.
  const saved = path.join(tmp, 'snap.tar');
  await ok(['save', 'snap:1', '-o', saved]);
  const layerTar = execFileSync('tar', ['-tf', saved])
    .toString()
    .split('\n')
    .filter((n) => n.endsWith('layer.tar'));
  const names = layerTar
    .map((n) => execFileSync('tar', ['-xOf', saved, n], { maxBuffer: 64 << 20 }))
    .map((b) => execFileSync('tar', ['-t'], { input: b }).toString());
  assert.ok(
    names.some((n) => n.includes('bin/.wh.ls') && n.includes('etc/.wh.passwd') && n.includes('d/y')),
    names.join('\n---\n'),
  );
  await ok(['rmi', 'snap:1']);
  await ok(['load', '-i', saved]);
  assert.equal(JSON.parse(await ok(['image', 'inspect', 'snap:1']))[0].Id, id, 'save → load keeps the ID');
  await ok(['rm', 'cm1']);
});

test('commit: a directory replaced in the container becomes opaque', { skip }, async () => {
  await ok(['run', '--name', 'cm2', 'busybox', 'sh', '-c', 'mkdir -p /opt/a; echo 1 >/opt/a/one; echo 2 >/opt/two']);
  await ok(['commit', 'cm2', 'opbase:1']);
  await ok(['run', '--name', 'cm3', 'opbase:1', 'sh', '-c', 'rm -rf /opt; mkdir /opt; echo new >/opt/only']);
  await ok(['commit', 'cm3', 'opaque:1']);
  assert.equal(await ok(['run', '--rm', 'opaque:1', 'find', '/opt']), '/opt\n/opt/only\n');
  await ok(['rm', 'cm2', 'cm3']);
});

test('commit of a running container pauses it and leaves it running', { skip }, async () => {
  await ok(['run', '-d', '--name', 'cm4', 'busybox', 'sh', '-c', 'echo up >/up; sleep 60']);
  await new Promise((r) => setTimeout(r, 300));
  const res = await d.request('POST', '/commit', { query: { container: 'cm4', repo: 'running', tag: 'x' } });
  assert.equal(res.status, 201, res.body.toString());
  assert.match(res.json().Id, /^sha256:/);
  assert.equal((await ok(['inspect', '-f', '{{.State.Status}}', 'cm4'])).trim(), 'running');
  assert.equal(await ok(['run', '--rm', 'running:x', 'cat', '/up']), 'up\n');
  await ok(['rm', '-f', 'cm4']);
});

test('commit errors: unknown container 404, bad change 400, missing container 400', { skip }, async () => {
  assert.equal((await d.request('POST', '/commit', { query: { container: 'nope' } })).status, 404);
  await ok(['create', '--name', 'cm5', 'busybox', 'true']);
  const bad = await d.request('POST', '/commit', { query: { container: 'cm5', changes: 'FROM x' } });
  assert.equal(bad.status, 400);
  assert.match(bad.json().message, /from is not a valid change command/);
  assert.equal((await d.request('POST', '/commit')).status, 400);
  // A container that never ran commits to an image with an empty top layer.
  const empty = await d.request('POST', '/commit', { query: { container: 'cm5' } });
  assert.equal(empty.status, 201);
  await ok(['rm', 'cm5']);
});

test('docker-py commit with a config body and changes', { skip }, async () => {
  await ok(['run', '--name', 'cm6', 'busybox', 'sh', '-c', 'echo py >/py']);
  const script = `
import docker, json
c = docker.DockerClient(base_url='unix://${d.socket}')
img = c.containers.get('cm6').commit(repository='pyimg', tag='1', message='m2', author='a2', changes=['ENV X=1'], conf={'Labels': {'k': 'v'}})
print(json.dumps({'env': img.attrs['Config'].get('Env'), 'labels': img.attrs['Config'].get('Labels'), 'comment': img.attrs['Comment'], 'author': img.attrs['Author']}))
`;
  const out = JSON.parse(execFileSync('python3', ['-c', script]).toString());
  assert.deepEqual(out, { env: ['X=1'], labels: { k: 'v' }, comment: 'm2', author: 'a2' });
  assert.equal(await ok(['run', '--rm', 'pyimg:1', 'sh', '-c', 'echo $X; cat /py']), '1\npy\n');
  await ok(['rm', 'cm6']);
});

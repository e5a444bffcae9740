/**
 * docker diff and docker export against a real berthd: Docker's Kind
 * values, a deleted directory reported once, init paths hidden, export of
 * stopped and running containers, no snapshot mount left behind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { useDaemon } from './helpers/suite.js';

const skip = process.getuid?.() === 0 ? false : 'needs root';
const d = useDaemon({ skip });

function snapshotMounts(): string[] {
  return fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((l) => l.includes(path.join(d.execRoot, 'snapshots')));
}

const tarNames = (buf: Buffer) => execFileSync('tar', ['-t'], { input: buf }).toString().trim().split('\n');

test('diff reports A/C/D as Docker does; a deleted directory shows once', { skip }, async () => {
  const run = await d.docker(['run', '--name', 'df1', 'busybox', 'sh', '-c', 'echo hi >/new; rm /bin/ls; rm -rf /home; mkdir -p /opt/x; echo 1 >/opt/x/f']);
  assert.equal(run.code, 0, run.stderr);
  const res = await d.request('GET', '/containers/df1/changes');
  assert.equal(res.status, 200);
  const text = (await d.docker(['diff', 'df1'])).stdout;
  const busyboxHasHome = text.includes('/home');
  const expected = ['C /bin', 'D /bin/ls', ...(busyboxHasHome ? ['D /home'] : []), 'A /new', 'A /opt', 'A /opt/x', 'A /opt/x/f'];
  assert.deepEqual(text.trim().split('\n'), expected);
  assert.equal((await d.request('GET', '/containers/nope/changes')).status, 404);
  await d.docker(['rm', 'df1']);
});

test('a container without changes diffs to null', { skip }, async () => {
  await d.docker(['create', '--name', 'df2', 'busybox', 'true']);
  const res = await d.request('GET', '/containers/df2/changes');
  assert.equal(res.body.toString().trim(), 'null');
  await d.docker(['rm', 'df2']);
});

test('export streams the merged root of stopped and running containers, then unmounts', { skip }, async () => {
  await d.docker(['run', '--name', 'ex1', 'busybox', 'sh', '-c', 'echo hi >/new; rm /bin/ls']);
  const stopped = await d.request('GET', '/containers/ex1/export');
  assert.equal(stopped.status, 200);
  const names = tarNames(stopped.body);
  assert.ok(names.includes('new'));
  assert.ok(names.includes('bin/busybox'));
  assert.ok(!names.includes('bin/ls'), 'whiteout hides /bin/ls');
  assert.ok(!names.some((n) => n.startsWith('./') || n.startsWith('/')));
  const run = await d.docker(['run', '-d', '--name', 'ex2', 'busybox', 'sh', '-c', 'echo up >/up; sleep 60']);
  assert.equal(run.code, 0, run.stderr);
  await new Promise((r) => setTimeout(r, 500));
  const running = await d.request('GET', '/containers/ex2/export');
  assert.ok(tarNames(running.body).includes('up'));
  // The snapshot is released right after tar ends, which may be just after the last byte.
  for (let i = 0; i < 50 && snapshotMounts().length; i++) await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(snapshotMounts(), []);
  const ps = await d.docker(['ps', '--format', '{{.Names}}']);
  assert.match(ps.stdout, /ex2/, 'the running container is untouched');
  await d.docker(['rm', '-f', 'ex1', 'ex2']);
  assert.equal((await d.request('GET', '/containers/nope/export')).status, 404);
});

/**
 * docker cp's pure parts and the in-root walk on plain temp dirs (no root
 * needed): symlinks (absolute, relative, `..`, loops) never lead out of the
 * root; Go FileMode and time formats; tar entry names.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { walkInRoot, pathComponents } from '../../src/engine/container-root/root-walk.js';
import { goFileMode, goTime, pathStat, statName } from '../../src/engine/containers/path-stat.js';
import { entryRelPath } from '../../src/engine/containers/archive-extract.js';
import { followsFinal, archiveTarArgs } from '../../src/engine/containers/archive.js';
import { pathStatHeader } from '../../src/server/wire/container-files.js';

let tmp: string;
let root: string;
let outside: string;

before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-walk-'));
  root = path.join(tmp, 'root');
  outside = path.join(tmp, 'outside');
  fs.mkdirSync(path.join(root, 'etc'), { recursive: true });
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(outside, 'secret'), 'host');
  fs.writeFileSync(path.join(root, 'etc', 'passwd'), 'in');
  fs.symlinkSync(outside, path.join(root, 'abs')); // absolute: means <root><outside>
  fs.symlinkSync('../../../../../../outside', path.join(root, 'up')); // climbs: clamped at the root
  fs.symlinkSync('/etc', path.join(root, 'etclink'));
  fs.symlinkSync('loop', path.join(root, 'loop'));
  fs.symlinkSync('etc/passwd', path.join(root, 'pw'));
});

after(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function resolve(p: string, followFinal = true) {
  const w = await walkInRoot(root, p, { followFinal });
  try {
    return { path: w.containerPath, exists: w.stat !== null, symlink: w.stat?.isSymbolicLink() ?? false };
  } finally {
    w.close();
  }
}

test('components drop empty and "." parts', () => {
  assert.deepEqual(pathComponents('//a/./b/../c/'), ['a', 'b', '..', 'c']);
});

test('symlinks resolve inside the root', async () => {
  assert.deepEqual(await resolve('/etclink/passwd'), { path: '/etc/passwd', exists: true, symlink: false });
  assert.deepEqual(await resolve('/pw'), { path: '/etc/passwd', exists: true, symlink: false });
  assert.deepEqual(await resolve('/pw', false), { path: '/pw', exists: true, symlink: true });
  assert.deepEqual(await resolve('/../../../etc/passwd'), { path: '/etc/passwd', exists: true, symlink: false });
});

test('no symlink or ".." leads out of the root', async () => {
  await assert.rejects(resolve('/abs/secret'), (err: Error & { kind?: string }) => err.kind === 'not-found');
  await assert.rejects(resolve('/abs'), /no such file/, 'the absolute target is looked up inside the root');
  assert.deepEqual(await resolve('/abs', false), { path: '/abs', exists: true, symlink: true });
  assert.deepEqual(await resolve('/up'), { path: '/outside', exists: false, symlink: false });
  assert.deepEqual(await resolve('/etc/../../../..'), { path: '/', exists: true, symlink: false });
});

test('a symlink loop is an invalid-parameter error', async () => {
  await assert.rejects(resolve('/loop/x'), (err: Error & { kind?: string }) => err.kind === 'invalid-parameter');
});

test('createDirs makes missing directories inside the root only', async () => {
  const w = await walkInRoot(root, '/abs/made/file', { followFinal: false, createDirs: true });
  w.close();
  assert.ok(fs.existsSync(path.join(root, outside, 'made')), 'created under the root');
  assert.deepEqual(fs.readdirSync(outside), ['secret'], 'the real outside dir is untouched');
});

test('Go FileMode bits and times', () => {
  assert.equal(goFileMode(0o40755), 2147484141);
  assert.equal(goFileMode(0o100644), 420);
  assert.equal(goFileMode(0o120777), 2 ** 27 + 0o777);
  assert.equal(goFileMode(0o104755), 2 ** 23 + 0o755);
  assert.equal(goFileMode(0o41777), 2 ** 31 + 2 ** 20 + 0o777);
  assert.equal(goTime(1_700_000_000_000_000_000n), '2023-11-14T22:13:20Z');
  assert.equal(goTime(1_700_000_000_120_000_000n), '2023-11-14T22:13:20.12Z');
  assert.equal(statName('/etc/'), 'etc');
  assert.equal(statName('/'), '/');
  const st = pathStat('/a/b', { mode: 0o100600n, size: 3n, mtimeNs: 1_700_000_000_000_000_000n }, '');
  assert.deepEqual(JSON.parse(Buffer.from(pathStatHeader(st), 'base64').toString()), {
    name: 'b',
    size: 3,
    mode: 0o600,
    mtime: '2023-11-14T22:13:20Z',
    linkTarget: '',
  });
});

test('tar entry names stay below the destination', () => {
  assert.equal(entryRelPath('./a/b/'), 'a/b');
  assert.equal(entryRelPath('/abs/x'), 'abs/x');
  assert.equal(entryRelPath('a/../b'), 'b');
  assert.equal(entryRelPath('./'), '');
  assert.throws(() => entryRelPath('../x'), /outside the destination/);
  assert.throws(() => entryRelPath('a/../../x'), /outside the destination/);
});

test('GET follows a final symlink only for "/" and "/." endings; root archives skip /proc and /sys', () => {
  assert.equal(followsFinal('/etc'), false);
  assert.equal(followsFinal('/etclink/'), true);
  assert.equal(followsFinal('/etclink/.'), true);
  assert.ok(archiveTarArgs(true).includes('--exclude=./proc'));
  assert.ok(!archiveTarArgs(false).includes('--exclude=./proc'));
  const args = archiveTarArgs(false);
  assert.equal(args[args.indexOf('-C') + 1], '/proc/self/fd/3');
});

/**
 * The host-binary layer (src/engine/host): the one resolver and the pure
 * argv builders of mount, umount, tar and ps. No binary is run here; the
 * resolver is pointed at temp directories.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isEngineError } from '../../src/engine/errors.js';
import { missingBinaryMessage, networkHelper, resolveBinary } from '../../src/engine/host/binaries.js';
import { buildMountArgs, buildUmountArgs, splitMountOptions } from '../../src/engine/host/mount.js';
import { errnoText } from '../../src/engine/host/libc.js';
import { runFailureText } from '../../src/engine/host/spawner.js';
import { buildTarCreateArgs, buildTarExtractArgs } from '../../src/engine/host/tar.js';
import { buildPsArgs } from '../../src/engine/containers/top.js';
import { upperTarArgs } from '../../src/engine/containers/commit.js';
import { archiveTarArgs } from '../../src/engine/containers/archive.js';

let tmp: string;
let savedPath: string | undefined;

before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-host-'));
  savedPath = process.env.PATH;
});
after(() => {
  process.env.PATH = savedPath;
  fs.rmSync(tmp, { recursive: true, force: true });
});

function tool(dir: string, name: string, mode = 0o755): string {
  fs.mkdirSync(dir, { recursive: true });
  const p = path.join(dir, name);
  fs.writeFileSync(p, '#!/bin/sh\n', { mode });
  return p;
}

test('resolveBinary: a path as given, a name from PATH (first match wins), cached', () => {
  const a = path.join(tmp, 'a');
  const b = path.join(tmp, 'b');
  const first = tool(a, 'berth-test-tool-1');
  tool(b, 'berth-test-tool-1');
  process.env.PATH = `${a}:${b}`;
  assert.equal(resolveBinary('berth-test-tool-1'), first);
  fs.rmSync(first);
  assert.equal(resolveBinary('berth-test-tool-1'), first, 'the answer is kept for the life of the process');
  const direct = tool(a, 'berth-test-direct');
  assert.equal(resolveBinary(direct), direct);
});

test('resolveBinary: missing or not executable is a system error naming the Debian package', () => {
  process.env.PATH = path.join(tmp, 'empty');
  assert.throws(
    () => resolveBinary('berth-no-such-tool'),
    (err: unknown) => isEngineError(err, 'system') && err.code === 'BERTH_HOST_NO_BINARY' && /install the Debian package berth-no-such-tool/.test(err.message),
  );
  const plain = tool(path.join(tmp, 'c'), 'not-exec', 0o644);
  assert.throws(() => resolveBinary(plain), /not an executable file/);
  assert.throws(() => resolveBinary(path.join(tmp, 'c')), /not an executable file/, 'a directory is not a binary');
});

test('networkHelper: an override is resolved as resolveBinary does; without one, only /usr/lib/podman is searched', () => {
  const own = tool(path.join(tmp, 'net'), 'my-netavark');
  assert.equal(networkHelper('netavark', own), own);
  process.env.PATH = path.join(tmp, 'net');
  assert.equal(networkHelper('aardvark-dns', 'my-netavark'), own, 'a bare override name is looked up in PATH');
  assert.throws(() => networkHelper('netavark', path.join(tmp, 'net', 'missing')), /not an executable file/);
  assert.match(
    missingBinaryMessage('aardvark-dns', ['/usr/lib/podman']),
    /aardvark-dns not found in \/usr\/lib\/podman: install the Debian package aardvark-dns /,
  );
});

test('the install hint names the package that ships the tool', () => {
  assert.match(missingBinaryMessage('ps', ['/usr/bin']), /ps not found in \/usr\/bin: install the Debian package procps \(apt-get install procps\)/);
  assert.match(missingBinaryMessage('umount', ['/bin']), /package mount /);
  assert.match(missingBinaryMessage('conmon', ['/bin']), /package conmon /);
});

test('mount and umount argv', () => {
  assert.deepEqual(buildMountArgs({ type: 'overlay', source: 'overlay', options: 'ro,lowerdir=a:b', target: '/m' }), [
    '-t',
    'overlay',
    'overlay',
    '-o',
    'ro,lowerdir=a:b',
    '/m',
  ]);
  assert.deepEqual(buildMountArgs({ type: 'tmpfs', source: 'tmpfs', options: '', target: '/t' }), ['-t', 'tmpfs', 'tmpfs', '/t']);
  assert.throws(() => buildMountArgs({ type: 'overlay', source: 'overlay', options: '', target: 'rel' }), /absolute/);
  assert.throws(() => buildMountArgs({ type: '', source: 'x', options: '', target: '/t' }), /required/);
  assert.deepEqual(buildUmountArgs('/m'), ['/m']);
  assert.throws(() => buildUmountArgs('m'), /absolute/);
});

test('mount options: flag words become mount(2) flags, the rest is data for the filesystem', () => {
  assert.deepEqual(splitMountOptions('nosuid,nodev,noexec,mode=1777,size=67108864'), { flags: 0x2 | 0x4 | 0x8, data: 'mode=1777,size=67108864' });
  assert.deepEqual(splitMountOptions('ro,lowerdir=/a:/b'), { flags: 0x1, data: 'lowerdir=/a:/b' });
  assert.deepEqual(splitMountOptions('rw'), { flags: 0, data: '' });
  assert.deepEqual(splitMountOptions(''), { flags: 0, data: '' });
  assert.equal(errnoText(16), 'EBUSY: resource busy or locked');
  assert.equal(errnoText(99999), 'errno 99999');
});

test('tar argv: names always NUL-separated from stdin; excludes anchored and literal', () => {
  const plain = buildTarCreateArgs({ dir: '/snap' });
  assert.deepEqual(plain, ['-c', '-f', '-', '-C', '/snap', '--numeric-owner', '--null', '--verbatim-files-from', '-T', '-']);
  const layer = buildTarCreateArgs({ dir: '/u', posix: true, xattrsInclude: 'trusted.overlay.opaque', exclude: ['etc/hosts'] });
  assert.deepEqual(layer, [
    '-c',
    '-f',
    '-',
    '-C',
    '/u',
    '--format=posix',
    '--numeric-owner',
    '--xattrs',
    '--xattrs-include=trusted.overlay.opaque',
    '--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime',
    '--anchored',
    '--no-wildcards',
    '--exclude=etc/hosts',
    '--null',
    '--verbatim-files-from',
    '-T',
    '-',
  ]);
  assert.deepEqual(upperTarArgs('/u').slice(0, 9), layer.slice(0, 9), 'commit reads the upper dir as a layer tar');
  assert.deepEqual(archiveTarArgs(true).slice(-8, -3), ['--anchored', '--no-wildcards', '--exclude=./proc', '--exclude=./sys', '--null']);
  assert.deepEqual(buildTarExtractArgs({ dir: '/l', xattrsInclude: 'trusted.overlay.opaque' }), [
    '-x',
    '-f',
    '-',
    '-C',
    '/l',
    '--numeric-owner',
    '--same-owner',
    '-p',
    '--xattrs',
    '--xattrs-include=trusted.overlay.opaque',
  ]);
});

test('ps argv: default -ef, words split, anything but option characters refused', () => {
  assert.deepEqual(buildPsArgs(''), ['-ef']);
  assert.deepEqual(buildPsArgs('  aux  '), ['aux']);
  assert.deepEqual(buildPsArgs('-o pid,comm,%cpu'), ['-o', 'pid,comm,%cpu']);
  for (const bad of ['-ef;rm', '-o $(x)', '/bin/sh', '-e > f']) {
    assert.throws(
      () => buildPsArgs(bad),
      (err: unknown) => isEngineError(err, 'invalid-parameter') && err.message === `Invalid ps_args: ${bad}`,
      bad,
    );
  }
});

test('runFailureText: stderr first, then why the program did not end well', () => {
  const base = { id: 1, exitCode: 1, signal: null, stdout: '', stderr: '', timedOut: false };
  assert.equal(runFailureText('mount', { ...base, stderr: ' mount: busy\n' }), 'mount: busy');
  assert.equal(runFailureText('mount', { ...base, exitCode: null, failure: 'spawn ENOENT' }), 'mount: spawn ENOENT');
  assert.equal(runFailureText('umount', { ...base, exitCode: null, signal: 'SIGKILL', timedOut: true }), 'umount timed out');
  assert.equal(runFailureText('umount', { ...base, exitCode: null, signal: 'SIGTERM' }), 'umount was killed with SIGTERM');
  assert.equal(runFailureText('umount', { ...base, exitCode: 32 }), 'umount failed with exit code 32');
  assert.equal(runFailureText('umount', { ...base, exitCode: 0 }), '');
});

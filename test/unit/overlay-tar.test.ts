/** The overlay → Docker whiteout rewrite of a layer tar (pure, no root). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { convertOverlayTar, parsePax, tarNumber, whiteoutEntryName } from '../../src/engine/containers/overlay-tar.js';
import { upperTarArgs, overrideConfig } from '../../src/engine/containers/commit.js';
import { tarChunks, type TarItem } from '../../src/engine/images/tar-writer.js';

async function collect(items: TarItem[]): Promise<Buffer> {
  const input = tarChunks(items);
  const parts: Buffer[] = [];
  for await (const c of convertOverlayTar(input)) parts.push(c);
  return Buffer.concat(parts);
}

const listing = (tar: Buffer) =>
  execFileSync('tar', ['-tv', '--numeric-owner'], { input: tar })
    .toString()
    .trim()
    .split('\n')
    .map((l) => {
      const f = l.split(/\s+/);
      return `${f[0]} ${f[f.length - 1]}`;
    });

test('whiteout names', () => {
  assert.equal(whiteoutEntryName('bin/ls'), 'bin/.wh.ls');
  assert.equal(whiteoutEntryName('top'), '.wh.top');
  assert.equal(whiteoutEntryName('a/b/'), 'a/.wh.b');
});

test('tar numbers: octal and base-256', () => {
  assert.equal(tarNumber(Buffer.from('00000000017\0')), 15);
  const b = Buffer.alloc(12);
  b[0] = 0x80;
  b[11] = 0x02;
  b[10] = 0x01;
  assert.equal(tarNumber(b), 258);
});

test('PAX records parse, including values with spaces and "="', () => {
  const data = Buffer.from('12 path=a b\n16 SCHILY.x=y=z\n');
  assert.deepEqual(parsePax(data), [
    ['path', 'a b'],
    ['SCHILY.x', 'y=z'],
  ]);
});

test('0/0 char devices become .wh. files; opaque dirs get .wh..wh..opq; the rest passes through', async () => {
  const content = Buffer.from('hello');
  const out = await collect([
    { entry: { name: 'bin/', type: 'dir', mode: 0o755 } },
    { entry: { name: 'bin/ls', type: 'char', mode: 0, devmajor: 0, devminor: 0 } },
    { entry: { name: 'dev-null', type: 'char', mode: 0o666, devmajor: 1, devminor: 3 } },
    { entry: { name: 'opt/', type: 'dir', mode: 0o750, xattrs: { 'trusted.overlay.opaque': 'y' } } },
    { entry: { name: 'opt/f', type: 'file', mode: 0o644, size: content.length }, content },
    { entry: { name: 'keep/', type: 'dir', mode: 0o755, xattrs: { 'user.x': '1', 'trusted.overlay.opaque': 'y' } } },
    { entry: { name: `${'long/'.repeat(30)}gone`, type: 'char', mode: 0, devmajor: 0, devminor: 0 } },
  ]);
  assert.deepEqual(listing(out), [
    'drwxr-xr-x bin/',
    '-rw------- bin/.wh.ls',
    'crw-rw-rw- dev-null',
    'drwxr-x--- opt/',
    '-rwxr-x--- opt/.wh..wh..opq',
    '-rw-r--r-- opt/f',
    'drwxr-xr-x keep/',
    '-rwxr-xr-x keep/.wh..wh..opq',
    `-rw------- ${'long/'.repeat(30)}.wh.gone`,
  ]);
  assert.equal(execFileSync('tar', ['-xO', 'opt/f'], { input: out }).toString(), 'hello');
  // The opaque xattr is gone; other xattrs stay.
  const text = out.toString('latin1');
  assert.ok(!text.includes('trusted.overlay.opaque'));
  assert.ok(text.includes('SCHILY.xattr.user.x=1'));
});

test('a stream cut inside an entry is an error', async () => {
  const parts: Buffer[] = [];
  for await (const c of tarChunks([{ entry: { name: 'f', type: 'file', mode: 0o644, size: 2000 }, content: Buffer.alloc(2000) }])) parts.push(c);
  const cut = (async function* () {
    yield Buffer.concat(parts).subarray(0, 1024);
  })();
  await assert.rejects(async () => {
    for await (const _ of convertOverlayTar(cut)) {
      /* drain */
    }
  }, /ends inside/);
});

test('the GNU tar call reads xattrs once and leaves out runtime mount points', () => {
  const args = upperTarArgs('/u');
  assert.ok(args.includes('--xattrs') && args.includes('--xattrs-include=trusted.overlay.opaque'));
  assert.ok(args.includes('--exclude=etc/hosts'));
  assert.deepEqual(args.slice(args.indexOf('-C'), args.indexOf('-C') + 2), ['-C', '/u']);
});

test('commit config body: set fields replace, lists merge, empty fields keep', () => {
  const base = {
    cmd: ['sh'],
    entrypoint: null,
    env: ['A=1'],
    workingDir: '/w',
    user: '',
    labels: { a: '1' },
    exposedPorts: ['80/tcp'],
    stopSignal: '',
    volumes: [],
  };
  const out = overrideConfig(base, { cmd: ['true'], env: [], labels: { b: '2' }, exposedPorts: ['81/tcp'], workingDir: '' });
  assert.deepEqual(out.cmd, ['true']);
  assert.deepEqual(out.env, ['A=1']);
  assert.deepEqual(out.labels, { a: '1', b: '2' });
  assert.deepEqual(out.exposedPorts, ['80/tcp', '81/tcp']);
  assert.equal(out.workingDir, '/w');
  assert.equal(overrideConfig(base, null), base);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { absoluteOverlayOptions, buildOverlayMountOptions, MOUNT_OPTIONS_MAX, parseMountPoints } from '../../src/engine/images/rootfs.js';
import { randomLinkName } from '../../src/engine/images/layer-store.js';

test('builds lowerdir/upperdir/workdir, top-most lower first', () => {
  const opts = buildOverlayMountOptions({ lowers: ['l/AAA', 'l/BBB'], upperDir: '/r/c/diff', workDir: '/r/c/work' });
  assert.equal(opts, 'lowerdir=l/AAA:l/BBB,upperdir=/r/c/diff,workdir=/r/c/work');
  const v = buildOverlayMountOptions({ lowers: ['empty'], upperDir: '/u', workDir: '/w', volatile: true });
  assert.equal(v, 'lowerdir=empty,upperdir=/u,workdir=/w,volatile');
});

test('refuses no lowers, separators in paths, and options longer than a page', () => {
  assert.throws(() => buildOverlayMountOptions({ lowers: [], upperDir: '/u', workDir: '/w' }));
  assert.throws(() => buildOverlayMountOptions({ lowers: ['a:b'], upperDir: '/u', workDir: '/w' }));
  assert.throws(() => buildOverlayMountOptions({ lowers: ['a'], upperDir: '/u,x', workDir: '/w' }));
  const long = Array.from({ length: 200 }, () => `/var/lib/berth/overlay/${'f'.repeat(64)}/diff`);
  assert.throws(() => buildOverlayMountOptions({ lowers: long, upperDir: '/u', workDir: '/w' }), /one page/);
});

test('read-only overlay (export and docker cp snapshots): ro + lower dirs only, at least two', () => {
  assert.equal(buildOverlayMountOptions({ lowers: ['/c/diff', 'l/AAA'], readOnly: true }), 'ro,lowerdir=/c/diff:l/AAA');
  assert.throws(() => buildOverlayMountOptions({ lowers: ['/c/diff'], readOnly: true }), /at least 2/);
  assert.throws(() => buildOverlayMountOptions({ lowers: ['/c/diff', 'a,b'], readOnly: true }), /not usable/);
  const long = Array.from({ length: 200 }, () => `/var/lib/berth/overlay/${'f'.repeat(64)}/diff`);
  assert.throws(() => buildOverlayMountOptions({ lowers: long, readOnly: true }), /one page/);
});

test('60 layers with short links stay under one page', () => {
  const lowers = Array.from({ length: 60 }, () => `l/${randomLinkName()}`);
  const upper = `/var/lib/berth/containers/${'c'.repeat(64)}/diff`;
  const work = `/var/lib/berth/containers/${'c'.repeat(64)}/work`;
  const opts = buildOverlayMountOptions({ lowers, upperDir: upper, workDir: work });
  assert.ok(opts.length < MOUNT_OPTIONS_MAX, `length ${opts.length}`);
  assert.equal(new Set(lowers).size, 60);
  for (const l of lowers) assert.match(l, /^l\/[A-Z2-7]{26}$/);
});

test('mount(2) gets absolute lower dirs while they fit one page; beyond that mount(8) with relative links does', () => {
  const root = '/var/lib/berth/overlay';
  const upperDir = `/var/lib/berth/containers/${'c'.repeat(64)}/diff`;
  const workDir = `/var/lib/berth/containers/${'c'.repeat(64)}/work`;
  assert.equal(
    absoluteOverlayOptions({ lowers: ['l/AAA', '/abs/diff'], upperDir, workDir }, root),
    `lowerdir=${root}/l/AAA:/abs/diff,upperdir=${upperDir},workdir=${workDir}`,
  );
  assert.equal(absoluteOverlayOptions({ lowers: ['l/AAA', 'l/BBB'], readOnly: true }, root), `ro,lowerdir=${root}/l/AAA:${root}/l/BBB`);
  const many = Array.from({ length: 100 }, () => `l/${randomLinkName()}`);
  assert.equal(absoluteOverlayOptions({ lowers: many, upperDir, workDir }, root), undefined);
  assert.ok(buildOverlayMountOptions({ lowers: many, upperDir, workDir }).length < MOUNT_OPTIONS_MAX);
  assert.equal(absoluteOverlayOptions({ lowers: ['l/A'], upperDir, workDir }, '/odd,root'), undefined);
});

test('parseMountPoints decodes octal escapes', () => {
  const info = ['22 1 0:21 / / rw,relatime - ext4 /dev/sda1 rw', '40 22 0:40 / /tmp/a\\040b rw - overlay overlay rw,lowerdir=x', ''].join('\n');
  assert.deepEqual(parseMountPoints(info), ['/', '/tmp/a b']);
});

/** Volumes without binaries: Docker's name and option rules, filters, mount args, cp path mapping, and the repository on a real SQLite file. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, closeDatabase } from '../../src/db/database.js';
import { ContainersRepo } from '../../src/db/containers-repo.js';
import { VolumesRepo, type VolumeRow } from '../../src/db/volumes-repo.js';
import { isEngineError } from '../../src/engine/errors.js';
import { buildMountArgs } from '../../src/engine/host/mount.js';
import { anonymousVolumeName, driverMount, needsMount, validateDriver, validateDriverOptions, validateVolumeName } from '../../src/engine/volumes/names.js';
import { buildListFilter, buildPruneFilter } from '../../src/engine/volumes/filters.js';
import { copyUpArgs } from '../../src/engine/volumes/copy-up.js';
import { mountedPath, archiveTarArgs } from '../../src/engine/containers/archive.js';
import { parseVolumesFrom } from '../../src/engine/containers/volumes-from.js';
import { validMountMode } from '../../src/engine/model/mount-modes.js';
import { pruneFilters } from '../../src/server/routes/volumes.js';
import type { MountSpec } from '../../src/engine/model/container.js';
import type { VolumeRecord } from '../../src/engine/model/volume.js';

const throwsKind = (fn: () => unknown, kind: string, message: RegExp) =>
  assert.throws(fn, (err: unknown) => isEngineError(err) && err.kind === kind && message.test(err.message));

test('volume names: Docker’s rule and texts', () => {
  for (const ok of ['data', 'a1', 'my_vol.2-x', '0abc']) validateVolumeName(ok);
  throwsKind(() => validateVolumeName('a'), 'invalid-parameter', /^create a: volume name is too short, names should be at least two alphanumeric characters$/);
  throwsKind(
    () => validateVolumeName('_bad'),
    'invalid-parameter',
    /^create _bad: "_bad" includes invalid characters for a local volume name, only "\[a-zA-Z0-9\]\[a-zA-Z0-9_.-\]" are allowed\. If you intended to pass a host directory, use absolute path$/,
  );
  throwsKind(() => validateVolumeName('rel/path'), 'invalid-parameter', /includes invalid characters/);
  assert.match(anonymousVolumeName(), /^[0-9a-f]{64}$/);
});

test('driver and options: only local; type/device/o with Docker’s texts', () => {
  assert.equal(validateDriver('v', ''), 'local');
  assert.equal(validateDriver('v', 'local'), 'local');
  throwsKind(() => validateDriver('v', 'nfs-plugin'), 'not-found', /^create v: error looking up volume plugin nfs-plugin: plugin "nfs-plugin" not found$/);
  validateDriverOptions('v', { type: 'tmpfs', device: 'tmpfs', o: 'size=8m' });
  throwsKind(() => validateDriverOptions('v', { foo: 'x' }), 'invalid-parameter', /^create v: invalid option: "foo"$/);
  throwsKind(() => validateDriverOptions('v', { type: 'tmpfs' }), 'invalid-parameter', /missing required option: "device"/);
  throwsKind(() => validateDriverOptions('v', { device: '/x', o: 'bind' }), 'invalid-parameter', /missing required option: "type"/);
  assert.equal(needsMount({}), false);
  assert.equal(needsMount({ type: 'tmpfs', device: 'tmpfs' }), true);
  assert.deepEqual(buildMountArgs(driverMount({ type: 'tmpfs', device: 'tmpfs', o: 'size=8m' }, '/v/_data')), [
    '-t',
    'tmpfs',
    'tmpfs',
    '-o',
    'size=8m',
    '/v/_data',
  ]);
  assert.deepEqual(buildMountArgs(driverMount({ type: 'none', device: '/src', o: 'bind' }, '/t')), ['-t', 'none', '/src', '-o', 'bind', '/t']);
});

const vol = (name: string, over: Partial<VolumeRecord> = {}): VolumeRecord => ({
  name,
  driver: 'local',
  labels: {},
  options: {},
  createdAt: '',
  anonymous: false,
  mountpoint: `/v/${name}/_data`,
  ...over,
});

test('list filters: name (partial), label, driver, dangling; unknown keys refused', () => {
  const f = (filters: Record<string, string[]>) => buildListFilter(new Map(Object.entries(filters)));
  assert.equal(f({ name: ['at'] })(vol('data'), false), true);
  assert.equal(f({ name: ['zz'] })(vol('data'), false), false);
  assert.equal(f({ label: ['a=b', 'c'] })(vol('x', { labels: { a: 'b', c: '' } }), false), true);
  assert.equal(f({ label: ['a=b', 'd'] })(vol('x', { labels: { a: 'b' } }), false), false);
  assert.equal(f({ driver: ['local'] })(vol('x'), false), true);
  assert.equal(f({ dangling: ['true'] })(vol('x'), true), false);
  assert.equal(f({ dangling: ['0'] })(vol('x'), true), true);
  throwsKind(() => f({ dangling: ['maybe'] }), 'invalid-parameter', /^Invalid filter 'dangling=\[maybe\]'$/);
  throwsKind(() => f({ bogus: ['1'] }), 'invalid-parameter', /^Invalid filter 'bogus'$/);
});

test('prune filters: unused only; anonymous unless all; label and label!', () => {
  const f = (filters: Record<string, string[]>) => buildPruneFilter(new Map(Object.entries(filters)));
  assert.equal(f({})(vol('named'), false), false);
  assert.equal(f({})(vol('anon', { anonymous: true }), false), true);
  assert.equal(f({})(vol('anon', { anonymous: true }), true), false);
  assert.equal(f({ all: ['true'] })(vol('named'), false), true);
  assert.equal(f({ all: ['1'], label: ['k=v'] })(vol('n', { labels: { k: 'v' } }), false), true);
  assert.equal(f({ all: ['1'], 'label!': ['k'] })(vol('n', { labels: { k: 'v' } }), false), false);
  throwsKind(() => f({ dangling: ['true'] }), 'invalid-parameter', /^Invalid filter 'dangling'$/);
  // API 1.41 pruned every unused volume: the server adds all=true below 1.42.
  assert.deepEqual(pruneFilters(new Map(), '1.41').get('all'), ['true']);
  assert.equal(pruneFilters(new Map(), '1.42').has('all'), false);
  assert.deepEqual(pruneFilters(new Map([['all', ['false']]]), '1.41').get('all'), ['false']);
});

test('cp paths of a stopped container under a mount map to the mount source', () => {
  const m = (target: string, source: string, type: MountSpec['type'] = 'volume'): MountSpec => ({ type, source, target, readOnly: false, origin: 'binds' });
  const mounts = [m('/var', '/v/a/_data'), m('/var/cache/', '/v/b/_data'), m('/run', '', 'tmpfs'), m('/h', '/host', 'bind')];
  assert.deepEqual(mountedPath(mounts, '/var/cache/x/y'), { mount: mounts[1], inner: '/x/y' });
  assert.deepEqual(mountedPath(mounts, '/var/cache'), { mount: mounts[1], inner: '/' });
  assert.deepEqual(mountedPath(mounts, '/var/cachex'), { mount: mounts[0], inner: '/cachex' });
  assert.deepEqual(mountedPath(mounts, 'h/f'), { mount: mounts[3], inner: '/f' });
  assert.equal(mountedPath(mounts, '/run/x'), null);
  assert.equal(mountedPath(mounts, '/etc'), null);
  assert.ok(archiveTarArgs(false, 'cache').includes('--transform=s|^\\.|cache|S'));
  assert.ok(archiveTarArgs(false, 'a|b').includes('--transform=s|^\\.|a\\|b|S'));
  assert.ok(!archiveTarArgs(false).some((a) => a.startsWith('--transform')));
  assert.deepEqual(copyUpArgs('/v/x/_data'), ['-a', '--no-target-directory', '/proc/self/fd/3/.', '/v/x/_data']);
});

test("VolumesFrom entries: name[:mode], dockerd's rules and texts", () => {
  assert.deepEqual(parseVolumesFrom('web'), { ref: 'web', readOnly: false });
  assert.deepEqual(parseVolumesFrom('web:ro'), { ref: 'web', readOnly: true });
  assert.deepEqual(parseVolumesFrom('web:rw'), { ref: 'web', readOnly: false });
  assert.deepEqual(parseVolumesFrom('web:z,ro'), { ref: 'web', readOnly: true });
  throwsKind(() => parseVolumesFrom('web:rx'), 'invalid-parameter', /^invalid mode: rx$/);
  throwsKind(() => parseVolumesFrom('web:ro:x'), 'invalid-parameter', /^invalid mode: ro:x$/);
  throwsKind(() => parseVolumesFrom('web:ro,rw'), 'invalid-parameter', /^invalid mode: ro,rw$/);
  throwsKind(() => parseVolumesFrom('web:rshared'), 'invalid-parameter', /^invalid volume specification: 'web:rshared'$/);
  throwsKind(() => parseVolumesFrom('web:nocopy'), 'invalid-parameter', /^invalid volume specification: 'web:nocopy'$/);
  throwsKind(() => parseVolumesFrom(''), 'invalid-parameter', /^volumes-from specification cannot be an empty string$/);
});

test('Binds modes: known options, one of each kind (moby ValidMountMode)', () => {
  for (const ok of ['', 'ro', 'rw', 'z', 'Z', 'ro,z', 'rslave', 'ro,rshared,nocopy,cached', 'nocopy']) assert.equal(validMountMode(ok), true, ok);
  for (const bad of ['ro,rw', 'z,Z', 'shared,private', 'nocopy,nocopy', 'cached,delegated', 'bogus', 'ro,', 'ro,bogus'])
    assert.equal(validMountMode(bad), false, bad);
});

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-volumes-repo-'));
const db = openDatabase(path.join(dir, 'state.db'));
after(() => {
  closeDatabase(db);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('repository: rows, container mounts in one transaction, in use is a foreign key', () => {
  const repo = new VolumesRepo(db);
  const containers = new ContainersRepo<{ imageId: string }, { status: string; pid: number; exitCode: number }>(db);
  const row: VolumeRow = { name: 'data', driver: 'local', labels: { a: 'b' }, options: {}, createdAt: '2026-01-01T00:00:00Z', anonymous: false };
  repo.insert(row);
  assert.deepEqual(repo.get('data'), row);
  assert.throws(() => repo.insert(row), /UNIQUE|PRIMARY/);
  const id = 'c'.repeat(64);
  const insert = () => containers.insert({ id, name: 'c1', created: '', spec: { imageId: 'x' }, state: { status: 'running', pid: 1, exitCode: 0 } });
  // A mount of a missing volume fails the whole insert: no container row either.
  assert.throws(() => repo.insertWithMounts(insert, [{ containerId: id, destination: '/x', volumeName: 'nope', copyPending: true }]), /FOREIGN KEY/);
  assert.equal(containers.get(id), undefined);
  repo.insertWithMounts(insert, [{ containerId: id, destination: '/d', volumeName: 'data', copyPending: true }]);
  assert.deepEqual(repo.usersOf('data'), [id]);
  assert.deepEqual([...repo.usedNames()], ['data']);
  assert.deepEqual([...repo.activeUsers(['running']).get('data')!], [id]);
  assert.equal(repo.activeUsers(['exited', 'created']).size, 0);
  assert.throws(() => repo.delete('data'), /FOREIGN KEY/);
  repo.clearCopyPending(id, '/d');
  assert.equal(repo.mountsOf(id)[0].copyPending, false);
  containers.delete(id);
  assert.deepEqual(repo.usersOf('data'), []);
  assert.equal(repo.delete('data'), true);
  assert.equal(repo.get('data'), undefined);
});

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseGroup, parsePasswd, readFileInRoot, resolveInRoot, resolveUser, resolveUserFrom } from '../../src/engine/container-root/user.js';
import { isEngineError } from '../../src/engine/errors.js';

const PASSWD = `root:x:0:0:root:/root:/bin/sh
# a comment
daemon:x:1:1:daemon:/usr/sbin:/bin/false

www-data:x:33:33:www-data:/var/www:/bin/false
evil:x:abc:0::/:/bin/sh
app:x:1000:1001:App:/home/app:/bin/sh
`;
const GROUP = `root:x:0:root
bin:x:1:root,daemon
wheel:x:10:root,app
www-data:x:33:
staff:x:50:app
appgrp:x:1001:
`;

const passwd = parsePasswd(PASSWD);
const group = parseGroup(GROUP);

test('parsePasswd skips comments, blank lines and non-numeric ids', () => {
  assert.deepEqual(
    passwd.map((p) => p.name),
    ['root', 'daemon', 'www-data', 'app'],
  );
  assert.deepEqual(passwd[3], { name: 'app', uid: 1000, gid: 1001, home: '/home/app', shell: '/bin/sh' });
});

test('parseGroup splits members', () => {
  assert.deepEqual(group[1], { name: 'bin', gid: 1, members: ['root', 'daemon'] });
  assert.deepEqual(group[3].members, []);
});

test('"" is root with its membership groups', () => {
  assert.deepEqual(resolveUserFrom('', passwd, group), { uid: 0, gid: 0, additionalGids: [0, 1, 10], home: '/root' });
});

test('a name resolves uid, gid, home and groups', () => {
  assert.deepEqual(resolveUserFrom('app', passwd, group), { uid: 1000, gid: 1001, additionalGids: [10, 50], home: '/home/app' });
});

test('a uid in passwd behaves like its name', () => {
  assert.deepEqual(resolveUserFrom('1000', passwd, group), resolveUserFrom('app', passwd, group));
});

test('a numeric uid not in passwd: gid 0, home /', () => {
  assert.deepEqual(resolveUserFrom('4242', passwd, group), { uid: 4242, gid: 0, additionalGids: [], home: '/' });
  assert.deepEqual(resolveUserFrom('4242:77', null, null), { uid: 4242, gid: 77, additionalGids: [], home: '/' });
});

test('name:group and uid:gid forms; explicit group drops supplementary groups', () => {
  assert.deepEqual(resolveUserFrom('app:staff', passwd, group), { uid: 1000, gid: 50, additionalGids: [], home: '/home/app' });
  assert.deepEqual(resolveUserFrom('33:1001', passwd, group), { uid: 33, gid: 1001, additionalGids: [], home: '/var/www' });
  assert.equal(resolveUserFrom('www-data:9999', passwd, group).gid, 9999);
});

test('unknown names are errors with Docker text', () => {
  assert.throws(
    () => resolveUserFrom('nobody2', passwd, group),
    (e: unknown) =>
      isEngineError(e, 'invalid-parameter') &&
      e.code === 'BERTH_USER_UNKNOWN' &&
      e.message === 'unable to find user nobody2: no matching entries in passwd file',
  );
  assert.throws(() => resolveUserFrom('app', null, null), /unable to find user app/);
  assert.throws(() => resolveUserFrom('app:nogroup', passwd, group), /unable to find group nogroup: no matching entries in group file/);
});

test('ids out of range are refused', () => {
  assert.throws(() => resolveUserFrom('2147483648', passwd, group), /range 0-2147483647/);
  assert.throws(() => resolveUserFrom('0:99999999999', passwd, group), /range/);
});

let root = '';
let outside = '';
before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'berth-user-root-'));
  outside = await mkdtemp(path.join(tmpdir(), 'berth-user-out-'));
  await writeFile(path.join(outside, 'passwd'), 'root:x:0:0:HOST:/host:/bin/sh\nhost:x:7:7::/:/bin/sh\n');
});
after(async () => {
  await rm(root, { recursive: true, force: true });
  await rm(outside, { recursive: true, force: true });
});

async function freshRoot(name: string): Promise<string> {
  const dir = path.join(root, name);
  await mkdir(path.join(dir, 'etc'), { recursive: true });
  return dir;
}

test('resolveUser reads the rootfs files', async () => {
  const r = await freshRoot('plain');
  await writeFile(path.join(r, 'etc/passwd'), PASSWD);
  await writeFile(path.join(r, 'etc/group'), GROUP);
  assert.deepEqual(await resolveUser(r, 'app'), { uid: 1000, gid: 1001, additionalGids: [10, 50], home: '/home/app' });
});

test('missing files are fine for numeric users and root', async () => {
  const r = await freshRoot('empty');
  assert.deepEqual(await resolveUser(r, '123:45'), { uid: 123, gid: 45, additionalGids: [], home: '/' });
  assert.deepEqual(await resolveUser(r, ''), { uid: 0, gid: 0, additionalGids: [], home: '/' });
  await assert.rejects(resolveUser(r, 'someone'), /unable to find user someone/);
});

test('an absolute symlink out of the rootfs stays inside it', async () => {
  const r = await freshRoot('abs-link');
  await symlink(path.join(outside, 'passwd'), path.join(r, 'etc/passwd'));
  // The target does not exist inside the rootfs, so there is no passwd at all.
  await assert.rejects(resolveUser(r, 'host'), /unable to find user host/);
  // When the same path exists inside the rootfs, that file is read.
  await mkdir(path.join(r, outside), { recursive: true });
  await writeFile(path.join(r, outside, 'passwd'), 'inside:x:5:5::/in:/bin/sh\n');
  assert.equal((await resolveUser(r, 'inside')).uid, 5);
});

test('.. in a relative symlink is clamped at the rootfs root', async () => {
  const r = await freshRoot('dotdot');
  const rel = path.join('../../../../../../../../..', outside, 'passwd');
  await symlink(rel, path.join(r, 'etc/passwd'));
  await assert.rejects(resolveUser(r, 'host'), /unable to find user host/);
  assert.equal(resolveInRoot(r, '/etc/passwd'), null);
});

test('symlinked directories inside the rootfs are followed', async () => {
  const r = await freshRoot('dirlink');
  await mkdir(path.join(r, 'real'), { recursive: true });
  await writeFile(path.join(r, 'real/passwd'), 'svc:x:9:9::/srv:/bin/sh\n');
  await rm(path.join(r, 'etc'), { recursive: true });
  await symlink('/real', path.join(r, 'etc'));
  assert.equal((await resolveUser(r, 'svc')).uid, 9);
  assert.equal(resolveInRoot(r, '/etc/passwd'), path.join(r, 'real/passwd'));
});

test('a symlink loop is an error, not a hang', async () => {
  const r = await freshRoot('loop');
  await symlink('/etc/passwd', path.join(r, 'etc/passwd'));
  await assert.rejects(resolveUser(r, 'x'), /too many levels/);
});

test('oversized files are refused; directories read as missing', async () => {
  const r = await freshRoot('big');
  await writeFile(path.join(r, 'etc/passwd'), 'a'.repeat(100));
  assert.throws(
    () => readFileInRoot(r, '/etc/passwd', 50),
    (e: unknown) => isEngineError(e) && e.code === 'BERTH_USER_FILE_TOO_LARGE',
  );
  assert.equal(readFileInRoot(r, '/etc/passwd', 100), 'a'.repeat(100));
  assert.equal(readFileInRoot(r, '/etc', 100), null);
});

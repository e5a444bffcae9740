/**
 * Volumes with the real docker CLI against a real berthd: the volume API,
 * data kept across containers, anonymous volumes and `rm -v`, driver
 * options (a tmpfs volume), copy-up from the image, VolumesFrom, read-only
 * rootfs with a tmpfs, the 409 of an in-use volume, prune filters, `docker
 * cp` into volumes, bad input, and persistence across kill -9. cleanup()
 * fails the suite when a volume mount is left behind (it is under the
 * daemon's temp root).
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startDaemon, type TestDaemon } from './helpers/daemon.js';
import { busyboxRootfsTar, importBusybox } from './helpers/images.js';
import { dockerExpect, eventually, inspect, skipUnlessRoot } from './helpers/docker-cli.js';
import { mountsUnder } from './helpers/leaks.js';

const HEX64 = /^[0-9a-f]{64}$/;

describe('volumes', { skip: skipUnlessRoot() }, () => {
  let d: TestDaemon;
  const volDir = (name: string) => path.join(d.dataRoot, 'volumes', name);
  const lines = (s: string) => s.split('\n').filter((l) => l !== '');

  before(async () => {
    d = await startDaemon();
    await importBusybox(d);
  });
  after(async () => {
    await d?.cleanup();
  });

  test('create with a label, ls --filter, inspect; a second create answers the same volume', async () => {
    assert.equal((await dockerExpect(d, ['volume', 'create', '--label', 'app=x', 'data'])).stdout, 'data\n');
    await dockerExpect(d, ['volume', 'create', 'other']);
    const ls = await dockerExpect(d, ['volume', 'ls', '-q', '--filter', 'label=app=x']);
    assert.deepEqual(lines(ls.stdout), ['data']);
    assert.deepEqual(lines((await dockerExpect(d, ['volume', 'ls', '-q', '--filter', 'name=oth'])).stdout), ['other']);
    const v = JSON.parse((await dockerExpect(d, ['volume', 'inspect', 'data'])).stdout)[0];
    assert.equal(v.Name, 'data');
    assert.equal(v.Driver, 'local');
    assert.equal(v.Scope, 'local');
    assert.deepEqual(v.Labels, { app: 'x' });
    assert.equal(v.Mountpoint, path.join(volDir('data'), '_data'));
    assert.ok(fs.statSync(v.Mountpoint).isDirectory());
    const again = await d.request('POST', '/volumes/create', { body: { Name: 'data' } });
    assert.equal(again.status, 201);
    assert.deepEqual(again.json().Labels, { app: 'x' });
    await dockerExpect(d, ['volume', 'rm', 'other']);
    assert.equal(fs.existsSync(volDir('other')), false);
  });

  test('API errors: 404, bad name, unknown driver, unknown filter', async () => {
    const missing = await d.request('GET', '/volumes/nope');
    assert.equal(missing.status, 404);
    assert.equal(missing.json().message, 'get nope: no such volume');
    assert.equal((await d.request('DELETE', '/volumes/nope')).status, 404);
    assert.equal((await d.request('DELETE', '/volumes/nope', { query: { force: 1 } })).status, 204);
    const bad = await d.request('POST', '/volumes/create', { body: { Name: '_bad' } });
    assert.equal(bad.status, 400);
    assert.match(
      bad.json().message,
      /^create _bad: "_bad" includes invalid characters for a local volume name, only "\[a-zA-Z0-9\]\[a-zA-Z0-9_.-\]" are allowed/,
    );
    const driver = await d.request('POST', '/volumes/create', { body: { Name: 'x1', Driver: 'nope' } });
    assert.equal(driver.status, 404);
    assert.equal(driver.json().message, 'create x1: error looking up volume plugin nope: plugin "nope" not found');
    const opt = await d.request('POST', '/volumes/create', { body: { Name: 'x2', DriverOpts: { foo: 'bar' } } });
    assert.equal(opt.status, 400);
    assert.equal(opt.json().message, 'create x2: invalid option: "foo"');
    const filter = await d.request('GET', '/volumes', { query: { filters: JSON.stringify({ bogus: ['1'] }) } });
    assert.equal(filter.status, 400);
    assert.equal(filter.json().message, "Invalid filter 'bogus'");
    for (const n of ['x1', 'x2', '_bad']) assert.equal(fs.existsSync(volDir(n)), false, n);
  });

  test('data is kept across containers', async () => {
    await dockerExpect(d, ['run', '--rm', '-v', 'data:/data', 'busybox', 'sh', '-c', 'echo kept > /data/f']);
    assert.equal((await dockerExpect(d, ['run', '--rm', '-v', 'data:/data', 'busybox', 'cat', '/data/f'])).stdout, 'kept\n');
    const named = await dockerExpect(d, ['run', '--rm', '-v', 'auto1:/a', 'busybox', 'true']);
    assert.equal(named.code, 0);
    assert.equal((await d.request('GET', '/volumes/auto1')).status, 200, 'a named volume in -v is created and kept');
  });

  test('anonymous volumes: 64-hex names, inspect Mounts, rm -v removes them and never named ones', async () => {
    await dockerExpect(d, ['run', '-d', '--name', 'va', '-v', '/var/cache', '-v', 'data:/data:ro', '-v', '/tmp:/h', 'busybox', 'sleep', '300']);
    const c = await inspect(d, 'va');
    const byDest = Object.fromEntries(c.Mounts.map((m: any) => [m.Destination, m]));
    const anon = byDest['/var/cache'];
    assert.match(anon.Name, HEX64);
    assert.deepEqual(anon, {
      Type: 'volume',
      Name: anon.Name,
      Source: path.join(volDir(anon.Name), '_data'),
      Destination: '/var/cache',
      Driver: 'local',
      Mode: '',
      RW: true,
      Propagation: '',
    });
    assert.deepEqual(byDest['/data'], {
      Type: 'volume',
      Name: 'data',
      Source: path.join(volDir('data'), '_data'),
      Destination: '/data',
      Driver: 'local',
      Mode: 'ro',
      RW: false,
      Propagation: '',
    });
    assert.equal(byDest['/h'].Type, 'bind');
    assert.deepEqual(c.Config.Volumes, { '/var/cache': {} });
    assert.deepEqual([...c.HostConfig.Binds].sort(), ['/tmp:/h', 'data:/data:ro']); // the CLI sends them in no fixed order
    await dockerExpect(d, ['exec', 'va', 'sh', '-c', 'echo anon > /var/cache/x']);
    assert.equal(fs.readFileSync(path.join(volDir(anon.Name), '_data', 'x'), 'utf8'), 'anon\n');
    assert.equal((await dockerExpect(d, ['run', '--rm', '--volumes-from', 'va', 'busybox', 'cat', '/var/cache/x'])).stdout, 'anon\n');
    const ro = await dockerExpect(d, ['run', '--rm', '--volumes-from', 'va:ro', 'busybox', 'sh', '-c', 'touch /var/cache/y'], 1);
    assert.match(ro.stderr, /Read-only file system/);
    // `:rw` lifts no read-only flag of the source (dockerd: RW = source RW && mode rw); `:z` is a valid mode.
    for (const mode of ['rw', 'z']) {
      const keep = await dockerExpect(d, ['run', '--rm', '--volumes-from', `va:${mode}`, 'busybox', 'sh', '-c', 'touch /data/y'], 1);
      assert.match(keep.stderr, /Read-only file system/, mode);
    }
    assert.match(
      (await dockerExpect(d, ['run', '--rm', '--volumes-from', 'va:rshared', 'busybox', 'true'], 125)).stderr,
      /invalid volume specification: 'va:rshared'/,
    );
    const inUse = await d.request('DELETE', '/volumes/data');
    assert.equal(inUse.status, 409);
    assert.equal(inUse.json().message, `remove data: volume is in use - [${c.Id}]`);
    assert.match((await dockerExpect(d, ['volume', 'rm', 'data'], 1)).stderr, /remove data: volume is in use/);
    await dockerExpect(d, ['rm', '-f', '-v', 'va']);
    assert.equal((await d.request('GET', `/volumes/${anon.Name}`)).status, 404);
    assert.equal(fs.existsSync(volDir(anon.Name)), false);
    assert.equal((await d.request('GET', '/volumes/data')).status, 200, 'rm -v keeps named volumes');
  });

  test('--rm removes anonymous volumes; rm without -v keeps them', async () => {
    const before = new Set(lines((await dockerExpect(d, ['volume', 'ls', '-q'])).stdout));
    await dockerExpect(d, ['run', '--rm', '-v', '/scratch', 'busybox', 'true']);
    assert.deepEqual(new Set(lines((await dockerExpect(d, ['volume', 'ls', '-q'])).stdout)), before);
    await dockerExpect(d, ['create', '--name', 'keep', '-v', '/scratch', 'busybox']);
    const name = (await inspect(d, 'keep')).Mounts[0].Name;
    await dockerExpect(d, ['rm', 'keep']);
    assert.equal((await d.request('GET', `/volumes/${name}`)).status, 200);
    const dangling = await dockerExpect(d, ['volume', 'ls', '-q', '--filter', 'dangling=true']);
    assert.ok(lines(dangling.stdout).includes(name));
    await dockerExpect(d, ['volume', 'rm', name]);
  });

  test('a tmpfs-backed volume (driver options) is mounted while used and unmounted after', async () => {
    const r = await dockerExpect(d, [
      'run',
      '--rm',
      '--mount',
      'type=volume,src=v2,dst=/d,volume-opt=type=tmpfs,volume-opt=device=tmpfs,volume-opt=o=size=8m',
      'busybox',
      'df',
      '-k',
      '/d',
    ]);
    const row = lines(r.stdout)[1].split(/\s+/);
    assert.equal(row[0], 'tmpfs');
    assert.equal(row[1], '8192');
    const v = JSON.parse((await dockerExpect(d, ['volume', 'inspect', 'v2'])).stdout)[0];
    assert.deepEqual(v.Options, { type: 'tmpfs', device: 'tmpfs', o: 'size=8m' });
    assert.deepEqual(mountsUnder(volDir('v2')), [], 'unmounted after the last user');
    // Two users: the mount stays until both are gone.
    await dockerExpect(d, ['run', '-d', '--name', 't1', '-v', 'v2:/d', 'busybox', 'sleep', '300']);
    await dockerExpect(d, ['run', '--rm', '-v', 'v2:/d', 'busybox', 'sh', '-c', 'echo shared > /d/f']);
    assert.equal((await dockerExpect(d, ['exec', 't1', 'cat', '/d/f'])).stdout, 'shared\n');
    await dockerExpect(d, ['rm', '-f', 't1']);
    assert.deepEqual(mountsUnder(volDir('v2')), []);
    await dockerExpect(d, ['volume', 'rm', 'v2']);
  });

  test('copy-up: an empty volume over /etc gets the image content with owners and modes, once; nocopy opts out', async () => {
    await dockerExpect(d, ['run', '--rm', '-v', 'etc:/etc', 'busybox', 'sh', '-c', 'chown 65534:65534 /etc/group && chmod 600 /etc/group']);
    // The same content copied up fresh, compared with the image's own.
    const ls = (await dockerExpect(d, ['run', '--rm', '-v', 'etc2:/etc', 'busybox', 'ls', '-ln', '/etc'])).stdout;
    const image = (await dockerExpect(d, ['run', '--rm', 'busybox', 'ls', '-ln', '/etc'])).stdout;
    const names = (s: string) =>
      lines(s)
        .filter((l) => !l.startsWith('total'))
        .map((l) => {
          const f = l.split(/\s+/);
          return `${f[0]} ${f[2]} ${f[3]} ${f[f.length - 1]}`;
        })
        .filter((l) => !/ (hosts|hostname|resolv\.conf)$/.test(l));
    assert.deepEqual(names(ls), names(image));
    const st = fs.statSync(path.join(volDir('etc'), '_data', 'group'));
    assert.equal(st.uid, 65534);
    assert.equal(st.mode & 0o777, 0o600, 'the second container saw the first one’s change: copied once, never again');
    assert.equal(fs.statSync(path.join(volDir('etc2'), '_data', 'passwd')).mode & 0o777, fs.statSync(path.join(volDir('etc2'), '_data', 'group')).mode & 0o777);
    // nocopy: nothing of the image; the network files are mounted on top of the volume, as dockerd does
    // (runc leaves their empty mount points in it).
    const etc3 = await dockerExpect(d, [
      'run',
      '--rm',
      '-v',
      'etc3:/etc:nocopy',
      'busybox',
      'sh',
      '-c',
      'ls /etc && grep -q localhost /etc/hosts && echo hosts-ok',
    ]);
    assert.deepEqual(lines(etc3.stdout), ['hostname', 'hosts', 'resolv.conf', 'hosts-ok']);
    assert.deepEqual(fs.readdirSync(path.join(volDir('etc3'), '_data')).sort(), ['hostname', 'hosts', 'resolv.conf']);
    for (const f of fs.readdirSync(path.join(volDir('etc3'), '_data'))) assert.equal(fs.statSync(path.join(volDir('etc3'), '_data', f)).size, 0, f);
    // Symlinks are copied as symlinks (busybox's applets), and the container runs from the copy.
    assert.equal(
      (await dockerExpect(d, ['run', '--rm', '--mount', 'type=volume,src=binv,dst=/bin', 'busybox', 'echo', 'from the copy'])).stdout,
      'from the copy\n',
    );
    const sh = path.join(volDir('binv'), '_data', 'sh');
    assert.ok(fs.lstatSync(sh).isSymbolicLink());
    assert.equal(fs.readlinkSync(sh), fs.readlinkSync(sh).startsWith('/') ? '/bin/busybox' : 'busybox');
    // Once per container: emptied after its first start, the volume gets nothing at the next one
    // (the settled copy-up is recorded with the start).
    await dockerExpect(d, ['create', '--name', 'cu', '-v', 'etc4:/etc', 'busybox', 'true']);
    await dockerExpect(d, ['start', '-a', 'cu']);
    const etc4 = path.join(volDir('etc4'), '_data');
    assert.ok(fs.readdirSync(etc4).includes('passwd'));
    for (const f of fs.readdirSync(etc4)) fs.rmSync(path.join(etc4, f), { recursive: true });
    await dockerExpect(d, ['start', '-a', 'cu']);
    assert.deepEqual(fs.readdirSync(etc4).sort(), ['hostname', 'hosts', 'resolv.conf'], 'only the network files’ mount points');
    await dockerExpect(d, ['rm', 'cu']);
    await dockerExpect(d, ['volume', 'rm', 'etc', 'etc2', 'etc3', 'etc4', 'binv']);
  });

  test('image VOLUME entries become anonymous volumes', async () => {
    await dockerExpect(d, ['import', '-c', 'VOLUME ["/vol"]', '-c', 'CMD ["sh"]', await busyboxRootfsTar(), 'withvol']);
    await dockerExpect(d, ['create', '--name', 'iv', 'withvol']);
    const c = await inspect(d, 'iv');
    assert.equal(c.Mounts.length, 1);
    assert.match(c.Mounts[0].Name, HEX64);
    assert.equal(c.Mounts[0].Destination, '/vol');
    // A bind on the same path replaces the image's volume.
    await dockerExpect(d, ['create', '--name', 'iv2', '-v', '/tmp:/vol', 'withvol']);
    assert.deepEqual(
      (await inspect(d, 'iv2')).Mounts.map((m: any) => m.Type),
      ['bind'],
    );
    await dockerExpect(d, ['rm', '-v', 'iv', 'iv2']);
    assert.equal((await d.request('GET', `/volumes/${c.Mounts[0].Name}`)).status, 404);
  });

  test('--read-only with --tmpfs', async () => {
    const r = await dockerExpect(
      d,
      ['run', '--rm', '--read-only', '--tmpfs', '/run:rw,size=1m', 'busybox', 'sh', '-c', 'echo ok > /run/x && cat /run/x && df -k /run | tail -1 && touch /y'],
      1,
    );
    const [ok, df] = lines(r.stdout);
    assert.equal(ok, 'ok');
    assert.equal(df.split(/\s+/)[1], '1024');
    assert.match(r.stderr, /Read-only file system/);
  });

  test('docker cp into and out of a volume of a running and of a stopped container', async () => {
    const src = path.join(d.root, 'f');
    fs.writeFileSync(src, 'copied\n');
    await dockerExpect(d, ['run', '-d', '--name', 'cpr', '-v', 'cpv:/var/cache', 'busybox', 'sleep', '300']);
    await dockerExpect(d, ['cp', src, 'cpr:/var/cache/']);
    assert.equal(fs.readFileSync(path.join(volDir('cpv'), '_data', 'f'), 'utf8'), 'copied\n');
    await dockerExpect(d, ['create', '--name', 'cps', '-v', 'cpv2:/var/cache', 'busybox']);
    await dockerExpect(d, ['cp', src, 'cps:/var/cache/']);
    assert.equal(fs.readFileSync(path.join(volDir('cpv2'), '_data', 'f'), 'utf8'), 'copied\n');
    const out = path.join(d.root, 'out');
    fs.mkdirSync(out);
    await dockerExpect(d, ['cp', 'cps:/var/cache/f', path.join(out, 'g')]);
    assert.equal(fs.readFileSync(path.join(out, 'g'), 'utf8'), 'copied\n');
    // The whole volume directory comes out under the target's name.
    await dockerExpect(d, ['cp', 'cps:/var/cache', path.join(out, 'whole')]);
    assert.equal(fs.readFileSync(path.join(out, 'whole', 'f'), 'utf8'), 'copied\n');
    // A symlink in the volume cannot lead the copy out of it.
    const escape = `berth-vol-escape-${process.pid}-${Date.now()}`;
    fs.writeFileSync(path.join(d.root, escape), 'x');
    fs.symlinkSync('/', path.join(volDir('cpv2'), '_data', 'up'));
    await d.docker(['cp', path.join(d.root, escape), 'cps:/var/cache/up/tmp/']);
    assert.equal(fs.existsSync(path.join('/tmp', escape)), false);
    // cp -a (copyUIDGID) into a stopped container's volume: the container user's IDs, from its own passwd.
    await dockerExpect(d, ['create', '--name', 'cpu', '--user', 'daemon', '-v', 'cpv3:/var/cache', 'busybox']);
    await dockerExpect(d, ['cp', '-a', src, 'cpu:/var/cache/']);
    const st = fs.statSync(path.join(volDir('cpv3'), '_data', 'f'));
    assert.deepEqual([st.uid, st.gid], [1, 1]);
    await dockerExpect(d, ['rm', '-f', 'cpr', 'cps', 'cpu']);
    await dockerExpect(d, ['volume', 'rm', 'cpv', 'cpv2', 'cpv3']);
  });

  test('bad mounts: Docker’s words, nothing half made', async () => {
    const before = lines((await dockerExpect(d, ['volume', 'ls', '-q'])).stdout).sort();
    const missing = await dockerExpect(d, ['run', '--rm', '--mount', 'type=bind,src=/nonexistent-berth,dst=/x', 'busybox', 'true'], 125);
    assert.match(missing.stderr, /invalid mount config for type "bind": bind source path does not exist: \/nonexistent-berth/);
    const rel = await dockerExpect(d, ['run', '--rm', '-v', 'rel/path:/x', 'busybox', 'true'], 125);
    assert.match(rel.stderr, /create rel\/path: "rel\/path" includes invalid characters for a local volume name/);
    const dup = await dockerExpect(d, ['run', '--rm', '-v', 'dupv:/x', '-v', '/tmp:/x', 'busybox', 'true'], 125);
    assert.match(dup.stderr, /Duplicate mount point: \/x/);
    const nocopy = await d.request('POST', '/containers/create', { body: { Image: 'busybox', HostConfig: { Binds: ['/tmp:/x:nocopy'] } } });
    assert.equal(nocopy.status, 400);
    assert.match(nocopy.json().message, /invalid mount config for type "bind": field VolumeOptions must not be specified/);
    const driver = await d.request('POST', '/containers/create', {
      body: { Image: 'busybox', HostConfig: { Mounts: [{ Type: 'volume', Source: 'vv', Target: '/x', VolumeOptions: { DriverConfig: { Name: 'nope' } } }] } },
    });
    assert.equal(driver.status, 404);
    assert.equal(driver.json().message, 'create vv: error looking up volume plugin nope: plugin "nope" not found');
    const hostDriver = await d.request('POST', '/containers/create', { body: { Image: 'busybox', HostConfig: { VolumeDriver: 'nope', Binds: ['vdrv:/x'] } } });
    assert.equal(hostDriver.status, 404);
    assert.equal(hostDriver.json().message, 'create vdrv: error looking up volume plugin nope: plugin "nope" not found');
    const bindOnly = await d.request('POST', '/containers/create', { body: { Image: 'busybox', HostConfig: { VolumeDriver: 'nope', Binds: ['/tmp:/x'] } } });
    assert.equal(bindOnly.status, 201, 'no volume to make: the driver is not looked at');
    await dockerExpect(d, ['rm', bindOnly.json().Id]);
    assert.match(
      (await dockerExpect(d, ['run', '--rm', '-v', 'vv:/x:ro,rw', 'busybox', 'true'], 125)).stderr,
      /Error response from daemon: invalid mode: ro,rw$/m,
    );
    const from = await d.request('POST', '/containers/create', { body: { Image: 'busybox', HostConfig: { VolumesFrom: ['nonexist'] } } });
    assert.equal(from.status, 400);
    assert.equal(from.json().message, 'No such container: nonexist');
    // A create that fails after its volumes were made removes them again.
    const late = await d.request('POST', '/containers/create', {
      query: { name: 'late' },
      body: { Image: 'busybox', Volumes: { '/a': {} }, HostConfig: { Binds: ['latev:/b'], CapAdd: ['NOT_A_CAP'] } },
    });
    assert.equal(late.status, 400);
    assert.deepEqual(lines((await dockerExpect(d, ['volume', 'ls', '-q'])).stdout).sort(), before);
  });

  test('a missing Binds source is made at start (0755, parents too), a Mounts one refused; HostConfig.Tmpfs is no mount point', async () => {
    const src = path.join(d.root, 'made', 'by', 'start');
    await dockerExpect(d, [
      'create',
      '--name',
      'mk',
      '-v',
      `${src}:/x`,
      '--tmpfs',
      '/t',
      '--mount',
      'type=tmpfs,dst=/t2',
      'busybox',
      'sh',
      '-c',
      'echo in > /x/f',
    ]);
    assert.equal(fs.existsSync(src), false, 'not at create');
    const c = await inspect(d, 'mk');
    assert.deepEqual(
      c.Mounts.map((m: any) => m.Destination),
      ['/x', '/t2'],
    );
    assert.deepEqual(c.HostConfig.Mounts, [{ Type: 'tmpfs', Target: '/t2' }]);
    await dockerExpect(d, ['start', '-a', 'mk']);
    assert.equal(fs.statSync(src).mode & 0o7777, 0o755);
    assert.equal(fs.readFileSync(path.join(src, 'f'), 'utf8'), 'in\n');
    await dockerExpect(d, ['rm', 'mk']);
  });

  test('prune: label filters; named volumes only with all (API 1.41 prunes every unused volume)', async () => {
    await dockerExpect(d, ['volume', 'create', '--label', 'p=1', 'p1']);
    await dockerExpect(d, ['volume', 'create', '--label', 'p=2', 'p2']);
    await dockerExpect(d, ['create', '--name', 'pu', '-v', 'p3:/x', 'busybox']);
    const byLabel = await d.request('POST', '/volumes/prune', { query: { filters: JSON.stringify({ label: ['p=1'] }) } });
    assert.equal(byLabel.status, 200);
    assert.deepEqual(byLabel.json(), { VolumesDeleted: ['p1'], SpaceReclaimed: 0 });
    const notLabel = await dockerExpect(d, ['volume', 'prune', '-f', '--filter', 'label!=p=2']);
    assert.doesNotMatch(notLabel.stdout, /\bp2\b/);
    assert.equal((await d.request('GET', '/volumes/p2')).status, 200);
    assert.equal((await d.request('GET', '/volumes/p3')).status, 200, 'in use: never pruned');
    fs.writeFileSync(path.join(volDir('p2'), '_data', 'blob'), Buffer.alloc(4096));
    const all = await d.request('POST', '/volumes/prune');
    assert.ok(all.json().VolumesDeleted.includes('p2'));
    assert.equal(all.json().SpaceReclaimed >= 4096, true);
    await dockerExpect(d, ['rm', 'pu']);
    await dockerExpect(d, ['volume', 'rm', 'p3']);
  });

  test('volumes and their mounts survive kill -9 and restart; interrupted creates are cleaned up', async () => {
    await dockerExpect(d, ['volume', 'create', 'survivor']);
    await dockerExpect(d, [
      'run',
      '-d',
      '--name',
      'k9',
      '--mount',
      'type=volume,src=k9v,dst=/d,volume-opt=type=tmpfs,volume-opt=device=tmpfs',
      'busybox',
      'sleep',
      '300',
    ]);
    await dockerExpect(d, ['exec', 'k9', 'sh', '-c', 'echo live > /d/f']);
    fs.mkdirSync(path.join(volDir('halfmade'), '_data'), { recursive: true });
    await d.kill9();
    await d.start();
    assert.equal((await d.request('GET', '/volumes/survivor')).status, 200);
    assert.equal(fs.existsSync(volDir('halfmade')), false, 'a directory without a record is removed at startup');
    assert.equal((await dockerExpect(d, ['exec', 'k9', 'cat', '/d/f'])).stdout, 'live\n', 'the driver mount stays while its container runs');
    assert.equal((await d.request('DELETE', '/volumes/k9v')).status, 409);
    await dockerExpect(d, ['stop', '-t', '0', 'k9']);
    // The exit is committed first, the teardown follows under the container's lock.
    await eventually('k9v unmounted after its container stopped', () => mountsUnder(volDir('k9v')).length === 0);
    await dockerExpect(d, ['rm', 'k9']);
    await dockerExpect(d, ['volume', 'rm', 'k9v', 'survivor']);
  });

  test('kill -9 while volumes are created and removed: every record keeps its directory, every directory has its record', async () => {
    const root = path.join(d.dataRoot, 'volumes');
    let kept = 0;
    for (const delayMs of [30, 120, 300]) {
      let stop = false;
      const churn = async (worker: number) => {
        for (let i = 0; !stop; i++) {
          const name = `churn-${delayMs}-${worker}-${i}`;
          await d.request('POST', '/volumes/create', { body: { Name: name, Labels: { churn: '1' } } }).catch(() => undefined);
          if (i % 3 !== 0) await d.request('DELETE', `/volumes/${name}`).catch(() => undefined);
        }
      };
      const workers = [0, 1, 2, 3].map(churn);
      await new Promise((r) => setTimeout(r, delayMs));
      await d.kill9();
      stop = true;
      await Promise.all(workers);
      await d.start();
      const listed = (await d.request('GET', '/volumes'))
        .json()
        .Volumes.map((v: any) => v.Name)
        .sort();
      assert.deepEqual(fs.readdirSync(root).sort(), listed, `after a kill at ${delayMs} ms`);
      for (const name of listed) assert.ok(fs.statSync(path.join(root, name, '_data')).isDirectory(), name);
      kept += listed.filter((n: string) => n.startsWith('churn-')).length;
    }
    assert.ok(kept > 0, 'the churn made volumes before the kills');
    const pruned = await d.request('POST', '/volumes/prune', { query: { filters: JSON.stringify({ label: ['churn=1'] }) } });
    assert.equal(pruned.status, 200);
    assert.equal((await d.request('GET', '/volumes', { query: { filters: JSON.stringify({ label: ['churn=1'] }) } })).json().Volumes.length, 0);
  });
});

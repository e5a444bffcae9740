/** The OCI spec for the HostConfig fields that reach past the process: namespaces, init, devices, sysctls, groups, shm, OOM. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildOciSpec, INIT_PATH, type HostAccess } from '../../src/engine/runtime/oci-spec.js';
import { checkSysctl, deviceFromStat, majorMinor, parseDeviceCgroupRule } from '../../src/engine/runtime/oci-devices.js';
import { defaultCreateSpec, defaultResources } from '../../src/engine/model/spec-defaults.js';
import type { ContainerSpec } from '../../src/engine/model/container.js';
import { isEngineError } from '../../src/engine/errors.js';

const NO_HOST: HostAccess = { namespacePaths: {}, devices: [], deviceRules: [], extraGids: [] };

function build(over: Partial<ContainerSpec>, host: Partial<HostAccess> = {}) {
  const spec: ContainerSpec = {
    image: 'busybox',
    imageId: 'sha256:0',
    cmd: ['sh'],
    entrypoint: [],
    ...defaultCreateSpec({ hostname: 'h1', networkMode: 'bridge' }),
    ...over,
  };
  return buildOciSpec({
    id: 'c1',
    spec,
    rootfs: '/r',
    user: { uid: 0, gid: 0, additionalGids: [10], home: '/root' },
    hostsPath: '/h',
    hostnamePath: '/hn',
    resolvConfPath: '/rc',
    cgroupsPath: '/berth/c1',
    hostRlimits: {},
    defaultPidsLimit: 0,
    shmSize: 64 << 20,
    host: { ...NO_HOST, ...host },
  }).spec;
}

const nsTypes = (s: ReturnType<typeof build>) => s.linux.namespaces.map((n) => (n.path ? `${n.type}=${n.path}` : n.type));

test('namespaces: host leaves one out, container:<id> joins the donor file, cgroupns private adds one', () => {
  assert.deepEqual(nsTypes(build({})), ['pid', 'network', 'ipc', 'uts', 'mount']);
  const host = build({ pidMode: 'host', ipcMode: 'host', utsMode: 'host' }, { shmSource: '/dev/shm' });
  assert.deepEqual(nsTypes(host), ['network', 'mount']);
  assert.equal(host.hostname, '', 'no hostname without a UTS namespace of its own');
  assert.deepEqual(
    host.mounts.find((m) => m.destination === '/dev/shm'),
    { destination: '/dev/shm', type: 'bind', source: '/dev/shm', options: ['rbind', 'nosuid', 'noexec', 'nodev'] },
  );
  const joined = build({ pidMode: 'container:x', ipcMode: 'container:x' }, { namespacePaths: { pid: '/proc/7/ns/pid', ipc: '/proc/7/ns/ipc' } });
  assert.deepEqual(nsTypes(joined), ['pid=/proc/7/ns/pid', 'network', 'ipc=/proc/7/ns/ipc', 'uts', 'mount']);
  assert.deepEqual(nsTypes(build({ cgroupnsMode: 'private' })).at(-1), 'cgroup');
  assert.equal(
    build({ ipcMode: 'none' }).mounts.some((m) => m.destination === '/dev/shm'),
    false,
  );
  assert.ok(
    build({ shmSize: 128 << 20 })
      .mounts.find((m) => m.destination === '/dev/shm')!
      .options.includes(`size=${128 << 20}`),
  );
});

test('init, groups, OOM score, sysctls, memory extras', () => {
  const s = build(
    {
      oomScoreAdj: 500,
      sysctls: { 'net.ipv4.ip_forward': '1' },
      resources: { ...defaultResources(), memoryReservation: 1 << 20, memorySwappiness: 10, oomKillDisable: true },
    },
    { initPath: '/usr/bin/tini-static', extraGids: [1000, 10] },
  );
  assert.deepEqual(s.process.args, [INIT_PATH, '--', 'sh']);
  assert.deepEqual(
    s.mounts.find((m) => m.destination === INIT_PATH),
    { destination: INIT_PATH, type: 'bind', source: '/usr/bin/tini-static', options: ['rbind', 'ro', 'rprivate'] },
  );
  assert.deepEqual(s.process.user.additionalGids, [10, 1000]);
  assert.equal(s.process.oomScoreAdj, 500);
  assert.equal(s.linux.sysctl!['net.ipv4.ip_forward'], '1');
  assert.equal(s.linux.sysctl!['net.ipv4.ping_group_range'], '0 2147483647');
  assert.deepEqual(s.linux.resources.memory, { reservation: 1 << 20, swappiness: 10, disableOOMKiller: true });
});

test('devices: nodes from a stat, allow rules after the defaults; cgroup rules parsed', () => {
  assert.deepEqual(majorMinor(10 * 256 + 229), { major: 10, minor: 229 });
  const fuse = deviceFromStat('/dev/fuse', '/dev/fuse', 'rwm', { mode: 0o20666, rdev: 10 * 256 + 229, uid: 0, gid: 0 });
  assert.deepEqual(fuse.node, { path: '/dev/fuse', type: 'c', major: 10, minor: 229, fileMode: 0o666, uid: 0, gid: 0 });
  const s = build({}, { devices: [fuse.node], deviceRules: [fuse.rule, parseDeviceCgroupRule('c 42:* rwm')] });
  assert.deepEqual(s.linux.devices, [fuse.node]);
  assert.deepEqual(s.linux.resources.devices.slice(-2), [
    { allow: true, type: 'c', major: 10, minor: 229, access: 'rwm' },
    { allow: true, type: 'c', major: 42, access: 'rwm' },
  ]);
  assert.throws(() => parseDeviceCgroupRule('bogus'), /invalid device cgroup rule format: 'bogus'/);
  assert.throws(() => deviceFromStat('/etc/passwd', '/x', 'rwm', { mode: 0o100644, rdev: 0, uid: 0, gid: 0 }), /not a device node/);
});

test("sysctls: only those of a namespace the container owns, with runc's wording", () => {
  const own = { net: true, ipc: true, uts: true };
  for (const ok of ['net.ipv4.ip_forward', 'kernel.shmmax', 'fs.mqueue.msg_max', 'kernel.domainname']) assert.doesNotThrow(() => checkSysctl(ok, own));
  const refused = (key: string, o: typeof own, text: RegExp) =>
    assert.throws(
      () => checkSysctl(key, o),
      (e: unknown) => isEngineError(e) && e.kind === 'invalid-parameter' && text.test(e.message),
    );
  refused('vm.swappiness', own, /sysctl "vm.swappiness" is not in a separate kernel namespace/);
  refused('kernel.hostname', own, /conflicts with the OCI "hostname" field/);
  refused('net.core.somaxconn', { ...own, net: false }, /not allowed in host network namespace/);
  refused('kernel.sem', { ...own, ipc: false }, /not allowed in the hosts ipc namespace/);
  refused('kernel.domainname', { ...own, uts: false }, /not in a separate kernel namespace/);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildOciSpec, serializeOciSpec, DEFAULT_PATH, type OciSpecInput } from '../../src/engine/runtime/oci-spec.js';
import { MASKED_PATHS, READONLY_PATHS } from '../../src/engine/model/spec-defaults.js';
import { mergeMountOptions } from '../../src/engine/runtime/oci-mounts.js';
import { parseProcLimits } from '../../src/engine/runtime/oci-rlimits.js';
import { buildSeccompProfile, NEVER_ALLOWED } from '../../src/engine/runtime/seccomp-profile.js';
import { kernelConfigHasX32, seccompArchitectures } from '../../src/engine/runtime/seccomp-arches.js';
import { ALL_CAPABILITIES, DEFAULT_CAPABILITIES } from '../../src/engine/runtime/capabilities.js';
import { isEngineError } from '../../src/engine/errors.js';
import { defaultCreateSpec, defaultResources } from '../../src/engine/model/spec-defaults.js';
import type { ContainerSpec, MountSpec, Resources } from '../../src/engine/model/container.js';
import type { OciSpec } from '../../src/engine/runtime/oci-types.js';

const RES: Resources = defaultResources();

function cspec(over: Partial<ContainerSpec> = {}): ContainerSpec {
  return {
    image: 'busybox',
    imageId: 'sha256:0',
    cmd: ['sh', '-c', 'true'],
    entrypoint: [],
    ...defaultCreateSpec({ hostname: 'abc123', stopSignal: 'SIGTERM', attachStdout: true, attachStderr: true, resources: { ...RES }, networkMode: 'none' }),
    ...over,
  };
}

function input(over: Partial<ContainerSpec> = {}, extra: Partial<OciSpecInput> = {}): OciSpecInput {
  return {
    id: 'c1',
    spec: cspec(over),
    rootfs: '/var/lib/berth/c1/merged',
    user: { uid: 0, gid: 0, additionalGids: [10], home: '/root' },
    hostsPath: '/run/berth/c1/hosts',
    hostnamePath: '/run/berth/c1/hostname',
    resolvConfPath: '/run/berth/c1/resolv.conf',
    cgroupsPath: '/berth/c1',
    hostRlimits: { RLIMIT_NOFILE: { soft: 20000, hard: 20000 } },
    defaultPidsLimit: 4096,
    shmSize: 67108864,
    ...extra,
  };
}

const build = (over: Partial<ContainerSpec> = {}, extra: Partial<OciSpecInput> = {}) => buildOciSpec(input(over, extra));
const spec = (over: Partial<ContainerSpec> = {}, extra: Partial<OciSpecInput> = {}): OciSpec => build(over, extra).spec;
const mount = (s: OciSpec, dest: string) => s.mounts.find((m) => m.destination === dest);

test('top level: version, root, hostname, domainname', () => {
  const s = spec();
  assert.equal(s.ociVersion, '1.0.2');
  assert.deepEqual(s.root, { path: '/var/lib/berth/c1/merged', readonly: false });
  assert.equal(s.hostname, 'abc123');
  assert.equal('domainname' in s, false);
  assert.equal(spec({ domainname: 'example.org', readonlyRootfs: true }).domainname, 'example.org');
  assert.equal(spec({ readonlyRootfs: true }).root.readonly, true);
});

test('process basics', () => {
  const p = spec({ entrypoint: ['/init'], cmd: ['a', 'b'], workingDir: '/app', consoleSize: [24, 80] }).process;
  assert.deepEqual(p.args, ['/init', 'a', 'b']);
  assert.equal(p.cwd, '/app');
  assert.equal(p.terminal, false);
  assert.equal(p.consoleSize, undefined);
  assert.deepEqual(p.user, { uid: 0, gid: 0, additionalGids: [10] });
  assert.equal(p.oomScoreAdj, 0);
  assert.equal(p.noNewPrivileges, false);
  assert.equal(spec().process.cwd, '/');
  const tty = spec({ tty: true, consoleSize: [24, 80] }).process;
  assert.equal(tty.terminal, true);
  assert.deepEqual(tty.consoleSize, { height: 24, width: 80 });
});

test('env: Docker defaults, in-place replacement, HOME from the user', () => {
  assert.deepEqual(spec().process.env, [`PATH=${DEFAULT_PATH}`, 'HOSTNAME=abc123', 'HOME=/root']);
  assert.deepEqual(spec({ tty: true, env: ['PATH=/x', 'A=1', 'HOME=/h'] }).process.env, ['PATH=/x', 'HOSTNAME=abc123', 'TERM=xterm', 'A=1', 'HOME=/h']);
  assert.deepEqual(spec({ env: ['TERM=dumb', 'HOSTNAME'] }).process.env, [`PATH=${DEFAULT_PATH}`, 'TERM=dumb', 'HOME=/root']);
});

test('capabilities: Docker defaults in bounding/effective/permitted, none inheritable or ambient', () => {
  const c = spec().process.capabilities;
  assert.deepEqual(c.bounding, [...DEFAULT_CAPABILITIES]);
  assert.deepEqual(c.effective, c.bounding);
  assert.deepEqual(c.permitted, c.bounding);
  assert.deepEqual(c.inheritable, []);
  assert.deepEqual(c.ambient, []);
  assert.ok(spec({ capAdd: ['sys_admin'] }).process.capabilities.bounding.includes('CAP_SYS_ADMIN'));
  assert.throws(
    () => build({ capAdd: ['bogus'] }),
    (e: unknown) => isEngineError(e) && e.code === 'BERTH_CAPABILITY_UNKNOWN',
  );
});

test('capabilities the daemon lacks are left out, with a warning unless privileged', () => {
  const host = ALL_CAPABILITIES.filter((c) => c !== 'CAP_SYS_RESOURCE');
  const added = build({ capAdd: ['SYS_RESOURCE', 'NET_ADMIN'] }, { hostCapabilities: host });
  assert.ok(!added.spec.process.capabilities.bounding.includes('CAP_SYS_RESOURCE'));
  assert.ok(added.spec.process.capabilities.bounding.includes('CAP_NET_ADMIN'));
  assert.deepEqual(added.warnings, ['capabilities not held by the daemon were left out: CAP_SYS_RESOURCE']);
  const priv = build({ privileged: true }, { hostCapabilities: host });
  assert.equal(priv.spec.process.capabilities.bounding.length, ALL_CAPABILITIES.length - 1);
  assert.deepEqual(priv.warnings, []);
});

test('no-new-privileges from the spec or SecurityOpt', () => {
  assert.equal(spec({ noNewPrivileges: true }).process.noNewPrivileges, true);
  assert.equal(spec({ securityOpt: ['no-new-privileges'] }).process.noNewPrivileges, true);
  assert.equal(spec({ securityOpt: ['no-new-privileges:true'] }).process.noNewPrivileges, true);
  assert.equal(spec({ noNewPrivileges: true, securityOpt: ['no-new-privileges=false'] }).process.noNewPrivileges, false);
});

test('rlimits: NOFILE 1024:1024 by default, ulimits by Docker name', () => {
  assert.deepEqual(spec().process.rlimits, [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }]);
  const r = spec({
    resources: {
      ...RES,
      ulimits: [
        { name: 'nproc', soft: 100, hard: 200 },
        { name: 'nofile', soft: 512, hard: 4096 },
        { name: 'core', soft: -1, hard: -1 },
      ],
    },
  }).process.rlimits;
  assert.deepEqual(r, [
    { type: 'RLIMIT_NOFILE', hard: 4096, soft: 512 },
    { type: 'RLIMIT_NPROC', hard: 200, soft: 100 },
    { type: 'RLIMIT_CORE', hard: Infinity, soft: Infinity },
  ]);
});

test('rlimits above the host hard limit are clamped with a warning', () => {
  const { spec: s, warnings } = build({ resources: { ...RES, ulimits: [{ name: 'nofile', soft: 50000, hard: 100000 }] } });
  assert.deepEqual(s.process.rlimits, [{ type: 'RLIMIT_NOFILE', hard: 20000, soft: 20000 }]);
  assert.deepEqual(warnings, ["RLIMIT_NOFILE 50000:100000 is above the daemon's hard limit 20000; using 20000:20000"]);
  const low = build({ resources: { ...RES, ulimits: [{ name: 'nofile', soft: 10, hard: 30000 }] } });
  assert.deepEqual(low.spec.process.rlimits, [{ type: 'RLIMIT_NOFILE', hard: 20000, soft: 10 }]);
  assert.equal(low.warnings.length, 1);
  const unl = build({ resources: { ...RES, ulimits: [{ name: 'nofile', soft: -1, hard: -1 }] } });
  assert.deepEqual(unl.spec.process.rlimits[0], { type: 'RLIMIT_NOFILE', hard: 20000, soft: 20000 });
});

test('bad ulimits are invalid-parameter errors', () => {
  assert.throws(() => build({ resources: { ...RES, ulimits: [{ name: 'bogus', soft: 1, hard: 1 }] } }), /invalid ulimit type: bogus/);
  assert.throws(
    () => build({ resources: { ...RES, ulimits: [{ name: 'nofile', soft: 2, hard: 1 }] } }),
    /soft limit must be less than or equal to hard limit: 2 > 1/,
  );
});

test('serializeOciSpec writes RLIM_INFINITY as the uint64 maximum', () => {
  const s = spec({ resources: { ...RES, ulimits: [{ name: 'core', soft: -1, hard: -1 }] } });
  const json = serializeOciSpec(s);
  assert.match(json, /"hard": 18446744073709551615,/);
  assert.ok(!json.includes('null'));
});

test('serializeOciSpec writes what a replacer of Infinity would, byte for byte, and leaves the spec as it was', () => {
  const ulimits = [
    { name: 'core', soft: -1, hard: -1 },
    { name: 'nofile', soft: 1024, hard: 4096 },
  ];
  const specs = [
    spec({ resources: { ...RES, ulimits } }),
    spec({ resources: { ...RES, ulimits }, domainname: 'example.org' }),
    spec({ privileged: true }),
    spec({ capAdd: ['SYS_ADMIN', 'SYS_PTRACE'] }),
    spec({ securityOpt: ['seccomp=unconfined'] }),
    // A user's strings that look like the placeholders of the splice stay as they are.
    spec({ resources: { ...RES, ulimits }, cmd: ['__berth_seccomp__', '__berth_rlim_infinity__'], hostname: '__berth_seccomp__' }),
  ];
  for (const s of specs) {
    const before = structuredClone(s);
    const viaReplacer = JSON.stringify(s, (_k, v: unknown) => (v === Infinity ? 'INF' : v), 2).replaceAll('"INF"', '18446744073709551615');
    assert.equal(serializeOciSpec(s), viaReplacer);
    assert.equal(serializeOciSpec(s), viaReplacer, 'again, from the cached profile text');
    assert.deepEqual(s, before);
  }
});

test('the seccomp profile of a set of rules is built once, frozen, and shared', () => {
  const a = buildSeccompProfile([...DEFAULT_CAPABILITIES]);
  assert.equal(buildSeccompProfile([...DEFAULT_CAPABILITIES].reverse()), a);
  assert.ok(Object.isFrozen(a) && Object.isFrozen(a.syscalls[0].names));
  assert.notEqual(buildSeccompProfile([...DEFAULT_CAPABILITIES, 'CAP_SYS_ADMIN']), a);
  assert.equal(spec().linux.seccomp, a);
});

test('parseProcLimits reads /proc/self/limits', () => {
  const text = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            20000                20000                files
Max processes             96365                96365                processes
Max nice priority         0                    0
`;
  assert.deepEqual(parseProcLimits(text), {
    RLIMIT_CPU: { soft: Infinity, hard: Infinity },
    RLIMIT_NOFILE: { soft: 20000, hard: 20000 },
    RLIMIT_NPROC: { soft: 96365, hard: 96365 },
    RLIMIT_NICE: { soft: 0, hard: 0 },
  });
});

test('default mounts, in order, with Docker options', () => {
  assert.deepEqual(spec().mounts, [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['ro', 'nosuid', 'noexec', 'nodev'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=67108864'] },
    { destination: '/etc/resolv.conf', type: 'bind', source: '/run/berth/c1/resolv.conf', options: ['rbind', 'rprivate'] },
    { destination: '/etc/hostname', type: 'bind', source: '/run/berth/c1/hostname', options: ['rbind', 'rprivate'] },
    { destination: '/etc/hosts', type: 'bind', source: '/run/berth/c1/hosts', options: ['rbind', 'rprivate'] },
  ]);
});

test('a read-only rootfs makes the network files read-only too', () => {
  const s = spec({ readonlyRootfs: true });
  assert.deepEqual(mount(s, '/etc/hosts')?.options, ['rbind', 'rprivate', 'ro']);
  assert.deepEqual(mount(s, '/dev/shm')?.options.includes('ro'), false);
});

const bind = (over: Partial<MountSpec>): MountSpec => ({ type: 'bind', source: '/srv', target: '/data', readOnly: false, origin: 'binds', ...over });
const tmpfs = (over: Partial<MountSpec>): MountSpec => ({ type: 'tmpfs', source: '', target: '/tmp', readOnly: false, origin: 'tmpfs', ...over });

test('user binds: rbind, ro, propagation (rprivate by default)', () => {
  const s = spec({ mounts: [bind({}), bind({ target: '/ro', readOnly: true, propagation: 'rslave' })] });
  assert.deepEqual(mount(s, '/data'), { destination: '/data', type: 'bind', source: '/srv', options: ['rbind', 'rprivate'] });
  assert.deepEqual(mount(s, '/ro')?.options, ['rbind', 'ro', 'rslave']);
});

test('user tmpfs: noexec,nosuid,nodev, mode 1777 by default, size, client options win', () => {
  const s = spec({ mounts: [tmpfs({}), tmpfs({ target: '/run', tmpfsSize: 1048576, tmpfsMode: 0o700, options: ['exec'], readOnly: true })] });
  assert.deepEqual(mount(s, '/tmp'), { destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['noexec', 'nosuid', 'nodev', 'rprivate', 'mode=1777'] });
  assert.deepEqual(mount(s, '/run')?.options, ['nosuid', 'nodev', 'rprivate', 'mode=700', 'size=1048576', 'exec', 'ro']);
  assert.deepEqual(mergeMountOptions(['size=1', 'rw', 'size=2', 'ro']), ['size=2', 'ro']);
});

test('a user mount over a default destination replaces it; /dev replaces /dev/*', () => {
  const s = spec({ mounts: [bind({ source: '/h/hosts', target: '/etc/hosts' }), tmpfs({ target: '/dev/shm' })] });
  assert.equal(s.mounts.filter((m) => m.destination === '/etc/hosts').length, 1);
  assert.equal(mount(s, '/etc/hosts')?.source, '/h/hosts');
  assert.equal(mount(s, '/dev/shm')?.source, 'tmpfs');
  const dev = spec({ mounts: [bind({ source: '/dev', target: '/dev' })] });
  assert.deepEqual(
    dev.mounts.filter((m) => m.destination.startsWith('/dev')).map((m) => m.type),
    ['bind'],
  );
});

test('user mounts come after the defaults, parents before children', () => {
  const s = spec({ mounts: [bind({ target: '/a/b/c' }), bind({ target: '/a' }), tmpfs({ target: '/a/b' })] });
  assert.deepEqual(
    s.mounts.slice(-6).map((m) => m.destination),
    ['/a', '/etc/resolv.conf', '/etc/hostname', '/etc/hosts', '/a/b', '/a/b/c'],
  );
});

test('a mount over /etc goes first and the network files on top of it, as dockerd orders them', () => {
  const s = spec({ mounts: [bind({ source: '/vol/_data', target: '/etc' }), bind({ target: '/a' })] });
  assert.deepEqual(
    s.mounts.slice(-5).map((m) => m.destination),
    ['/etc', '/a', '/etc/resolv.conf', '/etc/hostname', '/etc/hosts'],
  );
});

test('namespaces and sysctls: private netns unless host', () => {
  const s = spec();
  assert.deepEqual(
    s.linux.namespaces.map((n) => n.type),
    ['pid', 'network', 'ipc', 'uts', 'mount'],
  );
  assert.deepEqual(s.linux.sysctl, { 'net.ipv4.ping_group_range': '0 2147483647', 'net.ipv4.ip_unprivileged_port_start': '0' });
  const host = spec({ networkMode: 'host' });
  assert.deepEqual(
    host.linux.namespaces.map((n) => n.type),
    ['pid', 'ipc', 'uts', 'mount'],
  );
  assert.equal(host.linux.sysctl, undefined);
  assert.equal(s.linux.cgroupsPath, '/berth/c1');
});

test('devices: deny all plus Docker allow list', () => {
  assert.deepEqual(spec().linux.resources.devices, [
    { allow: false, access: 'rwm' },
    { allow: true, type: 'c', major: 1, minor: 5, access: 'rwm' },
    { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' },
    { allow: true, type: 'c', major: 1, minor: 9, access: 'rwm' },
    { allow: true, type: 'c', major: 1, minor: 8, access: 'rwm' },
    { allow: true, type: 'c', major: 5, minor: 0, access: 'rwm' },
    { allow: true, type: 'c', major: 5, minor: 1, access: 'rwm' },
    { allow: false, type: 'c', major: 10, minor: 229, access: 'rwm' },
  ]);
});

test('memory: swap 2x by default, -1 unlimited, explicit kept, none without a limit', () => {
  const mem = (memory: number, memorySwap: number) => spec({ resources: { ...RES, memory, memorySwap } }).linux.resources.memory;
  assert.deepEqual(mem(1000, 0), { limit: 1000, swap: 2000 });
  assert.deepEqual(mem(1000, -1), { limit: 1000, swap: -1 });
  assert.deepEqual(mem(1000, 1500), { limit: 1000, swap: 1500 });
  assert.equal(mem(0, 0), undefined);
});

test('cpu: NanoCpus → period 100000 and quota; else quota/period/shares/cpus', () => {
  const cpu = (r: Partial<Resources>) => spec({ resources: { ...RES, ...r } }).linux.resources.cpu;
  assert.deepEqual(cpu({ nanoCpus: 1.5e9 }), { period: 100000, quota: 150000 });
  assert.deepEqual(cpu({ nanoCpus: 1e8, cpuQuota: 5, cpuPeriod: 7 }), { period: 100000, quota: 10000 });
  assert.deepEqual(cpu({ cpuQuota: 50000, cpuPeriod: 200000, cpuShares: 512, cpusetCpus: '0-1' }), {
    shares: 512,
    quota: 50000,
    period: 200000,
    cpus: '0-1',
  });
  assert.equal(cpu({}), undefined);
});

test('pids: daemon default for 0/null, -1 unlimited, explicit kept', () => {
  const pids = (pidsLimit: number | null, def = 4096) => spec({ resources: { ...RES, pidsLimit } }, { defaultPidsLimit: def }).linux.resources.pids;
  assert.deepEqual(pids(null), { limit: 4096 });
  assert.deepEqual(pids(0), { limit: 4096 });
  assert.deepEqual(pids(-1), { limit: -1 });
  assert.deepEqual(pids(50), { limit: 50 });
  assert.equal(pids(null, 0), undefined);
});

test('masked and read-only paths, with per-CPU thermal_throttle', () => {
  const s = spec({}, { cpuCount: 2 });
  assert.deepEqual(s.linux.maskedPaths, [...MASKED_PATHS, '/sys/devices/system/cpu/cpu0/thermal_throttle', '/sys/devices/system/cpu/cpu1/thermal_throttle']);
  assert.ok(s.linux.maskedPaths.includes('/proc/kcore'));
  assert.deepEqual(s.linux.readonlyPaths, ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger']);
  assert.deepEqual(s.linux.readonlyPaths, [...READONLY_PATHS]);
});

test('privileged: all caps, nothing masked, /sys rw, all devices, no seccomp', () => {
  const s = spec({ privileged: true, capDrop: ['ALL'] });
  assert.deepEqual(s.process.capabilities.bounding, [...ALL_CAPABILITIES]);
  assert.deepEqual(s.linux.maskedPaths, []);
  assert.deepEqual(s.linux.readonlyPaths, []);
  assert.deepEqual(mount(s, '/sys')?.options, ['nosuid', 'noexec', 'nodev']);
  assert.deepEqual(mount(s, '/sys/fs/cgroup')?.options, ['nosuid', 'noexec', 'nodev']);
  assert.deepEqual(s.linux.resources.devices, [{ allow: true, access: 'rwm' }]);
  assert.equal(s.linux.seccomp, undefined);
});

test('seccomp: the default profile unless unconfined; custom profiles not implemented', () => {
  const s = spec();
  assert.deepEqual(s.linux.seccomp, buildSeccompProfile([...DEFAULT_CAPABILITIES]));
  assert.equal(spec({ securityOpt: ['seccomp=unconfined'] }).linux.seccomp, undefined);
  assert.throws(
    () => build({ securityOpt: ['seccomp={"defaultAction":"SCMP_ACT_ALLOW"}'] }),
    (e: unknown) => isEngineError(e, 'not-implemented'),
  );
});

test("seccomp architectures: Docker's archMap, x32 only on a kernel that has it", () => {
  assert.deepEqual(seccompArchitectures('x64', true), ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
  assert.deepEqual(seccompArchitectures('x64', false), ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86']);
  assert.deepEqual(seccompArchitectures('arm64', false), ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM']);
  assert.deepEqual(seccompArchitectures('s390x', true), []);
  assert.equal(kernelConfigHasX32('CONFIG_IA32_EMULATION=y\n# CONFIG_X86_X32_ABI is not set\n'), false);
  assert.equal(kernelConfigHasX32('CONFIG_X86_X32_ABI=y\n'), true);
  assert.equal(kernelConfigHasX32('CONFIG_X86_X32=y\n'), true, 'the option before 5.18');
  assert.equal(kernelConfigHasX32('CONFIG_X86_X32_DISABLED=y\n'), false, 'not the option itself');
  assert.equal(kernelConfigHasX32(''), false, 'a configuration without it');
  assert.equal(kernelConfigHasX32(undefined), true, 'no configuration to read: kept, as Docker has it');
});

const rulesFor = (caps: string[], name: string) => buildSeccompProfile(caps).syscalls.filter((r) => r.names.includes(name));

test("seccomp profile: EPERM default, the host's arches, never-allowed calls absent", () => {
  const p = buildSeccompProfile([...ALL_CAPABILITIES]);
  assert.equal(p.defaultAction, 'SCMP_ACT_ERRNO');
  assert.equal(p.defaultErrnoRet, 1);
  if (process.arch === 'x64') assert.deepEqual(p.architectures.slice(0, 2), ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86']);
  for (const name of NEVER_ALLOWED) assert.deepEqual(rulesFor([...ALL_CAPABILITIES], name), [], name);
  assert.equal(rulesFor([], 'read')[0].action, 'SCMP_ACT_ALLOW');
});

test('seccomp profile: clone and clone3 depend on CAP_SYS_ADMIN', () => {
  assert.deepEqual(rulesFor([...DEFAULT_CAPABILITIES], 'clone'), [
    { names: ['clone'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 2114060288, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }] },
  ]);
  assert.deepEqual(rulesFor([...DEFAULT_CAPABILITIES], 'clone3'), [{ names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 }]);
  const admin = ['CAP_SYS_ADMIN'];
  assert.deepEqual(
    rulesFor(admin, 'clone').map((r) => [r.action, r.args]),
    [['SCMP_ACT_ALLOW', undefined]],
  );
  assert.deepEqual(
    rulesFor(admin, 'clone3').map((r) => r.action),
    ['SCMP_ACT_ALLOW'],
  );
  for (const n of ['mount', 'umount2', 'unshare', 'setns', 'sethostname', 'setdomainname', 'bpf', 'perf_event_open']) {
    assert.deepEqual(rulesFor([...DEFAULT_CAPABILITIES], n), [], n);
    assert.equal(rulesFor(admin, n).length > 0, true, n);
  }
});

test('seccomp profile: capability groups and socket families', () => {
  for (const n of ['kcmp', 'pidfd_getfd', 'process_madvise']) {
    assert.deepEqual(rulesFor([...DEFAULT_CAPABILITIES], n), [], n);
    assert.equal(rulesFor(['CAP_SYS_PTRACE'], n).length, 1, n);
  }
  assert.equal(rulesFor([...DEFAULT_CAPABILITIES], 'chroot').length, 1);
  assert.equal(rulesFor([], 'chroot').length, 0);
  const socket = rulesFor([], 'socket').map((r) => r.args);
  assert.deepEqual(socket, [
    [{ index: 0, value: 38, op: 'SCMP_CMP_LT' }],
    [{ index: 0, value: 39, op: 'SCMP_CMP_EQ' }],
    [{ index: 0, value: 40, op: 'SCMP_CMP_GT' }],
  ]);
});

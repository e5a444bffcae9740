/**
 * buildOciSpec against the real runc: a busybox rootfs, the spec written to
 * a temp bundle, `runc run`, and the container reports what it sees.
 * Skips unless root with runc and a static busybox.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, rmdir, copyFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { buildOciSpec, serializeOciSpec, type OciSpecInput } from '../../src/engine/runtime/oci-spec.js';
import { parseProcLimits } from '../../src/engine/runtime/oci-rlimits.js';
import { capabilitiesFromMask } from '../../src/engine/runtime/capabilities.js';
import { resolveUser } from '../../src/engine/container-root/user.js';
import { defaultCreateSpec } from '../../src/engine/model/spec-defaults.js';
import type { ContainerSpec } from '../../src/engine/model/container.js';

const run = promisify(execFile);
const RUNC = '/usr/sbin/runc';
const BUSYBOX = '/bin/busybox';
const skip = process.getuid?.() !== 0 ? 'needs root' : !existsSync(RUNC) ? 'runc missing' : !existsSync(BUSYBOX) ? 'busybox missing' : false;

const APPLETS = ['sh', 'grep', 'cat', 'stat', 'id', 'hostname', 'echo', 'ls', 'unshare', 'true', 'wc'];
const MASKED = 'character special file';
const CGROUP_PARENT = `berth-ocitest-${process.pid}`;
let work = '';
let rootfs = '';

before(async () => {
  if (skip) return;
  work = await mkdtemp(path.join(tmpdir(), 'berth-ocispec-'));
  rootfs = path.join(work, 'rootfs');
  await mkdir(path.join(rootfs, 'bin'), { recursive: true });
  await mkdir(path.join(rootfs, 'etc'), { recursive: true });
  await copyFile(BUSYBOX, path.join(rootfs, 'bin/busybox'));
  for (const a of APPLETS) await symlink('busybox', path.join(rootfs, 'bin', a));
  await writeFile(path.join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n');
  await writeFile(path.join(rootfs, 'etc/group'), 'root:x:0:root\napp:x:1000:\nstaff:x:50:app\n');
  for (const f of ['hosts', 'hostname', 'resolv.conf']) await writeFile(path.join(work, f), `# ${f}\n`);
});

after(async () => {
  if (skip || !work) return;
  await rm(work, { recursive: true, force: true });
  for (const ctrl of await readdir('/sys/fs/cgroup').catch(() => [])) {
    await rmdir(path.join('/sys/fs/cgroup', ctrl, CGROUP_PARENT)).catch(() => undefined);
  }
});

function containerSpec(over: Partial<ContainerSpec>): ContainerSpec {
  return {
    image: 'busybox',
    imageId: 'sha256:0',
    cmd: [],
    entrypoint: [],
    ...defaultCreateSpec({ hostname: 'berth-test', stopSignal: 'SIGTERM', attachStdout: true, attachStderr: true, networkMode: 'none' }),
    ...over,
  };
}

function hostCaps(): string[] {
  const status = readFileSync('/proc/self/status', 'utf8');
  return capabilitiesFromMask(/CapBnd:\s*(\S+)/.exec(status)?.[1] ?? '0');
}

/** Runs `script` in a container from `spec`; returns stdout and the builder's warnings. */
async function runInContainer(name: string, spec: ContainerSpec): Promise<{ out: string; warnings: string[] }> {
  const id = `berth-ocitest-${name}-${process.pid}`;
  const bundle = path.join(work, `bundle-${name}`);
  const state = path.join(work, `state-${name}`);
  await mkdir(bundle, { recursive: true });
  const input: OciSpecInput = {
    id,
    spec,
    rootfs,
    user: await resolveUser(rootfs, spec.user),
    hostsPath: path.join(work, 'hosts'),
    hostnamePath: path.join(work, 'hostname'),
    resolvConfPath: path.join(work, 'resolv.conf'),
    cgroupsPath: `/${CGROUP_PARENT}/${id}`,
    hostRlimits: parseProcLimits(readFileSync('/proc/self/limits', 'utf8')),
    defaultPidsLimit: 4096,
    shmSize: 64 * 1024 * 1024,
    hostCapabilities: hostCaps(),
    cpuCount: 2,
  };
  const { spec: oci, warnings } = buildOciSpec(input);
  await writeFile(path.join(bundle, 'config.json'), serializeOciSpec(oci));
  try {
    const { stdout } = await run(RUNC, ['--root', state, 'run', '--bundle', bundle, id], { timeout: 30_000 });
    return { out: stdout, warnings };
  } finally {
    await run(RUNC, ['--root', state, 'delete', '--force', id]).catch(() => undefined);
  }
}

/** Prints the errno (0 = success) of syscalls the profile must filter. */
const SYSCALL_PROBE_C = `
#include <errno.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/syscall.h>
static void t(const char *n, long r) { printf("%s=%d\\n", n, r < 0 ? errno : 0); }
int main(void) {
  long args[11] = {0};
  errno = 0; t("alg", syscall(SYS_socket, 38, 5, 0));
  errno = 0; t("vsock", syscall(SYS_socket, 40, 1, 0));
  errno = 0; t("unix", syscall(SYS_socket, 1, 1, 0));
  errno = 0; t("clone3", syscall(435, args, 0)); /* size 0: EINVAL when reached */
  errno = 0; t("keyctl", syscall(SYS_keyctl, 0, 0, 0));
  errno = 0; t("io_uring", syscall(425, 1, 0));
  errno = 0; t("newns", syscall(SYS_clone, 0x00020000 | 0x00000200 | 17, 0, 0, 0, 0)); /* NEWNS|FS: EINVAL when reached */
  return 0;
}
`;
const GCC = '/usr/bin/gcc';

/** Builds the probe statically into the rootfs; false when gcc cannot. */
async function buildSyscallProbe(): Promise<boolean> {
  if (!existsSync(GCC)) return false;
  const src = path.join(work, 'probe.c');
  await writeFile(src, SYSCALL_PROBE_C);
  return run(GCC, ['-static', '-O1', '-o', path.join(rootfs, 'bin/probe'), src]).then(
    () => true,
    () => false,
  );
}

const field = (out: string, key: string) => new RegExp(`^${key}=(.*)$`, 'm').exec(out)?.[1];

const PROBE = [
  'echo capeff=$(grep CapEff /proc/self/status)',
  'echo capbnd=$(grep CapBnd /proc/self/status)',
  'echo seccomp=$(grep "^Seccomp:" /proc/self/status)',
  // Masked files are /dev/null bound over them (a character device, size 0).
  'echo interrupts=$(stat -c %F /proc/interrupts)',
  'if [ -e /proc/kcore ]; then echo kcore=$(stat -c %F /proc/kcore); else echo kcore=absent; fi',
  'echo firmware=$(ls /sys/firmware | wc -l)',
  // Writes the current value back: harmless even where it succeeds.
  'v=$(cat /proc/sys/kernel/printk_ratelimit)',
  'if (echo $v > /proc/sys/kernel/printk_ratelimit) 2>/dev/null; then echo procsys=rw; else echo procsys=ro; fi',
  'if grep -q " /sys sysfs ro," /proc/self/mounts; then echo sys=ro; else echo sys=rw; fi',
  'if unshare -m true 2>/dev/null; then echo unshare=ok; else echo unshare=refused; fi',
  'echo hostname=$(hostname)',
  'echo uid=$(id -u) gid=$(id -g)',
  'echo groups=$(id -G)',
  'echo nofile=$(ulimit -n)',
  'echo mem=$(cat /sys/fs/cgroup/memory/memory.limit_in_bytes)',
  'echo pids=$(cat /sys/fs/cgroup/pids/pids.max)',
  'echo home=$HOME',
].join('; ');

test('an unprivileged container gets Docker defaults', { skip }, async () => {
  const spec = containerSpec({
    cmd: ['sh', '-c', PROBE],
    user: 'app',
    hostname: 'box1',
    resources: { ...containerSpec({}).resources, memory: 64 * 1024 * 1024, pidsLimit: 77, ulimits: [{ name: 'nofile', soft: 50000, hard: 50000 }] },
  });
  const { out, warnings } = await runInContainer('default', spec);
  const hostHard = parseProcLimits(readFileSync('/proc/self/limits', 'utf8')).RLIMIT_NOFILE.hard;
  // A non-root user holds no effective capabilities; the bounding set is Docker's.
  assert.equal(field(out, 'capbnd'), 'CapBnd: 00000000a80425fb', out);
  assert.equal(field(out, 'capeff'), 'CapEff: 0000000000000000');
  assert.equal(field(out, 'seccomp'), 'Seccomp: 2');
  assert.equal(field(out, 'interrupts'), MASKED);
  assert.ok([MASKED, 'absent'].includes(field(out, 'kcore') ?? ''));
  assert.equal(field(out, 'firmware'), '0');
  assert.equal(field(out, 'procsys'), 'ro');
  assert.equal(field(out, 'sys'), 'ro');
  assert.equal(field(out, 'unshare'), 'refused');
  assert.equal(field(out, 'hostname'), 'box1');
  assert.equal(field(out, 'uid'), '1000 gid=1000');
  assert.equal(field(out, 'groups'), '1000 50');
  assert.equal(field(out, 'nofile'), String(Math.min(50000, hostHard)));
  assert.equal(warnings.length, hostHard < 50000 ? 1 : 0);
  assert.equal(field(out, 'mem'), String(64 * 1024 * 1024));
  assert.equal(field(out, 'pids'), '77');
  assert.equal(field(out, 'home'), '/home/app');
});

test('the default nofile is 1024 and the default pids limit applies', { skip }, async () => {
  const { out } = await runInContainer('plain', containerSpec({ cmd: ['sh', '-c', PROBE] }));
  assert.equal(field(out, 'capeff'), 'CapEff: 00000000a80425fb', out);
  assert.equal(field(out, 'seccomp'), 'Seccomp: 2');
  assert.equal(field(out, 'nofile'), '1024');
  assert.equal(field(out, 'pids'), '4096');
  assert.equal(field(out, 'uid'), '0 gid=0');
  assert.equal(field(out, 'hostname'), 'berth-test');
});

test('cap-add ALL loads the profile with every capability group', { skip }, async () => {
  const { out } = await runInContainer('all', containerSpec({ cmd: ['sh', '-c', PROBE], capAdd: ['ALL'] }));
  assert.equal(field(out, 'seccomp'), 'Seccomp: 2', out);
  assert.equal(field(out, 'unshare'), 'ok');
});

test('privileged: no seccomp, /proc/kcore and /sys not hidden', { skip }, async () => {
  const { out } = await runInContainer('priv', containerSpec({ cmd: ['sh', '-c', PROBE], privileged: true }));
  assert.equal(field(out, 'seccomp'), 'Seccomp: 0', out);
  assert.notEqual(field(out, 'interrupts'), MASKED);
  assert.notEqual(field(out, 'firmware'), '0');
  assert.equal(field(out, 'procsys'), 'rw');
  assert.equal(field(out, 'sys'), 'rw');
  assert.equal(field(out, 'unshare'), 'ok');
});

test('the seccomp profile filters by argument and never allows keyrings or io_uring', { skip }, async (t) => {
  if (!(await buildSyscallProbe())) return t.skip('no static C toolchain');
  const { out } = await runInContainer('probe', containerSpec({ cmd: ['/bin/probe'] }));
  const EPERM = '1';
  assert.equal(field(out, 'alg'), EPERM, out);
  assert.equal(field(out, 'vsock'), EPERM);
  assert.equal(field(out, 'unix'), '0');
  assert.equal(field(out, 'clone3'), '38');
  assert.equal(field(out, 'keyctl'), EPERM);
  assert.equal(field(out, 'io_uring'), EPERM);
  assert.equal(field(out, 'newns'), EPERM);
  const all = (await runInContainer('probe-all', containerSpec({ cmd: ['/bin/probe'], capAdd: ['ALL'] }))).out;
  assert.equal(field(all, 'clone3'), '22', all);
  assert.equal(field(all, 'newns'), '22');
  assert.equal(field(all, 'keyctl'), EPERM);
  assert.equal(field(all, 'io_uring'), EPERM);
});

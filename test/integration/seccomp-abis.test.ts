/**
 * berth's default seccomp profile covers every ABI the host's kernel runs:
 * a 32-bit (i386) program works in a container and its calls meet the same
 * filter as a 64-bit one's (keyctl refused with EPERM). x32 is in the
 * profile only when the kernel has it (seccomp-arches.ts): on a kernel
 * without, an x32 call from a 64-bit program is killed with SIGSYS (exit
 * 159), the one deliberate difference from Docker's ENOSYS there.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { hostSeccompArchitectures } from '../../src/engine/runtime/seccomp-arches.js';
import { dockerExpect, skipUnlessRoot } from './helpers/docker-cli.js';
import { i386SyscallProbe, SYSCALL_I386, x32SyscallProbe } from './helpers/syscall-probe.js';
import { useDaemon } from './helpers/suite.js';

const skip = skipUnlessRoot() || (process.arch === 'x64' ? false : 'the probes are x86 code');
/** x86-64's getpid, which x32 shares. */
const GETPID = 39;
const EPERM = 1;
const KILLED_BY_SIGSYS = 128 + 31;

describe('seccomp across ABIs', { skip, timeout: 120_000 }, () => {
  const d = useDaemon({ skip });
  let probes = '';

  before(() => {
    probes = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-abi-'));
    fs.writeFileSync(path.join(probes, 'i386-getpid'), i386SyscallProbe(SYSCALL_I386.getpid), { mode: 0o755 });
    fs.writeFileSync(path.join(probes, 'i386-keyctl'), i386SyscallProbe(SYSCALL_I386.keyctl), { mode: 0o755 });
    fs.writeFileSync(path.join(probes, 'x32-getpid'), x32SyscallProbe(GETPID), { mode: 0o755 });
  });
  after(() => {
    if (probes) fs.rmSync(probes, { recursive: true, force: true });
  });

  /** The exit code of /probe/<name> in a container with the default profile (or the given flags). */
  async function probe(name: string, ...flags: string[]): Promise<number> {
    const r = await d.docker(['run', '--rm', '--network', 'none', '-v', `${probes}:/probe:ro`, ...flags, 'busybox', `/probe/${name}`]);
    return r.code;
  }

  test('an i386 program runs, and its calls meet the same filter', async () => {
    assert.equal(await probe('i386-getpid'), 0);
    assert.equal(await probe('i386-keyctl'), EPERM, 'keyctl is refused to 32-bit calls too');
    assert.notEqual(await probe('i386-keyctl', '--security-opt', 'seccomp=unconfined'), EPERM, 'without seccomp keyctl reaches the kernel');
  });

  test("x32 is filtered where the kernel has it; where it has not, an x32 call is killed (Docker's profile: ENOSYS)", async () => {
    const withX32 = hostSeccompArchitectures().includes('SCMP_ARCH_X32');
    const unconfined = await probe('x32-getpid', '--security-opt', 'seccomp=unconfined');
    const confined = await probe('x32-getpid');
    if (withX32) assert.equal(confined, unconfined, 'the filter lets x32 getpid through as the kernel answers it');
    else {
      assert.equal(unconfined, 38, 'a kernel without x32 answers ENOSYS');
      assert.equal(confined, KILLED_BY_SIGSYS);
    }
    const id = (await dockerExpect(d, ['run', '-d', '--network', 'none', 'busybox', 'sleep', '100'])).stdout.trim();
    const config = JSON.parse(fs.readFileSync(path.join(d.execRoot, 'containers', id, 'config.json'), 'utf8'));
    assert.deepEqual(
      config.linux.seccomp.architectures,
      withX32 ? ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'] : ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86'],
    );
    await dockerExpect(d, ['rm', '-f', id]);
  });
});

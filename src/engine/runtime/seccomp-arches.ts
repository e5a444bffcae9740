/**
 * The architectures of berth's default seccomp profile: the host's own and
 * the compat ABIs its kernel can run, as Docker's archMap lists them
 * (x86_64 → x86, x32; aarch64 → arm), so that the same calls are filtered
 * whichever ABI a program uses.
 *
 * One deliberate difference: x32 is left out on an x86_64 kernel built
 * without it (`# CONFIG_X86_X32_ABI is not set`, as in many distributions'
 * and cloud kernels; Debian's kernels build it in, disabled at boot unless
 * `syscall.x32=y`: berth keeps x32 there). No x32 program can run there, and every
 * architecture in the list costs runc about a third of its filter
 * compilation, at each container start and each exec (about 7 ms of CPU
 * here, measured). The only change a program can see: an x32-numbered
 * system call from a 64-bit program is killed with SIGSYS (libseccomp's
 * answer to an architecture the filter lacks) where the kernel would say
 * ENOSYS. When the kernel's configuration cannot be read, x32 stays in.
 */
import os from 'node:os';
import { gunzipSync } from 'node:zlib';
import { readBytesSync, readTextSync } from '../host/read-sync.js';

/**
 * The seccomp architectures for a host of `nodeArch` (process.arch) whose
 * kernel runs x32 programs or not; empty (the native architecture alone,
 * which runc always includes) for other architectures.
 */
export function seccompArchitectures(nodeArch: string, kernelRunsX32: boolean): string[] {
  if (nodeArch === 'x64') return ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', ...(kernelRunsX32 ? ['SCMP_ARCH_X32'] : [])];
  if (nodeArch === 'arm64') return ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM'];
  return [];
}

/**
 * Whether a kernel with this configuration (the text of /proc/config.gz or
 * /boot/config-*) has x32 support built in: CONFIG_X86_X32_ABI (5.18 on),
 * CONFIG_X86_X32 before. Unknown (no configuration) counts as yes.
 */
export function kernelConfigHasX32(config: string | undefined): boolean {
  if (config === undefined) return true;
  return /^CONFIG_X86_X32(?:_ABI)?=y$/m.test(config);
}

let hostRunsX32: boolean | undefined;

/** The architectures for this host, its kernel configuration read at the first call only. */
export function hostSeccompArchitectures(): string[] {
  if (process.arch === 'x64') hostRunsX32 ??= kernelConfigHasX32(readKernelConfig());
  return seccompArchitectures(process.arch, hostRunsX32 ?? true);
}

/** The running kernel's build configuration, if the host exposes it. */
function readKernelConfig(): string | undefined {
  const packed = readBytesSync('/proc/config.gz');
  if (packed) {
    try {
      return gunzipSync(packed).toString('latin1');
    } catch {
      // a damaged file: try the one in /boot
    }
  }
  return readTextSync(`/boot/config-${os.release()}`);
}

/**
 * Facts about the host read once at startup: kernel, OS name, cgroup
 * version, memory, the daemon's own rlimits and capabilities.
 */
import fs from 'node:fs';
import os from 'node:os';
import { capabilitiesFromMask } from '../runtime/capabilities.js';
import { parseProcLimits, type HostRlimits } from '../runtime/oci-rlimits.js';
import { readTextSync } from '../host/read-sync.js';

export interface HostFacts {
  kernelVersion: string;
  operatingSystem: string;
  cgroupVersion: '1' | '2';
  memTotal: number;
  ncpu: number;
  architecture: string;
  bootId: string;
  rlimits: HostRlimits;
  capabilities: string[];
}

export function readHostFacts(): HostFacts {
  return {
    kernelVersion: os.release(),
    operatingSystem: osPrettyName(),
    cgroupVersion: fs.existsSync('/sys/fs/cgroup/cgroup.controllers') ? '2' : '1',
    memTotal: os.totalmem(),
    ncpu: os.availableParallelism(),
    architecture: goArch(process.arch),
    bootId: readTrimmed('/proc/sys/kernel/random/boot_id'),
    rlimits: parseProcLimits(readTrimmed('/proc/self/limits')),
    capabilities: capabilitiesFromMask(/^CapBnd:\s*([0-9a-f]+)$/m.exec(readTrimmed('/proc/self/status'))?.[1] ?? '0'),
  };
}

/** Docker reports Go's architecture names. */
export function goArch(nodeArch: string): string {
  return ({ x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x' } as Record<string, string>)[nodeArch] ?? nodeArch;
}

function osPrettyName(): string {
  const text = readTrimmed('/etc/os-release');
  return /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(text)?.[1] ?? 'Linux';
}

function readTrimmed(file: string): string {
  return readTextSync(file)?.trim() ?? '';
}

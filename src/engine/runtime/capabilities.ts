/**
 * Linux capabilities: Docker's default set and its add/drop rules.
 * Names are always returned in the `CAP_` form runc expects.
 */
import { invalid } from '../errors.js';

/** Every capability up to CAP_CHECKPOINT_RESTORE (40), indexed by number. */
export const ALL_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_DAC_READ_SEARCH',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETPCAP',
  'CAP_LINUX_IMMUTABLE',
  'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST',
  'CAP_NET_ADMIN',
  'CAP_NET_RAW',
  'CAP_IPC_LOCK',
  'CAP_IPC_OWNER',
  'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO',
  'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN',
  'CAP_SYS_BOOT',
  'CAP_SYS_NICE',
  'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG',
  'CAP_MKNOD',
  'CAP_LEASE',
  'CAP_AUDIT_WRITE',
  'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE',
  'CAP_MAC_ADMIN',
  'CAP_SYSLOG',
  'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ',
  'CAP_PERFMON',
  'CAP_BPF',
  'CAP_CHECKPOINT_RESTORE',
];

/** Docker's 14 defaults; CapBnd mask 00000000a80425fb. Order as in moby. */
export const DEFAULT_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

const ALL = 'ALL';

/**
 * Upper-cases and prefixes `CAP_`; keeps "ALL". Throws invalid-parameter
 * with dockerd's text for unknown names, naming the field the list came
 * from (`invalid CapAdd: unknown capability: "CAP_FOO"`).
 */
export function normalizeCapabilities(names: string[], field: 'CapAdd' | 'CapDrop'): string[] {
  const out: string[] = [];
  for (const raw of names) {
    let name = raw.trim().toUpperCase();
    if (name !== ALL && !name.startsWith('CAP_')) name = `CAP_${name}`;
    if (name !== ALL && !ALL_CAPABILITIES.includes(name)) {
      throw invalid('BERTH_CAPABILITY_UNKNOWN', `invalid ${field}: unknown capability: ${JSON.stringify(name)}`);
    }
    if (!out.includes(name)) out.push(name);
  }
  return out;
}

/**
 * Docker's TweakCapabilities: privileged → every capability (add/drop
 * ignored); "ALL" in capAdd → every capability minus capDrop; "ALL" in
 * capDrop → exactly capAdd; otherwise defaults minus capDrop plus capAdd
 * (so a name in both lists ends up present). No duplicates in the result.
 */
export function resolveCapabilities(capAdd: string[], capDrop: string[], privileged: boolean): string[] {
  if (privileged) return [...ALL_CAPABILITIES];
  const adds = normalizeCapabilities(capAdd, 'CapAdd');
  const drops = normalizeCapabilities(capDrop, 'CapDrop');
  if (adds.includes(ALL)) return ALL_CAPABILITIES.filter((c) => !drops.includes(c));
  if (drops.includes(ALL)) return adds;
  const kept = DEFAULT_CAPABILITIES.filter((c) => !drops.includes(c));
  return [...kept, ...adds.filter((c) => !kept.includes(c))];
}

/** The names set in a hex mask as shown in /proc/<pid>/status (CapBnd etc.). */
export function capabilitiesFromMask(hex: string): string[] {
  const mask = BigInt(`0x${hex.trim() || '0'}`);
  return ALL_CAPABILITIES.filter((_, bit) => ((mask >> BigInt(bit)) & 1n) === 1n);
}

/** The /proc/<pid>/status hex form (16 digits) of a set of names. */
export function capabilityMask(names: string[]): string {
  let mask = 0n;
  for (const name of names) {
    const bit = ALL_CAPABILITIES.indexOf(name);
    if (bit >= 0) mask |= 1n << BigInt(bit);
  }
  return mask.toString(16).padStart(16, '0');
}

/**
 * Pure rules for what HostConfig asks of the kernel beyond the defaults:
 * device cgroup rules ("c 10:* rwm"), device nodes from a host stat, and
 * which sysctls a container may set (only those of a namespace it owns,
 * with runc's wording for the others).
 */
import { invalid } from '../errors.js';
import type { OciDevice, OciDeviceRule } from './oci-types.js';

const RULE_RE = /^([acb]) ([0-9]+|\*):([0-9]+|\*) ([rwm]{1,3})$/;

/** One DeviceCgroupRules entry → an allow rule. Throws dockerd's text for a malformed one. */
export function parseDeviceCgroupRule(rule: string): OciDeviceRule {
  const m = RULE_RE.exec(rule);
  if (!m) throw invalid('BERTH_DEVICE_RULE_INVALID', `invalid device cgroup rule format: '${rule}'`);
  const num = (s: string) => (s === '*' ? undefined : Number(s));
  const out: OciDeviceRule = { allow: true, type: m[1] as OciDeviceRule['type'], access: m[4] };
  const major = num(m[2]);
  const minor = num(m[3]);
  if (major !== undefined) out.major = major;
  if (minor !== undefined) out.minor = minor;
  return out;
}

/** What a stat of a device node says (node:fs Stats carries all of it). */
export interface DeviceStat {
  mode: number;
  rdev: number;
  uid: number;
  gid: number;
}

const S_IFMT = 0o170000;
const TYPES: Record<number, OciDevice['type']> = { 0o020000: 'c', 0o060000: 'b', 0o010000: 'p' };

/** glibc's major()/minor() of a dev_t. */
export function majorMinor(rdev: number): { major: number; minor: number } {
  const big = BigInt(rdev);
  const major = Number(((big >> 8n) & 0xfffn) | ((big >> 32n) & ~0xfffn));
  const minor = Number((big & 0xffn) | ((big >> 12n) & ~0xffn));
  return { major, minor };
}

/**
 * A --device mapping → the node runc makes and the cgroup rule that lets
 * the container use it. Throws dockerd's text when the host path is not a
 * device node.
 */
export function deviceFromStat(pathOnHost: string, pathInContainer: string, permissions: string, st: DeviceStat): { node: OciDevice; rule: OciDeviceRule } {
  const type = TYPES[st.mode & S_IFMT];
  if (!type) throw invalid('BERTH_DEVICE_NOT_A_DEVICE', `error gathering device information while adding custom device "${pathOnHost}": not a device node`);
  const { major, minor } = majorMinor(st.rdev);
  return {
    node: { path: pathInContainer, type, major, minor, fileMode: st.mode & 0o777, uid: st.uid, gid: st.gid },
    rule: { allow: true, type: type === 'p' ? 'c' : type, major, minor, access: permissions },
  };
}

/** Sysctls of the IPC namespace (System V IPC and POSIX message queues). */
const IPC_SYSCTLS = new Set([
  'kernel.msgmax',
  'kernel.msgmnb',
  'kernel.msgmni',
  'kernel.sem',
  'kernel.shmall',
  'kernel.shmmax',
  'kernel.shmmni',
  'kernel.shm_rmid_forced',
]);

/** Which namespaces the container has of its own (not the host's, not another container's). */
export interface OwnNamespaces {
  net: boolean;
  ipc: boolean;
  uts: boolean;
}

/**
 * Checks one sysctl against the namespaces the container owns, as runc
 * does at create (same wording), so that the refusal comes at create time.
 */
export function checkSysctl(key: string, own: OwnNamespaces): void {
  const fail = (why: string) => invalid('BERTH_SYSCTL_NOT_ALLOWED', `HostConfig.Sysctls: sysctl "${key}" ${why}`);
  if (IPC_SYSCTLS.has(key) || key.startsWith('fs.mqueue.')) {
    if (!own.ipc) throw fail('is not allowed in the hosts ipc namespace');
    return;
  }
  if (key.startsWith('net.')) {
    if (!own.net) throw fail('not allowed in host network namespace');
    return;
  }
  if (key === 'kernel.hostname') throw fail('is not allowed as it conflicts with the OCI "hostname" field');
  if (key === 'kernel.domainname') {
    if (!own.uts) throw fail('is not in a separate kernel namespace');
    return;
  }
  throw fail('is not in a separate kernel namespace');
}

/**
 * buildOciSpec: a container's record → the runc config.json, with Docker's
 * defaults (reliability-security.md §3.1). Pure: every host fact it needs
 * (rlimits, capabilities, CPU count) comes in through the input.
 */
import { randomBytes } from 'node:crypto';
import { notImplemented } from '../errors.js';
import type { ContainerSpec, Resources } from '../model/container.js';
import { MASKED_PATHS, READONLY_PATHS } from '../model/spec-defaults.js';
import type { ResolvedUser } from '../container-root/user.js';
import { resolveCapabilities } from './capabilities.js';
import { buildMounts } from './oci-mounts.js';
import { buildRlimits, type HostRlimits } from './oci-rlimits.js';
import type { OciDevice, OciDeviceRule, OciLinux, OciNamespace, OciNamespaceType, OciProcess, OciResources, OciSeccomp, OciSpec } from './oci-types.js';
import { buildSeccompProfile } from './seccomp-profile.js';

export interface OciSpecInput {
  id: string;
  spec: ContainerSpec;
  /** Absolute path of the mounted root. */
  rootfs: string;
  user: ResolvedUser;
  /** Host files bind-mounted to /etc/hosts, /etc/hostname, /etc/resolv.conf. */
  hostsPath: string;
  hostnamePath: string;
  resolvConfPath: string;
  /** A network namespace to join (berth's persistent one, or another container's); absent = runc makes one. */
  netnsPath?: string;
  /** For runc's cgroupfs driver, e.g. "/berth/<id>". */
  cgroupsPath: string;
  /** The daemon's own limits (RLIMIT_* → {soft, hard}; Infinity or -1 = unlimited); spec values are clamped to them. */
  hostRlimits: HostRlimits;
  /** Used when spec.resources.pidsLimit is 0/null; ≤ 0 here means no limit. -1 in the spec = unlimited. */
  defaultPidsLimit: number;
  /** /dev/shm size in bytes (Docker default 64 MiB). */
  shmSize: number;
  /**
   * Optional: capabilities the daemon itself holds (its CapBnd, see
   * capabilitiesFromMask). runc fails if asked for one outside it; such
   * capabilities are left out (with a warning unless privileged).
   */
  hostCapabilities?: string[];
  /** Optional: possible CPUs, for the per-CPU thermal_throttle masks. */
  cpuCount?: number;
  /** Optional: what the record's host settings resolved to at start (containers/host-options.ts). */
  host?: HostAccess;
}

/** Namespaces, devices, groups and init as resolved at start from the host and the mounted root. */
export interface HostAccess {
  /** Namespace files to join (another container's), by kind. */
  namespacePaths: Partial<Record<'pid' | 'ipc' | 'uts', string>>;
  /** Bind source for /dev/shm (host IPC, or the IPC donor's); absent = a tmpfs of its own. */
  shmSource?: string;
  devices: OciDevice[];
  /** Allow rules for `devices` and the DeviceCgroupRules. */
  deviceRules: OciDeviceRule[];
  /** GroupAdd resolved to gids. */
  extraGids: number[];
  /** Host path of the init binary (HostConfig.Init). */
  initPath?: string;
}

/** The path of the init binary inside the container, as dockerd's docker-init. */
export const INIT_PATH = '/sbin/docker-init';

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Docker's device cgroup rules for unprivileged containers (runc appends its own allows). */
export const DEFAULT_DEVICE_RULES: readonly OciDeviceRule[] = [
  { allow: false, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 5, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 9, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 8, access: 'rwm' },
  { allow: true, type: 'c', major: 5, minor: 0, access: 'rwm' },
  { allow: true, type: 'c', major: 5, minor: 1, access: 'rwm' },
  { allow: false, type: 'c', major: 10, minor: 229, access: 'rwm' },
];

/** Sysctls Docker sets in a private network namespace. */
export const PRIVATE_NETNS_SYSCTLS: Readonly<Record<string, string>> = {
  'net.ipv4.ping_group_range': '0 2147483647',
  'net.ipv4.ip_unprivileged_port_start': '0',
};

const envKey = (e: string) => (e.includes('=') ? e.slice(0, e.indexOf('=')) : e);

/**
 * Docker's order: PATH, HOSTNAME, TERM (tty only); the container's Env then
 * replaces same-named entries in place or is appended (a bare "NAME"
 * removes NAME); HOME from the user is appended when still absent.
 */
export function buildEnv(spec: ContainerSpec, home: string): string[] {
  const env = [`PATH=${DEFAULT_PATH}`, `HOSTNAME=${spec.hostname}`, ...(spec.tty ? ['TERM=xterm'] : [])];
  for (const entry of spec.env) {
    const at = env.findIndex((e) => envKey(e) === envKey(entry));
    if (!entry.includes('=')) {
      if (at >= 0) env.splice(at, 1);
    } else if (at >= 0) {
      env[at] = entry;
    } else {
      env.push(entry);
    }
  }
  if (!env.some((e) => envKey(e) === 'HOME')) env.push(`HOME=${home || '/'}`);
  return env;
}

/** Reads `no-new-privileges` and `seccomp=` from SecurityOpt (":" or "=" separated, as Docker accepts). */
function securityOpts(spec: ContainerSpec): { noNewPrivileges: boolean; seccompUnconfined: boolean } {
  let noNewPrivileges = spec.noNewPrivileges;
  let seccompUnconfined = false;
  for (const opt of spec.securityOpt) {
    const [key, value = 'true'] = opt.split(/[=:](.*)/s);
    if (key === 'no-new-privileges') noNewPrivileges = value === 'true';
    if (key === 'seccomp') {
      if (value === 'unconfined') seccompUnconfined = true;
      else throw notImplemented('BERTH_SECCOMP_CUSTOM', 'custom seccomp profiles are not supported');
    }
  }
  return { noNewPrivileges, seccompUnconfined };
}

function resolveCaps(input: OciSpecInput, warnings: string[]): string[] {
  const { spec } = input;
  const caps = resolveCapabilities(spec.capAdd, spec.capDrop, spec.privileged);
  if (!input.hostCapabilities) return caps;
  const host = new Set(input.hostCapabilities);
  const missing = caps.filter((c) => !host.has(c));
  if (missing.length > 0 && !spec.privileged) {
    warnings.push(`capabilities not held by the daemon were left out: ${missing.join(', ')}`);
  }
  return caps.filter((c) => host.has(c));
}

function buildProcess(input: OciSpecInput, caps: string[], nnp: boolean, warnings: string[]): OciProcess {
  const { spec, user } = input;
  const process: OciProcess = {
    terminal: spec.tty,
    user: { uid: user.uid, gid: user.gid, additionalGids: [...new Set([...user.additionalGids, ...(input.host?.extraGids ?? [])])] },
    args: [...(input.host?.initPath ? [INIT_PATH, '--'] : []), ...spec.entrypoint, ...spec.cmd],
    env: buildEnv(spec, user.home),
    cwd: spec.workingDir || '/',
    capabilities: { bounding: [...caps], effective: [...caps], permitted: [...caps], inheritable: [], ambient: [] },
    rlimits: buildRlimits(spec.resources.ulimits, input.hostRlimits, warnings),
    noNewPrivileges: nnp,
    oomScoreAdj: spec.oomScoreAdj ?? 0,
  };
  if (spec.tty && spec.consoleSize) {
    process.consoleSize = { height: spec.consoleSize[0], width: spec.consoleSize[1] };
  }
  return process;
}

/**
 * Memory (swap 0 with a limit → 2× the limit, -1 → unlimited), CPU
 * (NanoCpus → period 100000 and the matching quota, else CpuQuota/Period),
 * pids (0/null → the daemon default; -1 → unlimited).
 */
export function buildResources(r: Resources, privileged: boolean, defaultPidsLimit: number): OciResources {
  const out: OciResources = {
    devices: privileged ? [{ allow: true, access: 'rwm' }] : DEFAULT_DEVICE_RULES.map((d) => ({ ...d })),
  };
  const memory: NonNullable<OciResources['memory']> = {};
  if (r.memory > 0) Object.assign(memory, { limit: r.memory, swap: r.memorySwap === 0 ? 2 * r.memory : r.memorySwap });
  if (r.memoryReservation) memory.reservation = r.memoryReservation;
  if (r.memorySwappiness !== undefined && r.memorySwappiness !== null && r.memorySwappiness >= 0) memory.swappiness = r.memorySwappiness;
  if (r.oomKillDisable) memory.disableOOMKiller = true;
  if (Object.keys(memory).length > 0) out.memory = memory;
  const cpu: NonNullable<OciResources['cpu']> = {};
  if (r.cpuShares > 0) cpu.shares = r.cpuShares;
  if (r.nanoCpus > 0) {
    cpu.period = 100000;
    cpu.quota = Math.floor((r.nanoCpus * 100000) / 1e9);
  } else {
    if (r.cpuQuota !== 0) cpu.quota = r.cpuQuota;
    if (r.cpuPeriod > 0) cpu.period = r.cpuPeriod;
  }
  if (r.cpusetCpus) cpu.cpus = r.cpusetCpus;
  if (r.cpusetMems) cpu.mems = r.cpusetMems;
  if (Object.keys(cpu).length > 0) out.cpu = cpu;
  if (r.blkioWeight) out.blockIO = { weight: r.blkioWeight };
  const pids = r.pidsLimit === null || r.pidsLimit === 0 ? defaultPidsLimit : r.pidsLimit;
  if (pids > 0 || pids === -1) out.pids = { limit: pids };
  return out;
}

/**
 * A namespace entry: none for the host's, the donor's file for
 * `container:<id>`, else a fresh one.
 */
function namespace(type: OciNamespaceType, mode: string, joinPath: string | undefined): OciNamespace[] {
  if (mode === 'host') return [];
  return [joinPath ? { type, path: joinPath } : { type }];
}

function buildLinux(input: OciSpecInput, caps: string[], seccomp: boolean): OciLinux {
  const { spec } = input;
  const privateNet = spec.networkMode !== 'host';
  const paths = input.host?.namespacePaths ?? {};
  const namespaces: OciNamespace[] = [
    ...namespace('pid', spec.pidMode ?? '', paths.pid),
    ...(privateNet ? [input.netnsPath ? { type: 'network' as const, path: input.netnsPath } : { type: 'network' as const }] : []),
    ...namespace('ipc', spec.ipcMode ?? '', paths.ipc),
    ...namespace('uts', spec.utsMode ?? '', paths.uts),
    { type: 'mount' },
    ...(spec.cgroupnsMode === 'private' ? [{ type: 'cgroup' as const }] : []),
  ];
  const thermal = Array.from({ length: input.cpuCount ?? 0 }, (_, i) => `/sys/devices/system/cpu/cpu${i}/thermal_throttle`);
  const linux: OciLinux = {
    namespaces,
    cgroupsPath: input.cgroupsPath,
    resources: buildResources(spec.resources, spec.privileged, input.defaultPidsLimit),
    maskedPaths: spec.privileged ? [] : (spec.maskedPaths ?? [...MASKED_PATHS, ...thermal]),
    readonlyPaths: spec.privileged ? [] : (spec.readonlyPaths ?? [...READONLY_PATHS]),
  };
  if (!spec.privileged) linux.resources.devices.push(...(input.host?.deviceRules ?? []));
  if (input.host?.devices.length) linux.devices = input.host.devices.map((d) => ({ ...d }));
  const sysctl = { ...(privateNet ? PRIVATE_NETNS_SYSCTLS : {}), ...spec.sysctls };
  if (Object.keys(sysctl).length > 0) linux.sysctl = sysctl;
  if (seccomp) linux.seccomp = buildSeccompProfile(caps);
  return linux;
}

/**
 * The runc config for a container. `warnings` lists what was changed to
 * fit the host (clamped rlimits, capabilities the daemon lacks).
 * Assumes entrypoint+cmd is non-empty (checked at create). Throws
 * invalid-parameter for unknown capabilities or ulimit names.
 */
export function buildOciSpec(input: OciSpecInput): { spec: OciSpec; warnings: string[] } {
  const { spec } = input;
  const warnings: string[] = [];
  const sec = securityOpts(spec);
  const caps = resolveCaps(input, warnings);
  const oci: OciSpec = {
    ociVersion: '1.0.2',
    process: buildProcess(input, caps, sec.noNewPrivileges, warnings),
    root: { path: input.rootfs, readonly: spec.readonlyRootfs },
    // runc refuses a hostname without a UTS namespace of the container's own.
    hostname: spec.utsMode ? '' : spec.hostname,
    mounts: buildMounts({
      mounts: spec.mounts,
      privileged: spec.privileged,
      readonlyRootfs: spec.readonlyRootfs,
      shmSize: spec.shmSize || input.shmSize,
      shmSource: spec.ipcMode === 'none' ? null : input.host?.shmSource,
      initPath: input.host?.initPath,
      hostsPath: input.hostsPath,
      hostnamePath: input.hostnamePath,
      resolvConfPath: input.resolvConfPath,
    }),
    linux: buildLinux(input, caps, !spec.privileged && !sec.seccompUnconfined),
  };
  if (spec.domainname && !spec.utsMode) oci.domainname = spec.domainname;
  return { spec: oci, warnings };
}

/**
 * The placeholders spliced out of config.json's text carry a random part
 * drawn per process: a user's own string (an argument, a hostname, a label)
 * can never equal one and be replaced.
 */
const MARK_NONCE = randomBytes(8).toString('hex');
const INFINITY_MARK = `__berth_rlim_infinity_${MARK_NONCE}__`;

/**
 * JSON for config.json. RLIM_INFINITY (Infinity in OciRlimit, the only
 * place a spec holds Infinity) is written as 18446744073709551615, which
 * JSON.stringify cannot do by itself. The rlimits are marked on a copy
 * rather than through a replacer: a replacer function takes JSON.stringify
 * off its fast path and made it three times slower (~0.15 ms a start).
 */
export function serializeOciSpec(spec: OciSpec): string {
  const rlimits = spec.process.rlimits.map((r) => ({ ...r, hard: markInfinity(r.hard), soft: markInfinity(r.soft) }));
  const { seccomp } = spec.linux;
  const linux = seccomp ? { ...spec.linux, seccomp: SECCOMP_MARK } : spec.linux;
  let json = JSON.stringify({ ...spec, process: { ...spec.process, rlimits }, linux }, null, 2);
  if (seccomp) json = json.replace(`"${SECCOMP_MARK}"`, () => seccompJson(seccomp));
  return json.replaceAll(`"${INFINITY_MARK}"`, '18446744073709551615');
}

const markInfinity = (v: number): number | string => (v === Infinity ? INFINITY_MARK : v);

const SECCOMP_MARK = `__berth_seccomp_${MARK_NONCE}__`;
/** Serialized profiles, by identity: buildSeccompProfile hands out one frozen object per set of rules. */
const seccompTexts = new WeakMap<OciSeccomp, string>();

/** A profile as JSON.stringify(…, 2) writes it at linux.seccomp (two levels deep: four more spaces a line). */
function seccompJson(seccomp: OciSeccomp): string {
  let text = seccompTexts.get(seccomp);
  if (text === undefined) {
    text = JSON.stringify(seccomp, null, 2).replaceAll('\n', '\n    ');
    seccompTexts.set(seccomp, text);
  }
  return text;
}

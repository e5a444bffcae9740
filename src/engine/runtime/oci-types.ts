/**
 * The subset of the OCI runtime-spec 1.0.2 (config.json) that berth writes.
 * Field names are the spec's JSON names, so a value of `OciSpec` is written
 * as is (through `serializeOciSpec`, because of RLIM_INFINITY).
 */

export interface OciSpec {
  ociVersion: string;
  process: OciProcess;
  root: { path: string; readonly: boolean };
  hostname: string;
  domainname?: string;
  mounts: OciMount[];
  linux: OciLinux;
  annotations?: Record<string, string>;
}

export interface OciUser {
  uid: number;
  gid: number;
  additionalGids?: number[];
}

export interface OciCapabilities {
  bounding: string[];
  effective: string[];
  inheritable: string[];
  permitted: string[];
  ambient: string[];
}

/**
 * `hard`/`soft` are numbers; `Infinity` means RLIM_INFINITY and is written
 * as 18446744073709551615 by `serializeOciSpec` (JSON.stringify would write
 * `null`, which runc reads as 0).
 */
export interface OciRlimit {
  type: string;
  hard: number;
  soft: number;
}

export interface OciProcess {
  terminal: boolean;
  consoleSize?: { height: number; width: number };
  user: OciUser;
  args: string[];
  env: string[];
  cwd: string;
  capabilities: OciCapabilities;
  rlimits: OciRlimit[];
  noNewPrivileges: boolean;
  oomScoreAdj: number;
  apparmorProfile?: string;
}

export interface OciMount {
  destination: string;
  type: string;
  source: string;
  options: string[];
}

export type OciNamespaceType = 'pid' | 'network' | 'mount' | 'ipc' | 'uts' | 'user' | 'cgroup';

export interface OciNamespace {
  type: OciNamespaceType;
  path?: string;
}

export interface OciDeviceRule {
  allow: boolean;
  type?: 'a' | 'c' | 'b';
  major?: number;
  minor?: number;
  access: string;
}

export interface OciMemory {
  limit?: number;
  /** memory+swap; -1 = unlimited. */
  swap?: number;
  reservation?: number;
  swappiness?: number;
  disableOOMKiller?: boolean;
}

/** A device node runc makes in the container's /dev. */
export interface OciDevice {
  path: string;
  type: 'c' | 'b' | 'p';
  major: number;
  minor: number;
  fileMode?: number;
  uid?: number;
  gid?: number;
}

export interface OciCpu {
  shares?: number;
  quota?: number;
  period?: number;
  cpus?: string;
  mems?: string;
}

export interface OciResources {
  devices: OciDeviceRule[];
  memory?: OciMemory;
  cpu?: OciCpu;
  /** -1 = unlimited ("max"). */
  pids?: { limit: number };
  blockIO?: { weight: number };
}

export type OciSeccompAction =
  'SCMP_ACT_KILL' | 'SCMP_ACT_KILL_PROCESS' | 'SCMP_ACT_TRAP' | 'SCMP_ACT_ERRNO' | 'SCMP_ACT_TRACE' | 'SCMP_ACT_ALLOW' | 'SCMP_ACT_LOG';

export type OciSeccompOp = 'SCMP_CMP_NE' | 'SCMP_CMP_LT' | 'SCMP_CMP_LE' | 'SCMP_CMP_EQ' | 'SCMP_CMP_GE' | 'SCMP_CMP_GT' | 'SCMP_CMP_MASKED_EQ';

/** For SCMP_CMP_MASKED_EQ: `value` is the mask, `valueTwo` the expected result. */
export interface OciSeccompArg {
  index: number;
  value: number;
  valueTwo?: number;
  op: OciSeccompOp;
}

export interface OciSyscall {
  names: string[];
  action: OciSeccompAction;
  errnoRet?: number;
  args?: OciSeccompArg[];
}

export interface OciSeccomp {
  defaultAction: OciSeccompAction;
  defaultErrnoRet?: number;
  architectures: string[];
  syscalls: OciSyscall[];
}

export interface OciLinux {
  namespaces: OciNamespace[];
  cgroupsPath: string;
  resources: OciResources;
  devices?: OciDevice[];
  sysctl?: Record<string, string>;
  maskedPaths: string[];
  readonlyPaths: string[];
  seccomp?: OciSeccomp;
}

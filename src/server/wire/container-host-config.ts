/**
 * Rebuilds Docker's HostConfig struct (as inspect echoes it back) and the
 * Mounts list from a ContainerSpec. Fields berth has no notion of are
 * present with Docker's zero values, so `docker inspect -f` templates work.
 */
import type { ContainerSpec, MountSpec } from '../../engine/api.js';
import { MASKED_PATHS, READONLY_PATHS } from '../../engine/api.js';
import { portBindingsOf } from './container-network.js';
import { goSet } from './go-map.js';

/** A Binds entry as the client wrote it (older records have no `mode`: rebuilt from the flags). */
function bindString(m: MountSpec): string {
  const source = m.type === 'volume' ? (m.name ?? '') : m.source;
  const mode =
    m.mode !== undefined
      ? m.type === 'volume' && m.mode === 'z'
        ? ''
        : m.mode
      : [m.readOnly ? 'ro' : '', m.propagation ?? ''].filter((o) => o !== '').join(',');
  return `${source}:${m.target}${mode ? `:${mode}` : ''}`;
}

function tmpfsOptions(m: MountSpec): string {
  if (m.tmpfsText !== undefined) return m.tmpfsText;
  const opts: string[] = [];
  if (m.readOnly) opts.push('ro');
  if (m.tmpfsSize) opts.push(`size=${m.tmpfsSize}`);
  if (m.tmpfsMode !== undefined) opts.push(`mode=${m.tmpfsMode.toString(8)}`);
  return [...opts, ...(m.options ?? [])].join(',');
}

function mountEntry(m: MountSpec): Record<string, unknown> {
  // Go's mount.Mount leaves out an empty Source and a false ReadOnly (omitempty).
  const source = m.type === 'volume' ? m.name : m.source;
  const base = { Type: m.type, ...(source ? { Source: source } : {}), Target: m.target, ...(m.readOnly ? { ReadOnly: true } : {}) };
  if (m.type === 'volume') {
    // As the client sent it: empty parts left out.
    const options = m.volumeOptions && Object.keys(m.volumeOptions).length ? { Options: m.volumeOptions } : {};
    const driverConfig = m.volumeDriver || options.Options ? { DriverConfig: { ...(m.volumeDriver ? { Name: m.volumeDriver } : {}), ...options } } : {};
    const labels = m.volumeLabels && Object.keys(m.volumeLabels).length ? { Labels: m.volumeLabels } : {};
    const vo = { ...(m.noCopy ? { NoCopy: true } : {}), ...labels, ...driverConfig };
    return Object.keys(vo).length ? { ...base, VolumeOptions: vo } : base;
  }
  // A propagation the daemon-root rule set is not echoed: HostConfig.Mounts is what the client sent.
  if (m.type === 'bind') return m.propagation && !m.propagationImplied ? { ...base, BindOptions: { Propagation: m.propagation } } : base;
  const t: Record<string, number> = {};
  if (m.tmpfsSize) t.SizeBytes = m.tmpfsSize;
  if (m.tmpfsMode !== undefined) t.Mode = m.tmpfsMode;
  return Object.keys(t).length ? { ...base, TmpfsOptions: t } : base;
}

/** Docker's Mode: the Binds text as given ("z" for a volume without one), "z" for a Mounts volume, else "". */
function modeOf(m: MountSpec): string {
  if (m.mode !== undefined) return m.mode;
  return m.origin === 'binds' ? [m.readOnly ? 'ro' : '', m.propagation ?? ''].filter(Boolean).join(',') : '';
}

/** The `Mounts` list of inspect and of list items: dockerd's mount points, which HostConfig.Tmpfs entries are not. */
export function toMountPoints(mounts: MountSpec[]): Array<Record<string, unknown>> {
  return mounts
    .filter((m) => m.origin !== 'tmpfs')
    .map((m) => ({
      Type: m.type,
      ...(m.type === 'volume' ? { Name: m.name ?? '' } : {}),
      Source: m.source,
      Destination: m.target,
      ...(m.type === 'volume' ? { Driver: m.volumeDriver || 'local' } : {}),
      Mode: modeOf(m),
      RW: !m.readOnly,
      Propagation: m.type === 'bind' ? (m.propagation ?? 'rprivate') : '',
    }));
}

/**
 * Config.Volumes: the paths of the request's Config.Volumes and of the image's VOLUME, sorted as Go
 * writes a map; null when none. Older records without them: the paths no bind or mount covered.
 */
export function toConfigVolumes(spec: Pick<ContainerSpec, 'mounts' | 'declaredVolumes'>): Record<string, object> | null {
  const paths = spec.declaredVolumes ?? spec.mounts.filter((m) => m.origin === 'volumes' || m.origin === 'image').map((m) => m.target);
  return goSet(paths);
}

/** Docker's HostConfig for inspect; `name` is the container's (without the slash), for Links. */
export function toHostConfig(spec: ContainerSpec, name = ''): Record<string, unknown> {
  const r = spec.resources;
  const binds = spec.mounts.filter((m) => m.origin === 'binds').map(bindString);
  const tmpfs = Object.fromEntries(spec.mounts.filter((m) => m.origin === 'tmpfs').map((m) => [m.target, tmpfsOptions(m)]));
  const mounts = spec.mounts.filter((m) => m.origin === 'mounts').map(mountEntry);
  return {
    Binds: binds.length ? binds : null,
    ContainerIDFile: spec.containerIdFile ?? '',
    // berth's logs (conmon's k8s-file underneath, rotated by berth) behave as json-file's do: readable,
    // followable, with timestamps. Clients only stream logs for json-file/journald (docker-py's run() returns None otherwise).
    LogConfig: { Type: spec.logConfig?.type ?? 'json-file', Config: { ...spec.logConfig?.config } },
    NetworkMode: spec.networkMode,
    PortBindings: portBindingsOf(spec.portBindings),
    RestartPolicy: { Name: spec.restartPolicy.name, MaximumRetryCount: spec.restartPolicy.maximumRetryCount },
    AutoRemove: spec.autoRemove,
    VolumeDriver: spec.volumeDriver ?? '',
    VolumesFrom: spec.volumesFrom?.length ? spec.volumesFrom : null,
    CapAdd: spec.capAdd.length ? spec.capAdd : null,
    CapDrop: spec.capDrop.length ? spec.capDrop : null,
    CgroupnsMode: spec.cgroupnsMode || 'host',
    Dns: spec.dns ?? [],
    DnsOptions: spec.dnsOptions ?? [],
    DnsSearch: spec.dnsSearch ?? [],
    ExtraHosts: spec.extraHosts?.length ? spec.extraHosts : null,
    GroupAdd: spec.groupAdd?.length ? spec.groupAdd : null,
    IpcMode: spec.ipcMode || 'private',
    Cgroup: '',
    // dockerd's form: "/<target>:/<container>/<alias>".
    Links: spec.links?.length ? spec.links.map((l) => `/${l.name}:/${name}/${l.alias}`) : null,
    OomScoreAdj: spec.oomScoreAdj ?? 0,
    PidMode: spec.pidMode ?? '',
    Privileged: spec.privileged,
    PublishAllPorts: spec.publishAllPorts ?? false,
    ReadonlyRootfs: spec.readonlyRootfs,
    SecurityOpt: securityOpts(spec),
    ...(Object.keys(tmpfs).length ? { Tmpfs: tmpfs } : {}),
    UTSMode: spec.utsMode ?? '',
    UsernsMode: spec.usernsMode ?? '',
    ShmSize: spec.shmSize ?? 67108864,
    ...(spec.sysctls && Object.keys(spec.sysctls).length ? { Sysctls: spec.sysctls } : {}),
    Runtime: spec.runtime ?? 'runc',
    ConsoleSize: spec.consoleSize ?? [0, 0],
    Isolation: spec.isolation ?? '',
    CpuShares: r.cpuShares,
    Memory: r.memory,
    NanoCpus: r.nanoCpus,
    CgroupParent: '',
    BlkioWeight: r.blkioWeight ?? 0,
    BlkioWeightDevice: [],
    BlkioDeviceReadBps: null,
    BlkioDeviceWriteBps: null,
    BlkioDeviceReadIOps: null,
    BlkioDeviceWriteIOps: null,
    CpuPeriod: r.cpuPeriod,
    CpuQuota: r.cpuQuota,
    CpuRealtimePeriod: 0,
    CpuRealtimeRuntime: 0,
    CpusetCpus: r.cpusetCpus,
    CpusetMems: r.cpusetMems ?? '',
    Devices: (spec.devices ?? []).map((d) => ({ PathOnHost: d.pathOnHost, PathInContainer: d.pathInContainer, CgroupPermissions: d.cgroupPermissions })),
    DeviceCgroupRules: spec.deviceCgroupRules?.length ? spec.deviceCgroupRules : null,
    DeviceRequests: null,
    KernelMemory: 0,
    KernelMemoryTCP: 0,
    MemoryReservation: r.memoryReservation ?? 0,
    MemorySwap: r.memorySwap,
    MemorySwappiness: r.memorySwappiness ?? null,
    OomKillDisable: r.oomKillDisable ?? false,
    ...(spec.init !== undefined && spec.init !== null ? { Init: spec.init } : {}),
    PidsLimit: r.pidsLimit,
    Ulimits: r.ulimits.map((u) => ({ Name: u.name, Soft: u.soft, Hard: u.hard })),
    CpuCount: 0,
    CpuPercent: 0,
    IOMaximumIOps: 0,
    IOMaximumBandwidth: 0,
    ...(mounts.length ? { Mounts: mounts } : {}),
    // What the runtime applies (the per-CPU thermal masks aside); none for a privileged container, as dockerd.
    MaskedPaths: spec.privileged ? null : (spec.maskedPaths ?? [...MASKED_PATHS]),
    ReadonlyPaths: spec.privileged ? null : (spec.readonlyPaths ?? [...READONLY_PATHS]),
  };
}

/** SecurityOpt as given, with the no-new-privileges flag written back. */
function securityOpts(spec: ContainerSpec): string[] | null {
  const opts = spec.noNewPrivileges ? ['no-new-privileges', ...spec.securityOpt] : spec.securityOpt;
  return opts.length ? opts : null;
}

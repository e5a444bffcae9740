/**
 * Rebuilds Docker's HostConfig struct (as inspect echoes it back) and the
 * Mounts list from a ContainerSpec. Fields berth has no notion of are
 * present with Docker's zero values, so `docker inspect -f` templates work.
 */
import type { ContainerSpec, MountSpec } from '../../engine/api.js';
import { MASKED_PATHS, READONLY_PATHS } from '../../engine/api.js';
import { portBindingsOf } from './container-network.js';

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
  const opts: string[] = [];
  if (m.readOnly) opts.push('ro');
  if (m.tmpfsSize) opts.push(`size=${m.tmpfsSize}`);
  if (m.tmpfsMode !== undefined) opts.push(`mode=${m.tmpfsMode.toString(8)}`);
  return [...opts, ...(m.options ?? [])].join(',');
}

function mountEntry(m: MountSpec): Record<string, unknown> {
  const base = { Type: m.type, Source: m.type === 'volume' ? m.name : m.source, Target: m.target, ReadOnly: m.readOnly };
  if (m.type === 'volume') {
    // As the client sent it: empty parts left out.
    const options = m.volumeOptions && Object.keys(m.volumeOptions).length ? { Options: m.volumeOptions } : {};
    const driverConfig = m.volumeDriver || options.Options ? { DriverConfig: { ...(m.volumeDriver ? { Name: m.volumeDriver } : {}), ...options } } : {};
    const labels = m.volumeLabels && Object.keys(m.volumeLabels).length ? { Labels: m.volumeLabels } : {};
    const vo = { ...(m.noCopy ? { NoCopy: true } : {}), ...labels, ...driverConfig };
    return Object.keys(vo).length ? { ...base, VolumeOptions: vo } : base;
  }
  if (m.type === 'bind') return m.propagation ? { ...base, BindOptions: { Propagation: m.propagation } } : base;
  const t: Record<string, number> = {};
  if (m.tmpfsSize) t.SizeBytes = m.tmpfsSize;
  if (m.tmpfsMode !== undefined) t.Mode = m.tmpfsMode;
  return { ...base, TmpfsOptions: t };
}

/** Docker's Mode: the Binds text as given ("z" for a volume without one), "z" for a Mounts volume, else "". */
function modeOf(m: MountSpec): string {
  if (m.mode !== undefined) return m.mode;
  return m.origin === 'binds' ? [m.readOnly ? 'ro' : '', m.propagation ?? ''].filter(Boolean).join(',') : '';
}

/** The `Mounts` list of inspect and of list items. */
export function toMountPoints(mounts: MountSpec[]): Array<Record<string, unknown>> {
  return mounts.map((m) => ({
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

/** Config.Volumes: the paths of Config.Volumes and of the image's VOLUME; null when none. */
export function toConfigVolumes(mounts: MountSpec[]): Record<string, object> | null {
  const paths = mounts.filter((m) => m.origin === 'volumes' || m.origin === 'image').map((m) => m.target);
  return paths.length ? Object.fromEntries(paths.map((p) => [p, {}])) : null;
}

/** Docker's HostConfig for inspect. */
export function toHostConfig(spec: ContainerSpec): Record<string, unknown> {
  const r = spec.resources;
  const binds = spec.mounts.filter((m) => m.origin === 'binds').map(bindString);
  const tmpfs = Object.fromEntries(spec.mounts.filter((m) => m.origin === 'tmpfs').map((m) => [m.target, tmpfsOptions(m)]));
  const mounts = spec.mounts.filter((m) => m.origin === 'mounts').map(mountEntry);
  return {
    Binds: binds.length ? binds : null,
    ContainerIDFile: '',
    // berth's logs (conmon's k8s-file underneath) behave as json-file's do: readable, followable, with
    // timestamps. Clients only stream logs for json-file/journald (docker-py's run() returns None otherwise).
    LogConfig: { Type: 'json-file', Config: {} },
    NetworkMode: spec.networkMode,
    PortBindings: portBindingsOf(spec.portBindings),
    RestartPolicy: { Name: spec.restartPolicy.name, MaximumRetryCount: spec.restartPolicy.maximumRetryCount },
    AutoRemove: spec.autoRemove,
    VolumeDriver: '',
    VolumesFrom: spec.volumesFrom?.length ? spec.volumesFrom : null,
    CapAdd: spec.capAdd.length ? spec.capAdd : null,
    CapDrop: spec.capDrop.length ? spec.capDrop : null,
    CgroupnsMode: 'private',
    Dns: spec.dns ?? [],
    DnsOptions: spec.dnsOptions ?? [],
    DnsSearch: spec.dnsSearch ?? [],
    ExtraHosts: spec.extraHosts?.length ? spec.extraHosts : null,
    GroupAdd: null,
    IpcMode: 'private',
    Cgroup: '',
    Links: null,
    OomScoreAdj: 0,
    PidMode: '',
    Privileged: spec.privileged,
    PublishAllPorts: spec.publishAllPorts ?? false,
    ReadonlyRootfs: spec.readonlyRootfs,
    SecurityOpt: securityOpts(spec),
    ...(Object.keys(tmpfs).length ? { Tmpfs: tmpfs } : {}),
    UTSMode: '',
    UsernsMode: '',
    ShmSize: spec.shmSize || 67108864,
    Runtime: 'runc',
    ConsoleSize: spec.consoleSize ?? [0, 0],
    Isolation: '',
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
    Devices: [],
    DeviceCgroupRules: null,
    DeviceRequests: null,
    KernelMemory: 0,
    KernelMemoryTCP: 0,
    MemoryReservation: 0,
    MemorySwap: r.memorySwap,
    MemorySwappiness: null,
    OomKillDisable: false,
    PidsLimit: r.pidsLimit,
    Ulimits: r.ulimits.map((u) => ({ Name: u.name, Soft: u.soft, Hard: u.hard })),
    CpuCount: 0,
    CpuPercent: 0,
    IOMaximumIOps: 0,
    IOMaximumBandwidth: 0,
    ...(mounts.length ? { Mounts: mounts } : {}),
    // What the runtime applies (the per-CPU thermal masks aside); none for a privileged container, as dockerd.
    MaskedPaths: spec.privileged ? null : [...MASKED_PATHS],
    ReadonlyPaths: spec.privileged ? null : [...READONLY_PATHS],
  };
}

/** SecurityOpt as given, with the no-new-privileges flag written back. */
function securityOpts(spec: ContainerSpec): string[] | null {
  const opts = spec.noNewPrivileges ? ['no-new-privileges', ...spec.securityOpt] : spec.securityOpt;
  return opts.length ? opts : null;
}

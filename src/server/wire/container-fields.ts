/**
 * The one table of every field of a container-create body's Config and
 * HostConfig (API 1.41, plus the older fields dockerd 20.10 still reads):
 * whether berth honours it (applied, and echoed by inspect as dockerd echoes
 * it), honours some values and refuses the others with a 400 naming the
 * field ('partial'), or refuses any value but the zero one ('refused').
 * Nothing is accepted and dropped.
 *
 * The create parser refuses the 'refused' fields through `refuseUnsupported`;
 * test/unit/container-fields.test.ts checks that every field of the API
 * spec's ContainerConfig and HostConfig is in this table, that the parser
 * reads every honoured field, and that docs/container-fields.md is
 * `renderFieldTable()`'s output.
 */
import { badRequest } from '../errors.js';
import type { Json } from './body-fields.js';

export type FieldStatus = 'honoured' | 'partial' | 'refused';

export interface FieldRule {
  status: FieldStatus;
  /** What berth does with it (for 'refused': why not); one line for the docs. */
  note: string;
}

const h = (note: string): FieldRule => ({ status: 'honoured', note });
const p = (note: string): FieldRule => ({ status: 'partial', note });
const r = (note: string): FieldRule => ({ status: 'refused', note });

export const CONFIG_FIELDS: Readonly<Record<string, FieldRule>> = {
  Hostname: h("the container's hostname (a UTS namespace of its own); the short ID when empty"),
  Domainname: h('the NIS domain name'),
  User: h("user[:group] resolved in the image's /etc/passwd and /etc/group"),
  AttachStdin: h('echoed; what the CLI attaches'),
  AttachStdout: h('echoed; what the CLI attaches'),
  AttachStderr: h('echoed; what the CLI attaches'),
  ExposedPorts: h("merged with the image's; published by PublishAllPorts"),
  Tty: h('a pseudo-terminal from conmon'),
  OpenStdin: h('stdin kept open by conmon'),
  StdinOnce: h('stdin closed after the first attach ends'),
  Env: h("merged with the image's by name"),
  Cmd: h("the command; the image's when absent"),
  Healthcheck: h('probes run as exec sessions; State.Health'),
  ArgsEscaped: h('Windows-only in dockerd: no effect on Linux, echoed as given'),
  Image: h('resolved to an image ID at create'),
  Volumes: h('anonymous volumes at those paths'),
  WorkingDir: h("the process's cwd (created when missing)"),
  Entrypoint: h('the entrypoint; [] or [""] clears the image\'s'),
  NetworkDisabled: h('no network at all (as NetworkMode none), echoed'),
  MacAddress: h("the primary endpoint's MAC, given to netavark (bridge networks)"),
  OnBuild: h('image-only in dockerd (no effect on a container), echoed as given'),
  Labels: h("merged with the image's"),
  StopSignal: h('sent by stop and restart; echoed as written'),
  StopTimeout: h("stop's default grace period"),
  Shell: h('build-only in dockerd (no effect on a container), echoed as given'),
};

export const HOST_CONFIG_FIELDS: Readonly<Record<string, FieldRule>> = {
  CpuShares: h('cpu.shares'),
  Memory: h('memory limit'),
  CgroupParent: r("containers live under berth's own cgroup parent (berthd --cgroup-parent)"),
  BlkioWeight: h('blkio.weight (10–1000) where the kernel has it'),
  BlkioWeightDevice: r('per-device block I/O weights are not supported'),
  BlkioDeviceReadBps: r('per-device block I/O throttling is not supported'),
  BlkioDeviceWriteBps: r('per-device block I/O throttling is not supported'),
  BlkioDeviceReadIOps: r('per-device block I/O throttling is not supported'),
  BlkioDeviceWriteIOps: r('per-device block I/O throttling is not supported'),
  CpuPeriod: h('CFS period'),
  CpuQuota: h('CFS quota'),
  CpuRealtimePeriod: r("no real-time CPU budget is delegated to berth's cgroups"),
  CpuRealtimeRuntime: r("no real-time CPU budget is delegated to berth's cgroups"),
  CpusetCpus: h('cpuset.cpus'),
  CpusetMems: h('cpuset.mems'),
  Devices: h('device nodes made by runc, with cgroup allow rules'),
  DeviceCgroupRules: h('cgroup device allow rules ("c 10:* rwm")'),
  DeviceRequests: r('no device drivers (GPUs) are supported'),
  KernelMemory: r('kernel memory limits are deprecated and not supported'),
  KernelMemoryTCP: r('kernel TCP memory limits are not supported'),
  MemoryReservation: h('memory soft limit'),
  MemorySwap: h('memory+swap limit (-1 unlimited)'),
  MemorySwappiness: h('memory.swappiness (0–100) where the kernel has it'),
  NanoCpus: h('CFS quota over a 100 ms period'),
  OomKillDisable: h("memory.oom_control (cgroup v1); dockerd's warning without a memory limit"),
  Init: h("Debian's tini (tini-static) bound at /sbin/docker-init as PID 1"),
  PidsLimit: h('pids.max (0/null = the daemon default, -1 unlimited)'),
  Ulimits: h("rlimits, clamped to the daemon's"),
  CpuCount: r('Windows-only'),
  CpuPercent: r('Windows-only'),
  IOMaximumIOps: r('Windows-only'),
  IOMaximumBandwidth: r('Windows-only'),
  Binds: h('bind mounts and named/anonymous volumes'),
  ContainerIDFile: h('written by the client (--cidfile); echoed as given'),
  LogConfig: p("json-file and local (max-size, max-file, compress and json-file's label/env/tag options) and none; other drivers are refused"),
  NetworkMode: h('bridge, none, host, container:<id> or a user network'),
  PortBindings: h('published ports (IPv4)'),
  RestartPolicy: h('no, always, on-failure[:n], unless-stopped'),
  AutoRemove: h('removed when it exits'),
  VolumeDriver: p('"" or local; other volume drivers are refused'),
  VolumesFrom: h('the mounts of other containers'),
  Mounts: h('bind, volume and tmpfs mounts'),
  ConsoleSize: h('the TTY size at start'),
  CapAdd: h('added capabilities'),
  CapDrop: h('dropped capabilities'),
  CgroupnsMode: h("host (berth's default on every host) or private (a cgroup namespace of its own)"),
  Dns: h('nameservers in /etc/resolv.conf'),
  DnsOptions: h('options in /etc/resolv.conf'),
  DnsSearch: h('search domains in /etc/resolv.conf'),
  ExtraHosts: h('entries in /etc/hosts'),
  GroupAdd: h("supplementary groups: names from the image's /etc/group, numbers as given"),
  IpcMode: h(
    'private (default), shareable (its /dev/shm a host-side tmpfs), none, host, container:<id> of a shareable or host donor (its IPC namespace and /dev/shm)',
  ),
  Cgroup: r("joining another container's cgroup is not supported"),
  Links: p("/etc/hosts entries for each linked container (alias, hostname, name), as on Docker's default bridge; no link environment variables"),
  OomScoreAdj: h('/proc/<pid>/oom_score_adj (-1000–1000)'),
  PidMode: h('own namespace, host, or container:<id>'),
  Privileged: h('all capabilities and devices, no seccomp or masked paths'),
  PublishAllPorts: h('every exposed port on a random host port'),
  ReadonlyRootfs: h('a read-only root'),
  SecurityOpt: p('no-new-privileges and seccomp=unconfined; a custom seccomp profile is refused'),
  StorageOpt: r('per-container storage options are not supported'),
  Tmpfs: h('tmpfs mounts; options echoed as given'),
  UTSMode: h('own namespace, host, or container:<id>'),
  UsernsMode: p('"" or host (berth does no user-namespace remapping); other values are refused'),
  ShmSize: h('the size of the /dev/shm tmpfs'),
  Sysctls: h('namespaced sysctls (net.*, IPC ones, kernel.domainname); others refused at create'),
  Runtime: p("the daemon's runtime (runc by default); other names are refused"),
  Isolation: p('"" or default (Linux has no other); other values are refused'),
  MaskedPaths: h("the paths masked in the container; Docker's list when null"),
  ReadonlyPaths: h("the paths made read-only in the container; Docker's list when null"),
};

/** Go's zero values, as a create that leaves the field out sends it. */
function isZero(v: unknown): boolean {
  if (v === undefined || v === null || v === 0 || v === '' || v === false) return true;
  if (Array.isArray(v)) return v.length === 0;
  return typeof v === 'object' && Object.keys(v).length === 0;
}

/** 400 naming the first 'refused' field the body sets to anything but its zero value. */
export function refuseUnsupported(cfg: Json, hc: Json): void {
  for (const [section, table, obj] of [
    ['', CONFIG_FIELDS, cfg],
    ['HostConfig.', HOST_CONFIG_FIELDS, hc],
  ] as const) {
    for (const [field, rule] of Object.entries(table)) {
      if (rule.status === 'refused' && !isZero(obj[field])) throw badRequest(`${section}${field} is not supported by berth: ${rule.note}`);
    }
  }
}

/** docs/container-fields.md. */
export function renderFieldTable(): string {
  const rows = (section: string, table: Readonly<Record<string, FieldRule>>) =>
    Object.entries(table).map(([field, rule]) => `| ${section}${field} | ${rule.status} | ${rule.note.replaceAll('|', '\\|')} |`);
  return [
    '# Container create fields',
    '',
    'Every field of a container-create body (`Config` and `HostConfig`, Docker Engine API 1.41) and what berth',
    'does with it. **honoured**: applied to the container and echoed by inspect as dockerd echoes it;',
    '**partial**: the values named are honoured, any other is refused; **refused**: any value but the',
    'zero one is answered with a 400 naming the field. No field is accepted and ignored.',
    '',
    'Generated from `src/server/wire/container-fields.ts` (the table the create parser uses);',
    '`test/unit/container-fields.test.ts` fails when this page, the table or the API spec disagree.',
    'Rewrite it with `BERTH_WRITE_DOCS=1 node --test dist/test/unit/container-fields.test.js`.',
    '',
    '| field | status | what berth does |',
    '| --- | --- | --- |',
    ...rows('Config.', CONFIG_FIELDS),
    ...rows('HostConfig.', HOST_CONFIG_FIELDS),
    '',
  ].join('\n');
}

/**
 * ContainerView → Docker's container JSON: inspect (`GET /containers/{id}/json`)
 * and list items (`GET /containers/json`), v1.41 shapes with every key present.
 */
import type { ContainerSpec, ContainerState, ContainerView, HealthConfig, HealthState } from '../../engine/api.js';
import { publicStatus } from '../../engine/api.js';
import { toConfigVolumes, toHostConfig, toMountPoints } from './container-host-config.js';
import { parseTime, statusText } from './status-text.js';
import { listPorts, networksOf, toNetworkSettings } from './container-network.js';
import { goMap, goSet } from './go-map.js';

/** Go's zero time, which Docker prints for never-set timestamps. */
export const ZERO_TIME = '0001-01-01T00:00:00Z';

const timeOrZero = (t: string) => t || ZERO_TIME;

/** Unix seconds of an RFC 3339 time; 0 when unset. */
export function unixSeconds(t: string): number {
  const ms = parseTime(t);
  return ms === null ? 0 : Math.floor(ms / 1000);
}

/** The process of a container: Path + Args. */
function processArgs(spec: ContainerSpec): { path: string; args: string[] } {
  const argv = [...spec.entrypoint, ...spec.cmd];
  return { path: argv[0] ?? '', args: argv.slice(1) };
}

/** Docker's list `Command`: path and args joined by spaces, args with spaces in single quotes. */
export function commandLine(spec: ContainerSpec): string {
  const { path, args } = processArgs(spec);
  if (args.length === 0) return path;
  return `${path} ${args.map((a) => (a.includes(' ') ? `'${a}'` : a)).join(' ')}`;
}

function toState(s: ContainerState): Record<string, unknown> {
  const word = publicStatus(s);
  return {
    Status: word,
    // Docker reports Running while paused and while restarting.
    Running: word === 'running' || word === 'paused' || word === 'restarting',
    Paused: word === 'paused',
    Restarting: word === 'restarting',
    OOMKilled: s.oomKilled,
    Dead: word === 'dead',
    Pid: s.pid,
    ExitCode: s.exitCode,
    Error: s.error,
    StartedAt: timeOrZero(s.startedAt),
    FinishedAt: timeOrZero(s.finishedAt),
    ...(s.health ? { Health: toHealth(s.health) } : {}),
  };
}

/** Docker's HealthConfig (zero fields omitted, as Go's omitempty). */
export function toHealthConfig(h: HealthConfig): Record<string, unknown> {
  return {
    ...(h.test.length ? { Test: h.test } : {}),
    ...(h.interval ? { Interval: h.interval } : {}),
    ...(h.timeout ? { Timeout: h.timeout } : {}),
    ...(h.startPeriod ? { StartPeriod: h.startPeriod } : {}),
    ...(h.retries ? { Retries: h.retries } : {}),
  };
}

function toHealth(h: HealthState): Record<string, unknown> {
  return {
    Status: h.status,
    FailingStreak: h.failingStreak,
    Log: h.log.map((l) => ({ Start: l.start, End: l.end, ExitCode: l.exitCode, Output: l.output })),
  };
}

const nullIfEmpty = <T>(list: T[]): T[] | null => (list.length ? list : null);

function toConfig(v: ContainerView): Record<string, unknown> {
  const s = v.spec;
  return {
    Hostname: s.hostname || v.id.slice(0, 12),
    Domainname: s.domainname,
    User: s.user,
    AttachStdin: s.attachStdin,
    AttachStdout: s.attachStdout,
    AttachStderr: s.attachStderr,
    // dockerd: ExposedPorts is omitempty, an empty Env is null.
    ...(s.exposedPorts.length ? { ExposedPorts: goSet(s.exposedPorts) } : {}),
    Tty: s.tty,
    OpenStdin: s.openStdin,
    StdinOnce: s.stdinOnce,
    Env: nullIfEmpty(s.env),
    Cmd: nullIfEmpty(s.cmd),
    Image: s.image,
    Volumes: toConfigVolumes(s),
    WorkingDir: s.workingDir,
    Entrypoint: nullIfEmpty(s.entrypoint),
    ...(s.networkDisabled ? { NetworkDisabled: true } : {}),
    ...(s.macAddress ? { MacAddress: s.macAddress } : {}),
    ...(s.argsEscaped ? { ArgsEscaped: true } : {}),
    OnBuild: s.onBuild ?? null,
    Labels: goMap(s.labels),
    // omitempty, and as written (dockerd echoes "term" for --stop-signal term).
    ...(s.stopSignal ? { StopSignal: s.stopSignal } : {}),
    ...(s.stopTimeout !== null ? { StopTimeout: s.stopTimeout } : {}),
    ...(s.healthcheck ? { Healthcheck: toHealthConfig(s.healthcheck) } : {}),
    ...(s.shell?.length ? { Shell: s.shell } : {}),
  };
}

/**
 * SizeRw/SizeRootFs when they were computed. Inspect has them as pointers
 * in Go (present, also when 0); a list item as plain omitempty integers
 * (left out when 0), hence `omitZero`.
 */
function sizes(v: ContainerView, omitZero: boolean): Record<string, number> {
  const keep = (n: number | undefined): n is number => n !== undefined && !(omitZero && n === 0);
  return {
    ...(keep(v.sizeRw) ? { SizeRw: v.sizeRw } : {}),
    ...(keep(v.sizeRootFs) ? { SizeRootFs: v.sizeRootFs } : {}),
  };
}

/** `GET /containers/{id}/json`. */
export function toContainerInspect(v: ContainerView): Record<string, unknown> {
  const { path, args } = processArgs(v.spec);
  const g = v.graphDriver;
  return {
    Id: v.id,
    Created: v.created,
    Path: path,
    Args: args,
    State: toState(v.state),
    Image: v.spec.imageId,
    ResolvConfPath: v.resolvConfPath,
    HostnamePath: v.hostnamePath,
    HostsPath: v.hostsPath,
    LogPath: v.logPath,
    Name: `/${v.name}`,
    RestartCount: v.state.restartCount,
    Driver: 'overlay2',
    Platform: 'linux',
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: '',
    ExecIDs: nullIfEmpty(v.execIds),
    HostConfig: toHostConfig(v.spec, v.name),
    GraphDriver: {
      Name: 'overlay2',
      Data: { LowerDir: g.lowerDir, UpperDir: g.upperDir, WorkDir: g.workDir, MergedDir: g.mergedDir },
    },
    ...sizes(v, false),
    Mounts: toMountPoints(v.spec.mounts),
    Config: toConfig(v),
    NetworkSettings: toNetworkSettings(v),
  };
}

/** One item of `GET /containers/json`; `now` in ms for the Status text. */
export function toContainerListItem(v: ContainerView, now: number): Record<string, unknown> {
  return {
    Id: v.id,
    Names: [`/${v.name}`],
    Image: v.listedImage ?? v.spec.image,
    ImageID: v.spec.imageId,
    Command: commandLine(v.spec),
    Created: unixSeconds(v.created),
    Ports: listPorts(v),
    ...sizes(v, true),
    Labels: goMap(v.spec.labels),
    State: publicStatus(v.state),
    Status: statusText(v.state, now),
    HostConfig: { NetworkMode: v.spec.networkMode },
    NetworkSettings: { Networks: networksOf(v) },
    Mounts: toMountPoints(v.spec.mounts),
  };
}

/**
 * The create body's namespace, device, kernel and logging fields (PidMode,
 * IpcMode, UTSMode, CgroupnsMode, Init, GroupAdd, Devices,
 * DeviceCgroupRules, Sysctls, ShmSize, OomScoreAdj, Isolation, Runtime,
 * LogConfig, MaskedPaths/ReadonlyPaths, UsernsMode, VolumeDriver, Links) and the
 * Config fields dockerd only echoes, with dockerd's 400s. Checks that need
 * the engine (a `container:` target, a device on the host, sysctls against
 * the namespaces) are the engine's, at create.
 */
import type { ContainerCreateSpec, DeviceMapping, LogConfig } from '../../engine/api.js';
import { badRequest } from '../errors.js';
import { boolField, intField, objectField, stringField, stringListField, stringMapField, type Json } from './body-fields.js';

type HostFields = Pick<
  ContainerCreateSpec,
  | 'pidMode'
  | 'ipcMode'
  | 'utsMode'
  | 'cgroupnsMode'
  | 'init'
  | 'groupAdd'
  | 'devices'
  | 'deviceCgroupRules'
  | 'sysctls'
  | 'shmSize'
  | 'oomScoreAdj'
  | 'isolation'
  | 'runtime'
  | 'logConfig'
  | 'maskedPaths'
  | 'readonlyPaths'
  | 'containerIdFile'
  | 'usernsMode'
  | 'volumeDriver'
  | 'links'
>;

const IPC_MODES = new Set(['', 'private', 'shareable', 'none', 'host']);

/** '' / host / container:<ref>, as PidMode and UTSMode take them. */
function nsMode(hc: Json, key: string, extra: Set<string> = new Set(['', 'host'])): string {
  const v = stringField(hc, key, `HostConfig.${key}`);
  if (extra.has(v) || /^container:.+/.test(v)) return v;
  throw badRequest(key === 'IpcMode' ? `Invalid IPC mode: ${v}` : `HostConfig.${key}: invalid mode "${v}" (use host or container:<name|id>)`);
}

export function parseHostFields(cfg: Json, hc: Json): HostFields {
  const utsMode = nsMode(hc, 'UTSMode');
  if (utsMode && stringField(cfg, 'Hostname', 'Hostname')) throw badRequest('conflicting options: hostname and the UTS mode');
  const oomScoreAdj = intField(hc, 'OomScoreAdj', 'HostConfig.OomScoreAdj', 0, -Infinity);
  if (oomScoreAdj < -1000 || oomScoreAdj > 1000) throw badRequest(`Invalid value ${oomScoreAdj}, range for oom score adj is [-1000, 1000]`);
  const shm = hc.ShmSize;
  if (typeof shm === 'number' && shm < 0) throw badRequest('SHM size can not be less than 0');
  const cgroupnsMode = stringField(hc, 'CgroupnsMode', 'HostConfig.CgroupnsMode');
  if (!['', 'host', 'private'].includes(cgroupnsMode)) throw badRequest(`invalid cgroup namespace mode: ${cgroupnsMode}`);
  const isolation = stringField(hc, 'Isolation', 'HostConfig.Isolation');
  if (isolation !== '' && isolation !== 'default') throw badRequest(`Invalid isolation: "${isolation}" - linux only supports 'default'`);
  const usernsMode = stringField(hc, 'UsernsMode', 'HostConfig.UsernsMode');
  if (usernsMode !== '' && usernsMode !== 'host')
    throw badRequest(`HostConfig.UsernsMode "${usernsMode}" is not supported by berth (no user-namespace remapping; "" or host)`);
  // The driver of the Binds and anonymous volumes: refused with dockerd's 404 when a volume is created with it.
  const volumeDriver = stringField(hc, 'VolumeDriver', 'HostConfig.VolumeDriver');
  const init = hc.Init === undefined || hc.Init === null ? null : boolField(hc, 'Init', 'HostConfig.Init');
  return {
    pidMode: nsMode(hc, 'PidMode'),
    ipcMode: nsMode(hc, 'IpcMode', IPC_MODES),
    utsMode,
    cgroupnsMode,
    init,
    groupAdd: stringListField(hc, 'GroupAdd', 'HostConfig.GroupAdd'),
    devices: parseDevices(hc),
    deviceCgroupRules: stringListField(hc, 'DeviceCgroupRules', 'HostConfig.DeviceCgroupRules'),
    sysctls: stringMapField(hc, 'Sysctls', 'HostConfig.Sysctls'),
    shmSize: intField(hc, 'ShmSize', 'HostConfig.ShmSize', 0),
    oomScoreAdj,
    isolation,
    runtime: stringField(hc, 'Runtime', 'HostConfig.Runtime'),
    logConfig: parseLogConfig(hc),
    containerIdFile: stringField(hc, 'ContainerIDFile', 'HostConfig.ContainerIDFile'),
    usernsMode,
    volumeDriver,
    ...pathList(hc, 'MaskedPaths', 'maskedPaths'),
    ...pathList(hc, 'ReadonlyPaths', 'readonlyPaths'),
    links: parseLinks(hc),
  };
}

/** HostConfig.Links: "name" or "name:alias" (the alias defaults to the name), dockerd's text for other forms. */
function parseLinks(hc: Json): { name: string; alias: string }[] {
  return stringListField(hc, 'Links', 'HostConfig.Links').map((link) => {
    const parts = link.split(':');
    if (parts.length > 2 || parts.some((x) => x === '')) throw badRequest(`invalid link format: ${link}`);
    const name = parts[0].replace(/^\//, '');
    return { name, alias: (parts[1] ?? name).replace(/^\//, '') };
  });
}

/** null/absent = Docker's defaults (the key left out); a list, even [], replaces them. */
function pathList(hc: Json, key: string, prop: 'maskedPaths' | 'readonlyPaths'): Partial<HostFields> {
  if (hc[key] === undefined || hc[key] === null) return {};
  return { [prop]: stringListField(hc, key, `HostConfig.${key}`) };
}

function parseDevices(hc: Json): DeviceMapping[] {
  const raw = hc.Devices ?? null;
  if (raw === null) return [];
  if (!Array.isArray(raw)) throw badRequest('HostConfig.Devices must be a list');
  return raw.map((d: unknown, i) => {
    const field = `HostConfig.Devices[${i}]`;
    if (d === null || typeof d !== 'object' || Array.isArray(d)) throw badRequest(`${field} must be an object`);
    const pathOnHost = stringField(d as Json, 'PathOnHost', `${field}.PathOnHost`);
    const pathInContainer = stringField(d as Json, 'PathInContainer', `${field}.PathInContainer`);
    const cgroupPermissions = stringField(d as Json, 'CgroupPermissions', `${field}.CgroupPermissions`);
    if (!pathOnHost.startsWith('/')) throw badRequest(`${field}.PathOnHost must be an absolute path`);
    if (pathInContainer && !pathInContainer.startsWith('/')) throw badRequest(`${field}.PathInContainer must be an absolute path`);
    if (!/^[rwm]{0,3}$/.test(cgroupPermissions)) throw badRequest(`invalid device mode: ${cgroupPermissions}`);
    return { pathOnHost, pathInContainer, cgroupPermissions };
  });
}

/**
 * HostConfig.LogConfig's shape; absent Type = json-file. The engine checks the
 * driver and its options with dockerd's texts (containers/log-files.ts).
 */
export function parseLogConfig(hc: Json): LogConfig {
  const lc = objectField(hc, 'LogConfig', 'HostConfig.LogConfig');
  return { type: stringField(lc, 'Type', 'HostConfig.LogConfig.Type') || 'json-file', config: stringMapField(lc, 'Config', 'HostConfig.LogConfig.Config') };
}

/** Config fields dockerd keeps and echoes without effect on a Linux container. */
export function parseEchoedConfig(cfg: Json): Pick<ContainerCreateSpec, 'argsEscaped' | 'onBuild' | 'shell' | 'networkDisabled'> {
  const list = (key: string) => (cfg[key] === undefined || cfg[key] === null ? null : stringListField(cfg, key, key));
  return {
    argsEscaped: boolField(cfg, 'ArgsEscaped', 'ArgsEscaped'),
    onBuild: list('OnBuild'),
    shell: list('Shell'),
    networkDisabled: boolField(cfg, 'NetworkDisabled', 'NetworkDisabled'),
  };
}

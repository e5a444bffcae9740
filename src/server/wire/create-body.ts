/**
 * Docker's container-create body (Config + HostConfig + NetworkingConfig)
 * and `name` query → the engine's CreateContainerOptions, plus warnings for
 * the create response. Everything berth cannot honour is either rejected
 * with a 400 naming the field or accepted with a warning; nothing crashes.
 */
import type { CreateContainerOptions, HealthConfig, Resources, RestartPolicy, Ulimit } from '../../engine/api.js';
import { badRequest } from '../errors.js';
import { boolField, intField, objectField, strSliceField, stringField, stringListField, stringMapField } from './body-fields.js';
import type { Json } from './body-fields.js';
import { parseConfigVolumes, parseMounts } from './create-mounts.js';
import { parseNetworkFields } from './create-network-fields.js';

export interface CreateRequest {
  options: CreateContainerOptions;
  /** Server-side warnings, shown by the CLI as "WARNING: …". */
  warnings: string[];
}

const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/**
 * Validates a container name (Docker's rule: strip one leading "/", then
 * `[a-zA-Z0-9][a-zA-Z0-9_.-]+`, so at least two characters). '' or absent →
 * undefined (the engine generates one).
 */
export function parseContainerName(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  const name = raw.startsWith('/') ? raw.slice(1) : raw;
  if (!NAME_RE.test(name)) {
    throw badRequest(`Invalid container name (${raw}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  }
  return name;
}

/** Converts a create request. `body` is the parsed JSON (anything); `name` the query value. */
export function toCreateOptions(body: unknown, name: string | undefined): CreateRequest {
  if (body === null || body === undefined || typeof body !== 'object' || Array.isArray(body)) {
    throw badRequest('Config cannot be empty in order to create a container');
  }
  const cfg = body as Json;
  const hc = objectField(cfg, 'HostConfig', 'HostConfig');
  const warnings: string[] = [];
  const image = stringField(cfg, 'Image', 'Image');
  if (image === '') throw badRequest('Image must be set: an image name is required to create a container');
  const restartPolicy = parseRestartPolicy(hc);
  const autoRemove = boolField(hc, 'AutoRemove', 'HostConfig.AutoRemove');
  if (autoRemove && restartPolicy.name !== 'no') {
    throw badRequest("can't create 'AutoRemove' container with restart policy");
  }
  const { endpoints, ...net } = parseNetworkFields(cfg, hc, cfg);
  const { noNewPrivileges, securityOpt } = parseSecurityOpt(stringListField(hc, 'SecurityOpt', 'HostConfig.SecurityOpt'));
  const options: CreateContainerOptions = {
    name: parseContainerName(name),
    image,
    cmd: nonEmptyOrNull(strSliceField(cfg, 'Cmd', 'Cmd')),
    entrypoint: parseEntrypoint(cfg),
    configVolumes: parseConfigVolumes(cfg),
    spec: {
      env: stringListField(cfg, 'Env', 'Env'),
      workingDir: stringField(cfg, 'WorkingDir', 'WorkingDir'),
      user: stringField(cfg, 'User', 'User'),
      labels: stringMapField(cfg, 'Labels', 'Labels'),
      stopSignal: stringField(cfg, 'StopSignal', 'StopSignal'),
      exposedPorts: Object.keys(objectField(cfg, 'ExposedPorts', 'ExposedPorts')),
      hostname: stringField(cfg, 'Hostname', 'Hostname'),
      domainname: stringField(cfg, 'Domainname', 'Domainname'),
      stopTimeout: cfg.StopTimeout === null || cfg.StopTimeout === undefined ? null : intField(cfg, 'StopTimeout', 'StopTimeout', 0, -1),
      tty: boolField(cfg, 'Tty', 'Tty'),
      openStdin: boolField(cfg, 'OpenStdin', 'OpenStdin'),
      stdinOnce: boolField(cfg, 'StdinOnce', 'StdinOnce'),
      attachStdin: boolField(cfg, 'AttachStdin', 'AttachStdin'),
      attachStdout: boolField(cfg, 'AttachStdout', 'AttachStdout'),
      attachStderr: boolField(cfg, 'AttachStderr', 'AttachStderr'),
      mounts: parseMounts(hc),
      volumesFrom: stringListField(hc, 'VolumesFrom', 'HostConfig.VolumesFrom'),
      readonlyRootfs: boolField(hc, 'ReadonlyRootfs', 'HostConfig.ReadonlyRootfs'),
      resources: parseResources(hc),
      capAdd: stringListField(hc, 'CapAdd', 'HostConfig.CapAdd'),
      capDrop: stringListField(hc, 'CapDrop', 'HostConfig.CapDrop'),
      privileged: boolField(hc, 'Privileged', 'HostConfig.Privileged'),
      noNewPrivileges,
      securityOpt,
      ...net,
      autoRemove,
      restartPolicy,
      consoleSize: parseConsoleSize(hc),
      shmSize: parseShmSize(hc),
      healthcheck: parseHealthcheck(cfg),
    },
    endpoints,
  };
  return { options, warnings };
}

/** HostConfig.ShmSize in bytes; 0 = the daemon's default (dockerd's text for a negative one). */
function parseShmSize(hc: Json): number {
  if (typeof hc.ShmSize === 'number' && hc.ShmSize < 0) throw badRequest('SHM size can not be less than 0');
  return intField(hc, 'ShmSize', 'HostConfig.ShmSize', 0);
}

/** Docker treats an empty Cmd like an absent one (the image's applies). */
function nonEmptyOrNull(list: string[] | null): string[] | null {
  return list === null || list.length === 0 ? null : list;
}

/** Entrypoint: null = the image's; "" or [""] or [] = cleared ([]). */
function parseEntrypoint(cfg: Json): string[] | null {
  const ep = strSliceField(cfg, 'Entrypoint', 'Entrypoint');
  if (ep === null) return null;
  return ep.length === 1 && ep[0] === '' ? [] : ep;
}

const POLICIES = new Set(['no', 'always', 'on-failure', 'unless-stopped']);

/** HostConfig.RestartPolicy with Docker's validation and wording. */
export function parseRestartPolicy(hc: Json): RestartPolicy {
  const rp = objectField(hc, 'RestartPolicy', 'HostConfig.RestartPolicy');
  const name = stringField(rp, 'Name', 'HostConfig.RestartPolicy.Name') || 'no';
  const raw = rp.MaximumRetryCount ?? 0;
  if (typeof raw !== 'number' || !Number.isInteger(raw)) throw badRequest('HostConfig.RestartPolicy.MaximumRetryCount must be an integer');
  if (!POLICIES.has(name)) throw badRequest(`invalid restart policy '${name}'`);
  if (name === 'on-failure' && raw < 0) throw badRequest('maximum retry count cannot be negative');
  if (name !== 'on-failure' && raw !== 0) throw badRequest(`maximum retry count cannot be used with restart policy '${name}'`);
  return { name: name as RestartPolicy['name'], maximumRetryCount: raw };
}

/**
 * SecurityOpt: the no-new-privileges forms become a flag; everything else
 * (seccomp=, apparmor=, label=…) is kept for the engine to judge.
 */
export function parseSecurityOpt(opts: string[]): { noNewPrivileges: boolean; securityOpt: string[] } {
  let noNewPrivileges = false;
  const securityOpt: string[] = [];
  for (const opt of opts) {
    const m = /^no-new-privileges(?:[:=](.*))?$/.exec(opt);
    if (!m) {
      securityOpt.push(opt);
      continue;
    }
    const v = m[1];
    if (v === undefined || v === 'true') noNewPrivileges = true;
    else if (v === 'false') noNewPrivileges = false;
    else throw badRequest(`HostConfig.SecurityOpt: invalid --security-opt: "${opt}"`);
  }
  return { noNewPrivileges, securityOpt };
}

/** Resource limits with Docker's conflicts; negative values → 400 naming the field. */
export function parseResources(hc: Json): Resources {
  const f = (key: string, min = 0) => intField(hc, key, `HostConfig.${key}`, 0, min);
  const nanoCpus = f('NanoCpus');
  const cpuQuota = f('CpuQuota', -1);
  const cpuPeriod = f('CpuPeriod');
  if (nanoCpus > 0 && cpuPeriod > 0) throw badRequest('Conflicting options: Nano CPUs and CPU Period cannot both be set');
  if (nanoCpus > 0 && cpuQuota > 0) throw badRequest('Conflicting options: Nano CPUs and CPU Quota cannot both be set');
  const pids = hc.PidsLimit;
  let pidsLimit: number | null = null;
  if (pids !== undefined && pids !== null) {
    if (typeof pids !== 'number' || !Number.isSafeInteger(pids)) throw badRequest('HostConfig.PidsLimit must be an integer in range');
    pidsLimit = pids === 0 ? null : pids < 0 ? -1 : pids;
  }
  return {
    memory: f('Memory'),
    memorySwap: f('MemorySwap', -1),
    nanoCpus,
    cpuShares: f('CpuShares'),
    cpuQuota,
    cpuPeriod,
    cpusetCpus: stringField(hc, 'CpusetCpus', 'HostConfig.CpusetCpus'),
    pidsLimit,
    ulimits: parseUlimits(hc),
  };
}

function parseUlimits(hc: Json): Ulimit[] {
  const raw = hc.Ulimits ?? null;
  if (raw === null) return [];
  if (!Array.isArray(raw)) throw badRequest('HostConfig.Ulimits must be a list');
  return raw.map((u: unknown, i) => {
    const field = `HostConfig.Ulimits[${i}]`;
    if (u === null || typeof u !== 'object' || Array.isArray(u)) throw badRequest(`${field} must be an object`);
    const name = stringField(u as Json, 'Name', `${field}.Name`);
    if (name === '') throw badRequest(`${field}.Name must be set`);
    const soft = intField(u as Json, 'Soft', `${field}.Soft`, 0, -1);
    const hard = intField(u as Json, 'Hard', `${field}.Hard`, 0, -1);
    if (hard !== -1 && (soft === -1 || soft > hard)) {
      throw badRequest(`${field}: ulimit soft limit must be less than or equal to hard limit: ${soft} > ${hard}`);
    }
    return { name, soft, hard };
  });
}

/** ConsoleSize [height, width]; absent, null or any zero → null. */
function parseConsoleSize(hc: Json): [number, number] | null {
  const cs = hc.ConsoleSize ?? null;
  if (cs === null) return null;
  if (!Array.isArray(cs) || cs.length !== 2 || !cs.every((n) => Number.isInteger(n) && n >= 0)) {
    throw badRequest('HostConfig.ConsoleSize must be [height, width] of non-negative integers');
  }
  return cs[0] === 0 || cs[1] === 0 ? null : [cs[0], cs[1]];
}

const MS_NS = 1_000_000;

/** Config.Healthcheck with dockerd's checks; absent or null → null (the image's applies). */
export function parseHealthcheck(cfg: Json): HealthConfig | null {
  if (cfg.Healthcheck === undefined || cfg.Healthcheck === null) return null;
  const h = objectField(cfg, 'Healthcheck', 'Healthcheck');
  const duration = (key: string) => {
    const v = intField(h, key, `Healthcheck.${key}`, 0, -Infinity);
    if (v !== 0 && v < MS_NS) throw badRequest(`${key} in Healthcheck cannot be less than 1ms`);
    return v;
  };
  const retries = intField(h, 'Retries', 'Healthcheck.Retries', 0, -Infinity);
  if (retries < 0) throw badRequest('Retries in Healthcheck cannot be negative');
  return {
    test: stringListField(h, 'Test', 'Healthcheck.Test'),
    interval: duration('Interval'),
    timeout: duration('Timeout'),
    startPeriod: duration('StartPeriod'),
    retries,
  };
}

/**
 * HostConfig.Binds, HostConfig.Mounts and HostConfig.Tmpfs → MountSpec[].
 * Only bind and tmpfs mounts exist in berth so far; named and anonymous
 * volumes get a clear 400 rather than a crash.
 */
import type { MountSpec } from '../../engine/api.js';
import { badRequest } from '../errors.js';
import { boolField, intField, objectField, parseRamBytes, stringField } from './body-fields.js';
import type { Json } from './body-fields.js';

const PROPAGATIONS = new Set(['shared', 'rshared', 'slave', 'rslave', 'private', 'rprivate']);
/** Bind options Docker accepts that change nothing for berth (SELinux relabel, macOS consistency, nocopy). */
const IGNORED_BIND_OPTS = new Set(['z', 'Z', 'nocopy', 'consistent', 'cached', 'delegated']);

function requireAbsolute(path: string, field: string): void {
  if (!path.startsWith('/')) throw badRequest(`${field}: invalid mount config: "${path}" is not an absolute path`);
}

function volumesUnsupported(field: string, spec: string): never {
  throw badRequest(`${field}: volumes are not supported yet ("${spec}" names a volume); use an absolute host path to bind-mount a directory`);
}

/** One `/host:/ctr[:opts]` Binds entry. */
export function parseBind(spec: string, field = 'HostConfig.Binds'): MountSpec {
  const parts = spec.split(':');
  if (parts.length < 2 || parts.length > 3 || parts[0] === '' || parts[1] === '') {
    if (parts.length === 1 && spec.startsWith('/')) volumesUnsupported(field, spec);
    throw badRequest(`${field}: invalid volume specification: "${spec}"`);
  }
  const [source, target, opts = ''] = parts;
  if (!source.startsWith('/')) volumesUnsupported(field, spec);
  requireAbsolute(target, field);
  const mount: MountSpec = { type: 'bind', source, target, readOnly: false, origin: 'binds' };
  for (const opt of opts.split(',').filter((o) => o !== '')) {
    if (opt === 'ro' || opt === 'rw') mount.readOnly = opt === 'ro';
    else if (PROPAGATIONS.has(opt)) mount.propagation = opt;
    else if (!IGNORED_BIND_OPTS.has(opt)) throw badRequest(`${field}: invalid mode "${opt}" in "${spec}"`);
  }
  return mount;
}

/** One HostConfig.Mounts entry (Type bind or tmpfs). */
export function parseMountEntry(entry: unknown, index: number): MountSpec {
  const field = `HostConfig.Mounts[${index}]`;
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) throw badRequest(`${field} must be an object`);
  const m = entry as Json;
  const type = stringField(m, 'Type', `${field}.Type`);
  const target = stringField(m, 'Target', `${field}.Target`);
  if (target === '') throw badRequest(`${field}.Target must be set`);
  requireAbsolute(target, `${field}.Target`);
  const readOnly = boolField(m, 'ReadOnly', `${field}.ReadOnly`);
  if (type === 'bind') {
    const source = stringField(m, 'Source', `${field}.Source`);
    if (source === '') throw badRequest(`${field}.Source must be set for a bind mount`);
    requireAbsolute(source, `${field}.Source`);
    const propagation = stringField(objectField(m, 'BindOptions', `${field}.BindOptions`), 'Propagation', `${field}.BindOptions.Propagation`);
    if (propagation && !PROPAGATIONS.has(propagation)) throw badRequest(`${field}.BindOptions.Propagation: invalid propagation "${propagation}"`);
    return { type: 'bind', source, target, readOnly, origin: 'mounts', ...(propagation ? { propagation } : {}) };
  }
  if (type === 'tmpfs') {
    const t = objectField(m, 'TmpfsOptions', `${field}.TmpfsOptions`);
    const tmpfsSize = intField(t, 'SizeBytes', `${field}.TmpfsOptions.SizeBytes`, 0);
    const mode = intField(t, 'Mode', `${field}.TmpfsOptions.Mode`, 0);
    return { type: 'tmpfs', source: '', target, readOnly, origin: 'mounts', tmpfsSize, ...(mode ? { tmpfsMode: mode } : {}) };
  }
  if (type === '') throw badRequest(`${field}.Type must be set`);
  throw badRequest(`${field}.Type: mount type "${type}" is not supported yet (only bind and tmpfs)`);
}

/** One HostConfig.Tmpfs entry: `/path` → "size=64m,mode=1777,noexec". */
export function parseTmpfs(target: string, opts: string): MountSpec {
  const field = `HostConfig.Tmpfs[${target}]`;
  requireAbsolute(target, field);
  const mount: MountSpec = { type: 'tmpfs', source: '', target, readOnly: false, origin: 'tmpfs', tmpfsSize: 0 };
  const extra: string[] = [];
  for (const opt of opts.split(',').map((o) => o.trim()).filter((o) => o !== '')) {
    if (opt.startsWith('size=')) mount.tmpfsSize = parseRamBytes(opt.slice(5), field);
    else if (opt.startsWith('mode=')) {
      if (!/^[0-7]{1,4}$/.test(opt.slice(5))) throw badRequest(`${field}: invalid mode "${opt.slice(5)}"`);
      mount.tmpfsMode = parseInt(opt.slice(5), 8);
    } else if (opt === 'ro' || opt === 'rw') mount.readOnly = opt === 'ro';
    else extra.push(opt);
  }
  if (extra.length > 0) mount.options = extra;
  return mount;
}

/**
 * All mounts of a HostConfig, in Docker's order (Binds, Mounts, Tmpfs). Two
 * mounts on the same target → 400 "Duplicate mount point".
 */
export function parseMounts(hostConfig: Json): MountSpec[] {
  const binds = hostConfig.Binds ?? null;
  if (binds !== null && (!Array.isArray(binds) || !binds.every((b) => typeof b === 'string'))) {
    throw badRequest('HostConfig.Binds must be a list of strings');
  }
  const mountsIn = hostConfig.Mounts ?? null;
  if (mountsIn !== null && !Array.isArray(mountsIn)) throw badRequest('HostConfig.Mounts must be a list');
  const tmpfs = objectField(hostConfig, 'Tmpfs', 'HostConfig.Tmpfs');
  const mounts = [
    ...(binds ?? []).map((b) => parseBind(b)),
    ...((mountsIn as unknown[] | null) ?? []).map((m, i) => parseMountEntry(m, i)),
    ...Object.entries(tmpfs).map(([target, opts]) => {
      if (typeof opts !== 'string') throw badRequest(`HostConfig.Tmpfs[${target}] must be a string`);
      return parseTmpfs(target, opts);
    }),
  ];
  const seen = new Set<string>();
  for (const m of mounts) {
    const key = m.target.replace(/\/+$/, '') || '/';
    if (seen.has(key)) throw badRequest(`Duplicate mount point: ${m.target}`);
    seen.add(key);
  }
  return mounts;
}

/**
 * HostConfig.Binds, HostConfig.Mounts and HostConfig.Tmpfs → MountSpec[],
 * with Docker's rules and texts. A volume entry keeps its name ('' for an
 * anonymous one); the engine creates or finds the volume at create.
 */
import type { MountSpec } from '../../engine/api.js';
import { badRequest } from '../errors.js';
import { boolField, intField, objectField, parseRamBytes, stringField, stringMapField } from './body-fields.js';
import type { Json } from './body-fields.js';

const PROPAGATIONS = new Set(['shared', 'rshared', 'slave', 'rslave', 'private', 'rprivate']);
/** Bind options Docker accepts that change nothing for berth (SELinux relabel, macOS consistency). */
const IGNORED_BIND_OPTS = new Set(['z', 'Z', 'consistent', 'cached', 'delegated']);

type MountType = MountSpec['type'];

const mountError = (type: string, detail: string) => `invalid mount config for type "${type}": ${detail}`;
const notAbsolute = (type: MountType, p: string) => mountError(type, `invalid mount path: '${p}' mount path must be absolute`);

/** Docker's check of a destination: absolute and not "/". Returns the error text or ''. */
function targetError(type: MountType, target: string): string {
  if (!target.startsWith('/')) return notAbsolute(type, target);
  if (target.replace(/\/+$/, '') === '') return "invalid specification: destination can't be '/'";
  return '';
}

/** One Binds entry: `/host:/ctr[:opts]` (bind), `name:/ctr[:opts]` (named volume) or `/ctr` (anonymous volume). */
export function parseBind(spec: string, field = 'HostConfig.Binds'): MountSpec {
  const invalidSpec = (detail?: string) => badRequest(`invalid volume specification: '${spec}'${detail ? `: ${detail}` : ''}`);
  const parts = spec.split(':');
  if (parts.length > 3 || parts.some((p) => p === '')) throw invalidSpec();
  if (parts.length === 1) {
    const err = targetError('volume', spec);
    if (err) throw invalidSpec(err);
    return { type: 'volume', name: '', source: '', target: spec, readOnly: false, origin: 'binds', mode: '' };
  }
  const [source, target, mode = ''] = parts;
  const type: MountType = source.startsWith('/') ? 'bind' : 'volume';
  const err = targetError(type, target);
  if (err) throw invalidSpec(err);
  const mount: MountSpec =
    type === 'bind'
      ? { type, source, target, readOnly: false, origin: 'binds', mode }
      : { type, name: source, source: '', target, readOnly: false, origin: 'binds', mode: mode || 'z' };
  for (const opt of mode.split(',').filter((o) => o !== '')) {
    if (opt === 'ro' || opt === 'rw') mount.readOnly = opt === 'ro';
    else if (opt === 'nocopy') {
      if (type === 'bind') throw invalidSpec(mountError('bind', 'field VolumeOptions must not be specified'));
      mount.noCopy = true;
    } else if (PROPAGATIONS.has(opt)) {
      if (type === 'volume') throw invalidSpec(mountError('volume', 'field BindOptions must not be specified'));
      mount.propagation = opt;
    } else if (!IGNORED_BIND_OPTS.has(opt)) throw badRequest(`${field}: invalid mode: ${opt} in '${spec}'`);
  }
  return mount;
}

function noField(m: Json, type: string, key: string): void {
  const v = m[key];
  if (v !== undefined && v !== null) throw badRequest(mountError(type, `field ${key} must not be specified`));
}

/** A Mounts entry of Type volume: VolumeOptions NoCopy, Labels, DriverConfig (Name, Options). */
function volumeEntry(m: Json, field: string, target: string, readOnly: boolean): MountSpec {
  noField(m, 'volume', 'BindOptions');
  noField(m, 'volume', 'TmpfsOptions');
  const vo = objectField(m, 'VolumeOptions', `${field}.VolumeOptions`);
  const dc = objectField(vo, 'DriverConfig', `${field}.VolumeOptions.DriverConfig`);
  return {
    type: 'volume',
    name: stringField(m, 'Source', `${field}.Source`),
    source: '',
    target,
    readOnly,
    origin: 'mounts',
    mode: 'z',
    noCopy: boolField(vo, 'NoCopy', `${field}.VolumeOptions.NoCopy`),
    volumeDriver: stringField(dc, 'Name', `${field}.VolumeOptions.DriverConfig.Name`),
    volumeLabels: stringMapField(vo, 'Labels', `${field}.VolumeOptions.Labels`),
    volumeOptions: stringMapField(dc, 'Options', `${field}.VolumeOptions.DriverConfig.Options`),
  };
}

function bindEntry(m: Json, field: string, target: string, readOnly: boolean): MountSpec {
  noField(m, 'bind', 'VolumeOptions');
  noField(m, 'bind', 'TmpfsOptions');
  const source = stringField(m, 'Source', `${field}.Source`);
  if (source === '') throw badRequest(mountError('bind', 'field Source must not be empty'));
  if (!source.startsWith('/')) throw badRequest(notAbsolute('bind', source));
  const propagation = stringField(objectField(m, 'BindOptions', `${field}.BindOptions`), 'Propagation', `${field}.BindOptions.Propagation`);
  if (propagation && !PROPAGATIONS.has(propagation)) throw badRequest(`${field}.BindOptions.Propagation: invalid propagation "${propagation}"`);
  return { type: 'bind', source, target, readOnly, origin: 'mounts', ...(propagation ? { propagation } : {}) };
}

function tmpfsEntry(m: Json, field: string, target: string, readOnly: boolean): MountSpec {
  noField(m, 'tmpfs', 'BindOptions');
  noField(m, 'tmpfs', 'VolumeOptions');
  if (stringField(m, 'Source', `${field}.Source`) !== '') throw badRequest(mountError('tmpfs', 'field Source must not be specified'));
  const t = objectField(m, 'TmpfsOptions', `${field}.TmpfsOptions`);
  const tmpfsSize = intField(t, 'SizeBytes', `${field}.TmpfsOptions.SizeBytes`, 0);
  const mode = intField(t, 'Mode', `${field}.TmpfsOptions.Mode`, 0);
  return { type: 'tmpfs', source: '', target, readOnly, origin: 'mounts', tmpfsSize, ...(mode ? { tmpfsMode: mode } : {}) };
}

/** One HostConfig.Mounts entry (Type bind, volume or tmpfs). */
export function parseMountEntry(entry: unknown, index: number): MountSpec {
  const field = `HostConfig.Mounts[${index}]`;
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) throw badRequest(`${field} must be an object`);
  const m = entry as Json;
  const type = stringField(m, 'Type', `${field}.Type`);
  if (type === '') throw badRequest(`${field}.Type must be set`);
  if (type !== 'bind' && type !== 'volume' && type !== 'tmpfs') throw badRequest(mountError(type, 'mount type unknown'));
  const target = stringField(m, 'Target', `${field}.Target`);
  if (target === '') throw badRequest(mountError(type, 'field Target must not be empty'));
  const err = targetError(type, target);
  if (err) throw badRequest(err);
  const readOnly = boolField(m, 'ReadOnly', `${field}.ReadOnly`);
  if (type === 'volume') return volumeEntry(m, field, target, readOnly);
  if (type === 'bind') return bindEntry(m, field, target, readOnly);
  return tmpfsEntry(m, field, target, readOnly);
}

/** One HostConfig.Tmpfs entry: `/path` → "size=64m,mode=1777,noexec". */
export function parseTmpfs(target: string, opts: string): MountSpec {
  const field = `HostConfig.Tmpfs[${target}]`;
  const err = targetError('tmpfs', target);
  if (err) throw badRequest(`${field}: ${err}`);
  const mount: MountSpec = { type: 'tmpfs', source: '', target, readOnly: false, origin: 'tmpfs', tmpfsSize: 0, tmpfsText: opts };
  const extra: string[] = [];
  for (const opt of opts
    .split(',')
    .map((o) => o.trim())
    .filter((o) => o !== '')) {
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

/** Config.Volumes: `{"/path": {}}` → its absolute paths (each an anonymous volume unless mounted otherwise). */
export function parseConfigVolumes(cfg: Json): string[] {
  const paths = Object.keys(objectField(cfg, 'Volumes', 'Volumes'));
  for (const p of paths) {
    const err = targetError('volume', p);
    if (err) throw badRequest(`invalid volume specification: '${p}': ${err}`);
  }
  return paths;
}

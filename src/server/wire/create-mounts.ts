/**
 * HostConfig.Binds, HostConfig.Mounts and HostConfig.Tmpfs → MountSpec[],
 * with Docker's rules and texts. A volume entry keeps its name ('' for an
 * anonymous one); the engine creates or finds the volume at create.
 */
import path from 'node:path';
import { MOUNT_PROPAGATIONS, validMountMode, type MountSpec } from '../../engine/api.js';
import { badRequest } from '../errors.js';
import { boolField, intField, objectField, parseRamBytes, stringField, stringMapField } from './body-fields.js';
import type { Json } from './body-fields.js';

type MountType = MountSpec['type'];

const mountError = (type: string, detail: string) => `invalid mount config for type "${type}": ${detail}`;

/** moby's checks of a destination (not "/" after cleaning, absolute): the bare text, or ''. */
function destinationError(target: string): string {
  if (path.posix.normalize(target) === '/') return "invalid specification: destination can't be '/'";
  if (!target.startsWith('/')) return `invalid mount path: '${target}' mount path must be absolute`;
  return '';
}

/** A Binds or Mounts destination, in moby's order (empty, "/", relative), as a mount-config error; or ''. */
function targetError(type: string, target: string): string {
  if (target === '') return mountError(type, 'field Target must not be empty');
  const err = destinationError(target);
  return err ? mountError(type, err) : '';
}

/**
 * One Binds entry, as moby's ParseMountRaw: `/host:/ctr[:mode]` (bind),
 * `name:/ctr[:mode]` (named volume) or `/ctr` (anonymous volume); two
 * parts whose second is a mode (`/foo:rw`) are no volume.
 */
export function parseBind(spec: string): MountSpec {
  const invalidSpec = (detail?: string) => badRequest(`invalid volume specification: '${spec}'${detail ? `: ${detail}` : ''}`);
  const parts = spec.split(':');
  if (parts.length > 3 || parts[0] === '' || (parts.length === 2 && validMountMode(parts[1]))) throw invalidSpec();
  const [source, target, mode = ''] = parts.length === 1 ? ['', parts[0]] : parts;
  if (!validMountMode(mode)) throw badRequest(`invalid mode: ${mode}`);
  const type: MountType = source.startsWith('/') ? 'bind' : 'volume';
  const err = targetError(type, target);
  if (err) throw invalidSpec(err);
  if (source === '') return { type: 'volume', name: '', source: '', target, readOnly: false, origin: 'binds', mode: '' };
  const mount: MountSpec =
    type === 'bind'
      ? { type, source, target, readOnly: false, origin: 'binds', mode }
      : { type, name: source, source: '', target, readOnly: false, origin: 'binds', mode: mode || 'z' };
  for (const opt of mode.split(',')) {
    if (opt === 'ro' || opt === 'rw') mount.readOnly = opt === 'ro';
    else if (opt === 'nocopy') {
      if (type === 'bind') throw invalidSpec(mountError('bind', 'field VolumeOptions must not be specified'));
      mount.noCopy = true;
    } else if (MOUNT_PROPAGATIONS.has(opt)) {
      if (type === 'volume') throw invalidSpec(mountError('volume', 'field BindOptions must not be specified'));
      mount.propagation = opt;
    }
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
  if (!source.startsWith('/')) throw badRequest(mountError('bind', `invalid mount path: '${source}' mount path must be absolute`));
  const propagation = stringField(objectField(m, 'BindOptions', `${field}.BindOptions`), 'Propagation', `${field}.BindOptions.Propagation`);
  if (propagation && !MOUNT_PROPAGATIONS.has(propagation)) throw badRequest(mountError('bind', `invalid propagation mode: ${propagation}`));
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
  const target = stringField(m, 'Target', `${field}.Target`);
  const err = targetError(type, target);
  if (err) throw badRequest(err);
  if (type !== 'bind' && type !== 'volume' && type !== 'tmpfs') throw badRequest(mountError(type, 'mount type unknown'));
  const readOnly = boolField(m, 'ReadOnly', `${field}.ReadOnly`);
  if (type === 'volume') return volumeEntry(m, field, target, readOnly);
  if (type === 'bind') return bindEntry(m, field, target, readOnly);
  return tmpfsEntry(m, field, target, readOnly);
}

/** One HostConfig.Tmpfs entry: `/path` → "size=64m,mode=1777,noexec". */
export function parseTmpfs(target: string, opts: string): MountSpec {
  const field = `HostConfig.Tmpfs[${target}]`;
  // dockerd's ValidateTmpfsMountDestination: the bare texts.
  const err = destinationError(target);
  if (err) throw badRequest(err);
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

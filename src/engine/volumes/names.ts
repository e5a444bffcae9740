/**
 * Docker's rules for volume names and driver options (local driver). Pure.
 * The mode of a Binds or VolumesFrom entry is ../model/mount-modes.ts.
 */
import { randomBytes } from 'node:crypto';
import { invalid, notFound } from '../errors.js';
import type { FsMount } from '../host/mount.js';

const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** Docker's texts: too short, or characters outside `[a-zA-Z0-9][a-zA-Z0-9_.-]`. */
export function validateVolumeName(name: string): void {
  if (name.length < 2 && /^[a-zA-Z0-9]*$/.test(name)) {
    throw invalid('BERTH_VOLUME_BAD_NAME', `create ${name}: volume name is too short, names should be at least two alphanumeric characters`);
  }
  if (!NAME_RE.test(name)) {
    throw invalid(
      'BERTH_VOLUME_BAD_NAME',
      `create ${name}: "${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`,
    );
  }
}

/** Only Docker's built-in local driver exists here. */
export function validateDriver(name: string, driver: string): string {
  if (driver === '' || driver === 'local') return 'local';
  throw notFound('BERTH_VOLUME_NO_DRIVER', `create ${name}: error looking up volume plugin ${driver}: plugin "${driver}" not found`);
}

const OPTION_KEYS = new Set(['type', 'device', 'o']);

/** The local driver's options: type, device, o (mount(8)'s -t, source and -o). */
export function validateDriverOptions(name: string, options: Record<string, string>): void {
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.has(key)) throw invalid('BERTH_VOLUME_BAD_OPTION', `create ${name}: invalid option: "${key}"`);
  }
  if ((options.type ?? '') !== '' && (options.device ?? '') === '') {
    throw invalid('BERTH_VOLUME_BAD_OPTION', `create ${name}: missing required option: "device"`);
  }
  if ((options.device ?? '') !== '' && (options.type ?? '') === '') {
    throw invalid('BERTH_VOLUME_BAD_OPTION', `create ${name}: missing required option: "type"`);
  }
}

/** Whether the volume's data is a mount of its own (made at first use, undone at last). */
export function needsMount(options: Record<string, string>): boolean {
  return (options.device ?? '') !== '';
}

/** The mount of a volume with driver options (validateDriverOptions made sure type and device are set). Pure. */
export function driverMount(options: Record<string, string>, target: string): FsMount {
  return { type: options.type ?? '', source: options.device ?? '', options: options.o ?? '', target };
}

/** A 64-hex name, as Docker names anonymous volumes. */
export function anonymousVolumeName(): string {
  return randomBytes(32).toString('hex');
}

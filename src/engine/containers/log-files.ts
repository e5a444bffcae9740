/**
 * The files of one container's log and the limits that bound them. conmon
 * writes `ctr.log`; berth rotates it by renaming it to `ctr.log.<seq>`,
 * where seq only ever grows (the oldest kept file has the smallest). A
 * rotation is one rename, so a crash at any point leaves every line in
 * exactly one file, and readers order the files by seq without any state
 * outside the directory. Pure helpers plus one directory listing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { EngineError } from '../errors.js';
import type { LogConfig } from '../model/container.js';

/** How a container's log is kept. */
export interface LogLimits {
  /** `docker logs` may read it (false for the `none` driver; attach still follows the file). */
  readable: boolean;
  /** Bytes at which ctr.log is rotated; 0 = never. */
  maxSize: number;
  /** Files kept, the current one included (Docker's max-file); at least 1. */
  maxFile: number;
}

/** What the `none` driver keeps: a small window that only attach followers read. */
const NONE_MAX_SIZE = 1024 * 1024;

/** Docker's `local` driver defaults (berth keeps it as k8s-file too, uncompressed). */
const LOCAL_DEFAULTS = { maxSize: 20 * 1024 * 1024, maxFile: 5 };

/**
 * The limits for a container. json-file (and an absent LogConfig) rotate at
 * `max-size`, or at the daemon's --log-size-max when the container gives
 * none, keeping `max-file` files (default 1, as in Docker); `local` has
 * Docker's defaults of 20 MiB × 5. Values were validated at create
 * (validateLogConfig); one that does not parse falls back to the default.
 */
export function logLimits(config: LogConfig | undefined, daemonMaxSize: number): LogLimits {
  if (config?.type === 'none') return { readable: false, maxSize: NONE_MAX_SIZE, maxFile: 1 };
  const local = config?.type === 'local';
  const maxSize = parseLogSize(config?.config['max-size'] ?? '') ?? (local ? LOCAL_DEFAULTS.maxSize : daemonMaxSize);
  const maxFile = Number(config?.config['max-file'] ?? (local ? LOCAL_DEFAULTS.maxFile : 1));
  return { readable: true, maxSize: Math.max(0, maxSize), maxFile: Number.isInteger(maxFile) && maxFile >= 1 ? maxFile : 1 };
}

/**
 * How far past max-size berth's rotation may fall behind before conmon's
 * own cap steps in (at least). Generous: a writer at full speed (~300 MB/s
 * from `yes`) while berth serves a follower can run 100 MB ahead of a
 * rotation; a 16 MiB slack lost bytes of a 50 MB burst in the benchmark.
 */
const BACKSTOP_SLACK = 256 * 1024 * 1024;

/**
 * conmon's own --log-size-max for these limits (0 = none): a backstop, not
 * the rotation. berth rotates at max-size without losing a line
 * (log-rotation.ts); conmon's cap replaces the file and would lose what a
 * reader had not read yet, so it sits well above max-size and acts only
 * when berth cannot keep up or is not running (containers outlive berthd):
 * a container writing at full speed then still cannot fill the disk. Pure.
 */
export function logBackstop(limits: LogLimits): number {
  return limits.maxSize > 0 ? limits.maxSize + Math.max(BACKSTOP_SLACK, limits.maxSize) : 0;
}

/** Options each driver berth has accepts (Docker's names; compress only as "false"). */
const DRIVER_OPTS: Record<string, string[]> = {
  'json-file': ['max-size', 'max-file', 'compress', 'labels', 'labels-regex', 'env', 'env-regex', 'tag'],
  local: ['max-size', 'max-file', 'compress'],
  none: [],
};

/** Drivers dockerd has built in that berth does not (they name no plugin to look up). */
const DOCKER_ONLY_DRIVERS = new Set(['journald', 'syslog', 'gelf', 'fluentd', 'awslogs', 'splunk', 'etwlogs', 'gcplogs', 'logentries']);

/** Checks a LogConfig at create with dockerd's wording; throws invalid-parameter. */
export function validateLogConfig(config: LogConfig): void {
  const allowed = DRIVER_OPTS[config.type];
  if (!allowed) {
    if (DOCKER_ONLY_DRIVERS.has(config.type)) {
      throw new EngineError(
        'invalid-parameter',
        'BERTH_LOGS_BAD_DRIVER',
        `log driver ${config.type} is not supported by berth (json-file, local and none are)`,
      );
    }
    throw new EngineError('invalid-parameter', 'BERTH_LOGS_BAD_DRIVER', `error looking up logging plugin ${config.type}: plugin "${config.type}" not found`);
  }
  if (config.type === 'none') return; // dockerd accepts options with none and ignores them
  for (const [key, value] of Object.entries(config.config)) {
    if (!allowed.includes(key)) throw badOpt(`unknown log opt '${key}' for ${config.type} log driver`);
    if (key === 'compress' && value !== 'false') throw badOpt('compress: berth does not compress rotated log files');
  }
  const size = config.config['max-size'];
  if (size !== undefined) {
    const bytes = parseLogSize(size);
    if (bytes === undefined) throw badOpt(`invalid size: '${size}'`);
    if (bytes <= 0) throw badOpt('max-size must be a positive number');
  }
  const files = config.config['max-file'];
  if (files !== undefined) {
    if (!/^-?\d+$/.test(files)) throw badOpt(`strconv.Atoi: parsing "${files}": invalid syntax`);
    if (Number(files) < 1) throw badOpt('max-file cannot be less than 1');
  }
}

function badOpt(message: string): EngineError {
  return new EngineError('invalid-parameter', 'BERTH_LOGS_BAD_OPT', message);
}

const UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/** Docker's RAM size syntax ("10m", "1.5g", "512kb", "1KiB"; binary multiples); undefined when it does not parse. */
export function parseLogSize(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?) ?([kmgtp])?i?b?$/i.exec(text.trim());
  if (!m) return undefined;
  return Math.floor(Number(m[1]) * UNITS[(m[2] ?? '').toLowerCase()]);
}

/** A rotated file: `<current>.<seq>`. */
export interface RotatedFile {
  seq: number;
  path: string;
}

export function rotatedPath(current: string, seq: number): string {
  return `${current}.${seq}`;
}

/**
 * The rotated files of the log at `current`, oldest first. Synchronous: the
 * container's directory holds a handful of entries (its dirs, etc files,
 * the logs), and a read costs the loop less than a thread-pool round trip.
 */
export function listRotated(current: string): RotatedFile[] {
  const base = path.basename(current);
  const names = readdirOrEmpty(path.dirname(current));
  return rotatedOf(base, names).map((seq) => ({ seq, path: rotatedPath(current, seq) }));
}

function readdirOrEmpty(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

/** The seqs of the rotated files among directory entries `names`, ascending. Pure. */
export function rotatedOf(base: string, names: string[]): number[] {
  const seqs: number[] = [];
  for (const name of names) {
    if (!name.startsWith(`${base}.`)) continue;
    const rest = name.slice(base.length + 1);
    if (/^\d{1,15}$/.test(rest)) seqs.push(Number(rest));
  }
  return seqs.sort((a, b) => a - b);
}

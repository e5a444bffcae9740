/**
 * Container rlimits: Docker's ulimit names, the NOFILE default, and the
 * clamp to the daemon's own hard limits (an unprivileged raise is refused
 * by the kernel, and runc would fail the whole start).
 */
import { invalid } from '../errors.js';
import type { Ulimit } from '../model/container.js';
import type { OciRlimit } from './oci-types.js';

/** Docker 29 (containerd 2.1.5) default: `ulimit -n` 1024:1024. */
export const DEFAULT_NOFILE = 1024;

/** Docker's ulimit names (go-units) → RLIMIT_*; "as" is refused there too. */
const ULIMIT_NAMES: Record<string, string> = {
  core: 'RLIMIT_CORE',
  cpu: 'RLIMIT_CPU',
  data: 'RLIMIT_DATA',
  fsize: 'RLIMIT_FSIZE',
  locks: 'RLIMIT_LOCKS',
  memlock: 'RLIMIT_MEMLOCK',
  msgqueue: 'RLIMIT_MSGQUEUE',
  nice: 'RLIMIT_NICE',
  nofile: 'RLIMIT_NOFILE',
  nproc: 'RLIMIT_NPROC',
  rss: 'RLIMIT_RSS',
  rtprio: 'RLIMIT_RTPRIO',
  rttime: 'RLIMIT_RTTIME',
  sigpending: 'RLIMIT_SIGPENDING',
  stack: 'RLIMIT_STACK',
};

export type HostRlimits = Record<string, { soft: number; hard: number }>;

/** -1, negative and non-finite values all mean RLIM_INFINITY. */
const norm = (v: number): number => (Number.isFinite(v) && v >= 0 ? v : Infinity);

/** "nofile" (or "RLIMIT_NOFILE") → "RLIMIT_NOFILE"; Docker's error text otherwise. */
export function rlimitType(name: string): string {
  const key = name
    .trim()
    .toLowerCase()
    .replace(/^rlimit_/, '');
  const type = ULIMIT_NAMES[key];
  if (!type) throw invalid('BERTH_ULIMIT_UNKNOWN', `invalid ulimit type: ${name}`);
  return type;
}

/**
 * NOFILE 1024:1024 unless a ulimit overrides it, then each ulimit (a later
 * entry of the same name wins). Every hard value above the host's hard
 * limit is lowered to it (soft too, when above) and reported in `warnings`.
 * soft > hard as given is an invalid-parameter error, as in Docker.
 */
export function buildRlimits(ulimits: Ulimit[], host: HostRlimits, warnings: string[]): OciRlimit[] {
  const byType = new Map<string, OciRlimit>();
  byType.set('RLIMIT_NOFILE', { type: 'RLIMIT_NOFILE', hard: DEFAULT_NOFILE, soft: DEFAULT_NOFILE });
  for (const u of ulimits) {
    const type = rlimitType(u.name);
    const soft = norm(u.soft);
    const hard = norm(u.hard);
    if (soft > hard) {
      throw invalid('BERTH_ULIMIT_INVALID', `ulimit soft limit must be less than or equal to hard limit: ${u.soft} > ${u.hard}`);
    }
    byType.set(type, { type, hard, soft });
  }
  return [...byType.values()].map((r) => clampRlimit(r, host, warnings));
}

function clampRlimit(r: OciRlimit, host: HostRlimits, warnings: string[]): OciRlimit {
  const limit = host[r.type];
  if (!limit) return r;
  const hostHard = norm(limit.hard);
  if (r.hard <= hostHard) return r;
  const clamped = { type: r.type, hard: hostHard, soft: Math.min(r.soft, hostHard) };
  warnings.push(
    `${r.type} ${fmt(r.soft)}:${fmt(r.hard)} is above the daemon's hard limit ${fmt(hostHard)}; ` + `using ${fmt(clamped.soft)}:${fmt(clamped.hard)}`,
  );
  return clamped;
}

const fmt = (v: number) => (v === Infinity ? 'unlimited' : String(v));

/** Parses /proc/<pid>/limits into RLIMIT_* → {soft, hard}; "unlimited" → Infinity. */
export function parseProcLimits(text: string): HostRlimits {
  const names: Record<string, string> = {
    'max cpu time': 'RLIMIT_CPU',
    'max file size': 'RLIMIT_FSIZE',
    'max data size': 'RLIMIT_DATA',
    'max stack size': 'RLIMIT_STACK',
    'max core file size': 'RLIMIT_CORE',
    'max resident set': 'RLIMIT_RSS',
    'max processes': 'RLIMIT_NPROC',
    'max open files': 'RLIMIT_NOFILE',
    'max locked memory': 'RLIMIT_MEMLOCK',
    'max address space': 'RLIMIT_AS',
    'max file locks': 'RLIMIT_LOCKS',
    'max pending signals': 'RLIMIT_SIGPENDING',
    'max msgqueue size': 'RLIMIT_MSGQUEUE',
    'max nice priority': 'RLIMIT_NICE',
    'max realtime priority': 'RLIMIT_RTPRIO',
    'max realtime timeout': 'RLIMIT_RTTIME',
  };
  const out: HostRlimits = {};
  for (const line of text.split('\n')) {
    const m = /^(Max [a-z ]+?)\s{2,}(\S+)\s+(\S+)/.exec(line);
    const type = m ? names[m[1].toLowerCase()] : undefined;
    if (!m || !type) continue;
    const val = (s: string) => (s === 'unlimited' ? Infinity : Number(s));
    out[type] = { soft: val(m[2]), hard: val(m[3]) };
  }
  return out;
}

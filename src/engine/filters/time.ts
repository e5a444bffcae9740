/**
 * Time values of filters (`until`, and later events' since/until), read as
 * dockerd reads them (moby api/types/time GetTimestamp):
 *
 * 1. a Go duration (`10m`, `1h30m`, `1.5h`, `-2h`, `300ms`), counted back
 *    from `now` and cut to whole seconds — except the bare `0`;
 * 2. an RFC 3339 time or a prefix of one: `2006-01-02`, `2006-01-02T15`,
 *    `2006-01-02T15:04`, `2006-01-02T15:04:05`, each optionally with
 *    fractional seconds (after the seconds only) and a zone `Z` or `±07:00`;
 *    without a zone it is the daemon's local time;
 * 3. unix seconds with an optional fraction (`1700000000`, `1700000000.5`).
 *
 * Anything else is invalid-parameter with Docker's text
 * `failed to parse value as time or duration: "<v>"`; a value with a `-`
 * that is not a valid time fails as a time (Docker returns Go's parse error).
 */
import { invalid } from '../errors.js';

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, μs: 1e-3, ms: 1, s: 1e3, m: 6e4, h: 3.6e6 };
// µ (U+00B5) and μ (U+03BC) as escapes: the bundle must be ASCII (scripts/bundle-berthd.mjs).
const DURATION_RE = /^(?:(?:\d+\.?\d*|\.\d+)(?:ns|us|\u00b5s|\u03bcs|ms|s|m|h))+$/;
const DURATION_PART_RE = /(\d+\.?\d*|\.\d+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)/g;
const TIME_RE = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2})(?::(\d{2})(?::(\d{2})(\.\d{1,9})?)?)?)?(Z|[+-]\d{2}:\d{2})?$/;

/** A Go duration (time.ParseDuration) in milliseconds, or undefined if `s` is not one. */
export function parseGoDuration(s: string): number | undefined {
  const sign = s.startsWith('-') ? -1 : 1;
  const body = s.startsWith('-') || s.startsWith('+') ? s.slice(1) : s;
  if (body === '0') return 0;
  if (!DURATION_RE.test(body)) return undefined;
  let ms = 0;
  for (const m of body.matchAll(DURATION_PART_RE)) ms += Number(m[1]) * UNIT_MS[m[2]];
  return sign * ms;
}

/**
 * Why Go's time.ParseDuration refuses `s` (call it only when parseGoDuration
 * did), in Go's words: `time: missing unit in duration "5"`, `time: unknown
 * unit "x" in duration "1x"`, else `time: invalid duration "…"`.
 */
export function goDurationError(s: string): string {
  const body = s.replace(/^[-+]/, '');
  const part = /(\d+\.?\d*|\.\d+)([^\d.]*)/y;
  for (let m = part.exec(body); m; m = part.exec(body)) {
    if (m[2] === '') return `time: missing unit in duration ${JSON.stringify(s)}`;
    if (parseGoDuration(`1${m[2]}`) === undefined) return `time: unknown unit ${JSON.stringify(m[2])} in duration ${JSON.stringify(s)}`;
    if (part.lastIndex === body.length) break;
  }
  return `time: invalid duration ${JSON.stringify(s)}`;
}

/** A filter's time value as unix milliseconds (see the module comment). */
export function parseFilterTime(value: string, now: number): number {
  const duration = value === '0' ? undefined : parseGoDuration(value);
  if (duration !== undefined) return Math.floor((now - duration) / 1000) * 1000;
  const time = parseRfc3339ish(value);
  if (time !== undefined) return time;
  if (value.includes('-')) throw invalid('BERTH_FILTER_BAD_TIME', `parsing time ${JSON.stringify(value)}: not a valid RFC 3339 time`);
  if (!/^\d+(\.\d+)?$/.test(value)) {
    throw invalid('BERTH_FILTER_BAD_TIME', `failed to parse value as time or duration: ${JSON.stringify(value)}`);
  }
  return Number(value) * 1000;
}

/** The RFC 3339 forms GetTimestamp accepts, or undefined (also for out-of-range fields). */
function parseRfc3339ish(value: string): number | undefined {
  const m = TIME_RE.exec(value);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map((v) => Number(v ?? 0));
  const ms = m[7] ? Math.floor(Number(`0${m[7]}`) * 1000) : 0;
  const asUtc = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  const back = new Date(asUtc);
  const inRange =
    back.getUTCFullYear() === y &&
    back.getUTCMonth() === mo - 1 &&
    back.getUTCDate() === d &&
    back.getUTCHours() === h &&
    back.getUTCMinutes() === mi &&
    back.getUTCSeconds() === s;
  if (!inRange) return undefined;
  const zone = m[8];
  if (zone === undefined) return new Date(y, mo - 1, d, h, mi, s, ms).getTime();
  if (zone === 'Z') return asUtc;
  const offsetMin = (zone.startsWith('-') ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  return asUtc - offsetMin * 60_000;
}

/**
 * Docker query-string conventions. Route schemas deliver query values as
 * strings (or arrays of strings when a key repeats); these helpers turn them
 * into typed values with Docker's rules and 400s that name the parameter.
 */
import { decodeFilters, type Filters } from '../engine/api.js';
import { badRequest } from './errors.js';

/** A raw query value as Fastify hands it over. */
export type QueryValue = string | string[] | undefined;

/** The query object of a request, loosely typed. */
export type Query = Record<string, QueryValue>;

const FALSE_WORDS = new Set(['', '0', 'no', 'false', 'none']);

function last(v: QueryValue): string | undefined {
  return Array.isArray(v) ? v[v.length - 1] : v;
}

/**
 * Docker boolean: false for '', '0', 'no', 'false', 'none' (any case), true
 * for anything else; `def` when absent. A repeated key uses its last value.
 */
export function queryBool(v: QueryValue, def = false): boolean {
  const s = last(v);
  if (s === undefined) return def;
  return !FALSE_WORDS.has(s.trim().toLowerCase());
}

/**
 * A base-10 integer (sign allowed). Absent or '' → `def`; anything else that
 * is not an integer → 400 naming `name`.
 */
export function queryInt(v: QueryValue, name: string, def: number): number;
export function queryInt(v: QueryValue, name: string, def: null): number | null;
export function queryInt(v: QueryValue, name: string, def: number | null): number | null {
  const s = last(v);
  if (s === undefined || s === '') return def;
  if (!/^[+-]?\d+$/.test(s.trim())) throw badRequest(`invalid value for ${name}: "${s}" is not an integer`);
  const n = Number(s.trim());
  if (!Number.isSafeInteger(n)) throw badRequest(`invalid value for ${name}: "${s}" is out of range`);
  return n;
}

/** A string parameter; `def` when absent. */
export function queryString(v: QueryValue, def = ''): string {
  return last(v) ?? def;
}

/** A repeatable parameter (`changes=a&changes=b`) as a list; [] when absent. */
export function queryList(v: QueryValue): string[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

/**
 * Unix time in seconds with an optional fraction ("1795862941.000000000"),
 * as logs `since`/`until` take it. Absent or '' → 0. Malformed → 400.
 */
export function queryUnixTime(v: QueryValue, name: string): number {
  const s = last(v);
  if (s === undefined || s === '') return 0;
  if (!/^\d+(\.\d+)?$/.test(s.trim())) throw badRequest(`invalid value for ${name}: "${s}" is not a unix timestamp`);
  return Number(s.trim());
}

/**
 * The `filters` parameter, only decoded (both JSON encodings); the engine's
 * filters module validates keys and owns every matching rule. Malformed
 * JSON → 400 `invalid filter: …`.
 */
export function queryFilters(v: QueryValue): Filters {
  const s = last(v);
  return decodeFilters(s === '' ? undefined : s);
}

/**
 * Typed readers for fields of a JSON request body. Each names the field in
 * its 400 message (`HostConfig.Memory must be …`) so clients see what was
 * wrong. `null` and absent are treated alike unless a reader says otherwise.
 */
import { badRequest } from '../errors.js';

export type Json = Record<string, unknown>;

/** The object at `obj[key]`, {} when absent or null; 400 for a non-object. */
export function objectField(obj: Json, key: string, path: string): Json {
  const v = obj[key];
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw badRequest(`${path} must be an object`);
  return v as Json;
}

export function stringField(obj: Json, key: string, path: string, def = ''): string {
  const v = obj[key];
  if (v === undefined || v === null) return def;
  if (typeof v !== 'string') throw badRequest(`${path} must be a string`);
  return v;
}

export function boolField(obj: Json, key: string, path: string, def = false): boolean {
  const v = obj[key];
  if (v === undefined || v === null) return def;
  if (typeof v !== 'boolean') throw badRequest(`${path} must be a boolean`);
  return v;
}

/** A safe integer ≥ `min` (default 0); `def` when absent or null; 400 when out of range. */
export function intField(obj: Json, key: string, path: string, def: number, min = 0): number {
  const v = obj[key];
  if (v === undefined || v === null) return def;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw badRequest(`${path} must be an integer`);
  // Beyond 2^53 a JSON number has already lost precision; Docker's int64 fields reject 1e30 too.
  if (!Number.isSafeInteger(v)) throw badRequest(`${path} is out of range`);
  if (v < min) throw badRequest(min === 0 ? `${path} must not be negative` : `${path} must be at least ${min}`);
  return v;
}

/** A list of strings; [] when absent or null. */
export function stringListField(obj: Json, key: string, path: string): string[] {
  const v = obj[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) {
    throw badRequest(`${path} must be a list of strings`);
  }
  return v;
}

/**
 * Docker's StrSlice: a string (one element) or a list of strings; null when
 * absent or null.
 */
export function strSliceField(obj: Json, key: string, path: string): string[] | null {
  const v = obj[key];
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return [v];
  return stringListField(obj, key, path);
}

/** A map of string → string; {} when absent or null. */
export function stringMapField(obj: Json, key: string, path: string): Record<string, string> {
  const m = objectField(obj, key, path);
  for (const [k, v] of Object.entries(m)) {
    if (typeof v !== 'string') throw badRequest(`${path}.${k} must be a string`);
  }
  return m as Record<string, string>;
}

/**
 * Byte sizes as go-units RAMInBytes reads them: a number with an optional
 * binary unit b, k, m, g, t, p (with optional trailing "b"/"ib"), any case.
 */
export function parseRamBytes(s: string, path: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgtp]?)(i?b)?$/i.exec(s.trim());
  if (!m) throw badRequest(`${path}: invalid size "${s}"`);
  const power = ' kmgtp'.indexOf(m[2].toLowerCase() || ' ');
  return Math.trunc(Number(m[1]) * 1024 ** power);
}

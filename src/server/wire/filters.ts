/**
 * Docker's `filters` query parameter: URL-encoded JSON in either the map form
 * `{"label":{"k=v":true}}` (docker CLI) or the list form `{"label":["k=v"]}`
 * (docker-py). Unknown keys are left for the engine to reject.
 */
import type { Filters } from '../../engine/api.js';
import { badRequest } from '../errors.js';

/**
 * Parses a filters value into key → values. Absent or '' → empty map.
 * Map-form entries whose value is false are skipped (Docker only ever sends
 * true). Malformed JSON or a wrong shape → 400 `invalid filter: …`.
 */
export function parseFilters(raw: string | undefined): Filters {
  const filters: Filters = new Map();
  if (raw === undefined || raw.trim() === '') return filters;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw badRequest(`invalid filter: ${(err as Error).message}`);
  }
  if (parsed === null) return filters;
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw badRequest('invalid filter: expected a JSON object');
  }
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
    filters.set(key, filterValues(key, value));
  }
  return filters;
}

function filterValues(key: string, value: unknown): string[] {
  if (Array.isArray(value)) {
    if (!value.every((v) => typeof v === 'string')) {
      throw badRequest(`invalid filter: values of '${key}' must be strings`);
    }
    return value;
  }
  if (value !== null && typeof value === 'object') {
    const out: string[] = [];
    for (const [v, on] of Object.entries(value as Record<string, unknown>)) {
      if (typeof on !== 'boolean') throw badRequest(`invalid filter: value of '${key}' entry '${v}' must be a boolean`);
      if (on) out.push(v);
    }
    return out;
  }
  throw badRequest(`invalid filter: '${key}' must be a list or a map`);
}

/**
 * Filters of `GET /volumes` (name, label, driver, dangling) and of
 * `POST /volumes/prune` (label, label!, all). OR within a key except
 * labels (every label must match), AND across keys; unknown keys are
 * Docker's 400 "Invalid filter 'x'". Pure.
 */
import type { Filters } from '../api.js';
import { invalid } from '../errors.js';
import type { VolumeRecord } from './types.js';

export type VolumePredicate = (v: VolumeRecord, inUse: boolean) => boolean;

const LIST_KEYS = new Set(['name', 'label', 'driver', 'dangling']);
const PRUNE_KEYS = new Set(['label', 'label!', 'all']);

function unknownKey(keys: Set<string>, filters: Filters): void {
  for (const key of filters.keys()) if (!keys.has(key)) throw invalid('BERTH_FILTER_UNKNOWN', `Invalid filter '${key}'`);
}

/** Docker's boolean filter values. */
export function boolFilter(key: string, values: string[]): boolean | undefined {
  if (values.length === 0) return undefined;
  const v = values[values.length - 1].toLowerCase();
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw invalid('BERTH_FILTER_BAD_VALUE', `Invalid filter '${key}=[${values.join(' ')}]'`);
}

/** `key` or `key=value` against labels. */
export function labelMatches(labels: Record<string, string>, spec: string): boolean {
  const eq = spec.indexOf('=');
  if (eq < 0) return Object.hasOwn(labels, spec);
  const k = spec.slice(0, eq);
  return Object.hasOwn(labels, k) && labels[k] === spec.slice(eq + 1);
}

function nameMatches(name: string, pattern: string): boolean {
  try {
    return new RegExp(pattern).test(name);
  } catch {
    return name.includes(pattern);
  }
}

export function buildListFilter(filters: Filters): VolumePredicate {
  unknownKey(LIST_KEYS, filters);
  const names = filters.get('name') ?? [];
  const labels = filters.get('label') ?? [];
  const drivers = filters.get('driver') ?? [];
  const dangling = boolFilter('dangling', filters.get('dangling') ?? []);
  return (v, inUse) =>
    (names.length === 0 || names.some((n) => nameMatches(v.name, n))) &&
    labels.every((l) => labelMatches(v.labels, l)) &&
    (drivers.length === 0 || drivers.includes(v.driver)) &&
    (dangling === undefined || dangling === !inUse);
}

/**
 * Prune: unused volumes matching the labels; anonymous ones only unless
 * `all` (API 1.42's rule; the server sets `all` for older API versions,
 * where prune removed named volumes too).
 */
export function buildPruneFilter(filters: Filters): VolumePredicate {
  unknownKey(PRUNE_KEYS, filters);
  const labels = filters.get('label') ?? [];
  const notLabels = filters.get('label!') ?? [];
  const all = boolFilter('all', filters.get('all') ?? []) ?? false;
  return (v, inUse) =>
    !inUse &&
    (all || v.anonymous) &&
    labels.every((l) => labelMatches(v.labels, l)) &&
    !notLabels.some((l) => labelMatches(v.labels, l));
}

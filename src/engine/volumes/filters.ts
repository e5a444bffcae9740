/**
 * Filters of `GET /volumes` (name, label, driver, dangling) and of
 * `POST /volumes/prune` (label, label!, all), through the shared filters
 * module: unknown keys are Docker's 400 "Invalid filter 'x'", names match
 * as moby's Match (exact or unanchored regexp), labels as MatchKVList.
 */
import type { Filters } from '../filters/index.js';
import { parseFilters } from '../filters/index.js';
import type { VolumeRecord } from '../model/volume.js';

export type VolumePredicate = (v: VolumeRecord, inUse: boolean) => boolean;

const LIST_KEYS: ReadonlySet<string> = new Set(['name', 'label', 'driver', 'dangling']);
const PRUNE_KEYS: ReadonlySet<string> = new Set(['label', 'label!', 'all']);

export function buildListFilter(filters: Filters): VolumePredicate {
  const args = parseFilters(filters, LIST_KEYS);
  const dangling = args.has('dangling') ? args.bool('dangling', false) : undefined;
  return (v, inUse) =>
    args.matchRegexp('name', v.name) &&
    args.matchLabels('label', v.labels) &&
    args.matchExact('driver', v.driver) &&
    (dangling === undefined || dangling === !inUse);
}

/**
 * Prune: unused volumes matching the labels; anonymous ones only unless
 * `all` (API 1.42's rule; the server sets `all` for older API versions,
 * where prune removed named volumes too).
 */
export function buildPruneFilter(filters: Filters): VolumePredicate {
  const args = parseFilters(filters, PRUNE_KEYS);
  const all = args.bool('all', false);
  return (v, inUse) => !inUse && (all || v.anonymous) && args.matchLabelFilters(v.labels);
}

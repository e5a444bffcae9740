/**
 * Filters of `GET /networks` (name, id, label, driver, scope, type,
 * dangling) and `POST /networks/prune` (label, label!, until), on the
 * shared filters module, with moby's semantics: name and id match as
 * unanchored expressions, driver exactly, labels all of them.
 */
import { invalid } from '../errors.js';
import { parseFilters, type Filters } from '../filters/index.js';
import { PREDEFINED } from './context.js';
import type { NetworkRecord } from '../model/network.js';

type Pred = (n: NetworkRecord) => boolean;

const LIST_KEYS: ReadonlySet<string> = new Set(['name', 'id', 'label', 'driver', 'type', 'dangling', 'scope']);
const PRUNE_KEYS: ReadonlySet<string> = new Set(['label', 'label!', 'until']);

/** `inUse(id)`: whether running containers are on a network (for dangling). */
export function networkListFilter(raw: Filters, inUse: (id: string) => boolean): Pred {
  const f = parseFilters(raw, LIST_KEYS);
  for (const t of f.values('type')) {
    if (t !== 'custom' && t !== 'builtin') throw invalid('BERTH_FILTER_INVALID', `Invalid filter: 'type'='${t}'`);
  }
  const dangling = f.has('dangling') ? f.bool('dangling', false) : undefined;
  return (n) =>
    f.matchRegexp('name', n.name) &&
    f.matchRegexp('id', n.id) &&
    f.matchExact('driver', n.driver) &&
    f.matchExact('scope', 'local') &&
    f.matchLabels('label', n.labels) &&
    f.matchAny('type', (t) => PREDEFINED.has(n.name) === (t === 'builtin')) &&
    (dangling === undefined || (!PREDEFINED.has(n.name) && inUse(n.id) !== dangling));
}

/** Prune: label / label! (moby's prune rule) and until (created at or before it, as for containers and images). */
export function networkPruneFilter(raw: Filters, now = Date.now()): Pred {
  const f = parseFilters(raw, PRUNE_KEYS);
  const createdUntil = f.createdUntil(now);
  return (n) => f.matchLabelFilters(n.labels) && createdUntil(n.created);
}

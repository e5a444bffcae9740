/**
 * Filters of `GET /networks` (name, id, label, driver, type, dangling) and
 * `POST /networks/prune` (label, label!, until). A small local adapter until
 * the shared filters module (src/engine/filters/) lands; then this file goes.
 */
import type { Filters } from '../api.js';
import { invalid } from '../errors.js';
import { labelFilter } from '../containers/filters.js';
import { PREDEFINED } from './context.js';
import type { NetworkRecord } from './types.js';

type Pred = (n: NetworkRecord) => boolean;

const LIST_KEYS = new Set(['name', 'id', 'label', 'driver', 'type', 'dangling', 'scope']);

/** `inUse(id)`: whether a network has endpoints (for dangling). */
export function networkListFilter(filters: Filters, inUse: (id: string) => boolean): Pred {
  const tests: Pred[] = [];
  for (const [key, values] of filters) {
    if (!LIST_KEYS.has(key)) throw invalid('BERTH_FILTER_UNKNOWN', `Invalid filter '${key}'`);
    if (values.length === 0) continue;
    const preds = values.map((v) => listPredicate(key, v, inUse));
    tests.push(key === 'label' ? (n) => preds.every((p) => p(n)) : (n) => preds.some((p) => p(n)));
  }
  return (n) => tests.every((t) => t(n));
}

function listPredicate(key: string, value: string, inUse: (id: string) => boolean): Pred {
  const labels = (n: NetworkRecord) => ({ spec: { labels: n.labels } });
  switch (key) {
    case 'name':
      return (n) => n.name.includes(value);
    case 'id':
      return (n) => n.id.startsWith(value);
    case 'label': {
      const match = labelFilter(value);
      return (n) => match(labels(n));
    }
    case 'driver':
      return (n) => n.driver === value;
    case 'scope':
      return () => value === 'local';
    case 'type':
      if (value !== 'custom' && value !== 'builtin') throw invalid('BERTH_FILTER_BAD_TYPE', `invalid filter: 'type'='${value}'`);
      return (n) => PREDEFINED.has(n.name) === (value === 'builtin');
    default: {
      const on = value === 'true' || value === '1';
      if (!on && value !== 'false' && value !== '0') throw invalid('BERTH_FILTER_BAD_DANGLING', `Invalid filter: 'dangling'='${value}'`);
      return (n) => !PREDEFINED.has(n.name) && inUse(n.id) !== on;
    }
  }
}

/** Prune: label / label! (all must hold) and until. */
export function networkPruneFilter(filters: Filters): Pred {
  const tests: Pred[] = [];
  const labels = (n: NetworkRecord) => ({ spec: { labels: n.labels } });
  for (const [key, values] of filters) {
    if (key === 'label') tests.push((n) => values.every((v) => labelFilter(v)(labels(n))));
    else if (key === 'label!') tests.push((n) => values.every((v) => !labelFilter(v)(labels(n))));
    else if (key === 'until') tests.push((n) => values.every((v) => Date.parse(n.created) < untilMs(v)));
    else throw invalid('BERTH_FILTER_UNKNOWN', `Invalid filter '${key}'`);
  }
  return (n) => tests.every((t) => t(n));
}

/** until: unix seconds, an RFC 3339 time, or a duration ("10m", "24h") before now. */
function untilMs(value: string): number {
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const d = /^(\d+)(s|m|h)$/.exec(value);
  if (d) return Date.now() - Number(d[1]) * { s: 1e3, m: 6e4, h: 3.6e6 }[d[2] as 's' | 'm' | 'h'];
  const parsed = Date.parse(value);
  if (Number.isNaN(parsed)) throw invalid('BERTH_FILTER_BAD_UNTIL', `Invalid filter 'until=${value}'`);
  return parsed;
}

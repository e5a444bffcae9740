/**
 * The `filters` of GET /events, matched as dockerd matches them (moby
 * daemon/events/filter.go): every key present must match; container,
 * volume, network and daemon match the actor's id or name by prefix; image
 * matches the id or the image name exactly (with or without its tag);
 * event matches the action exactly, except that health_status, exec_create
 * and exec_start also match their "action: detail" forms; label matches
 * Actor.Attributes.
 */
import { parseFilters, type FilterArgs, type Filters } from '../filters/index.js';

export const EVENT_FILTER_KEYS: ReadonlySet<string> = new Set([
  'config',
  'container',
  'daemon',
  'event',
  'image',
  'label',
  'network',
  'node',
  'plugin',
  'scope',
  'secret',
  'service',
  'type',
  'volume',
]);

const PREFIXED_ACTIONS = new Set(['health_status', 'exec_create', 'exec_start']);

/** What the matcher needs of an event. */
export interface MatchableEvent {
  type: string;
  action: string;
  id: string;
  attributes: Record<string, string>;
}

export type EventMatcher = (e: MatchableEvent) => boolean;

/** Validates `filters` (invalid-parameter on an unknown key) and returns the predicate. */
export function eventMatcher(raw: Filters | undefined): EventMatcher {
  const f = parseFilters(raw, EVENT_FILTER_KEYS);
  if (f.keys().length === 0) return () => true;
  return (e) =>
    matchAction(f, e.action) &&
    f.matchExact('type', e.type) &&
    f.matchExact('scope', 'local') &&
    byName(f, 'container', e) &&
    byName(f, 'volume', e) &&
    byName(f, 'network', e) &&
    byName(f, 'daemon', e) &&
    byName(f, 'plugin', e) &&
    byName(f, 'service', e) &&
    byName(f, 'node', e) &&
    byName(f, 'secret', e) &&
    byName(f, 'config', e) &&
    matchImage(f, e) &&
    f.matchLabels('label', e.attributes);
}

function matchAction(f: FilterArgs, action: string): boolean {
  const fuzzy = f.values('event').some((v) => PREFIXED_ACTIONS.has(v));
  return fuzzy ? f.matchPrefix('event', action) : f.matchExact('event', action);
}

/** A key naming an object type matches that type's events by id or name prefix (and no event of another type). */
function byName(f: FilterArgs, key: string, e: MatchableEvent): boolean {
  if (!f.has(key)) return true;
  if (e.type !== key) return false;
  return f.matchPrefix(key, e.id) || (e.attributes.name !== undefined && f.matchPrefix(key, e.attributes.name));
}

function matchImage(f: FilterArgs, e: MatchableEvent): boolean {
  if (!f.has('image')) return true;
  const name = (e.type === 'image' ? e.attributes.name : e.attributes.image) ?? '';
  return [e.id, name, stripTag(e.id), stripTag(name)].some((v) => f.matchExact('image', v));
}

/** "repo:tag" → "repo" (a ":" inside a registry host:port is not a tag). */
function stripTag(ref: string): string {
  const at = ref.indexOf('@');
  const name = at >= 0 ? ref.slice(0, at) : ref;
  const colon = name.lastIndexOf(':');
  return colon > name.lastIndexOf('/') && colon >= 0 ? name.slice(0, colon) : name;
}

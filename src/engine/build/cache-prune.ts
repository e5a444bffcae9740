/**
 * Which build cache links `POST /build/prune` forgets. dockerd 20.10 answers
 * the endpoint with BuildKit's prune for every builder (its classic builder
 * has no prune of its own), so the query is read as moby's
 * toBuildkitPruneInfo reads it:
 *
 * - keys: until / unused-for (synonyms, not both), id, parent, type,
 *   description, inuse, shared, private, and label / label! (accepted and
 *   ignored, dockerd's TODO); any other key is `Invalid filter 'k'`.
 * - until / unused-for and every cache field take at most one value
 *   (`filters expect only one value`); until is a Go duration only.
 * - until=d keeps what was recorded within the last d (BuildKit's
 *   KeepDuration); 0 keeps nothing back.
 * - a cache field is BuildKit's record filter: alone it needs the field
 *   present, with a value it needs that value (id: a regular expression).
 *   A link reads as a BuildKit record that is `regular`, private, not in
 *   use, with no parent and no description.
 * - keep-storage > 0: BuildKit prunes nothing while the cache is smaller
 *   than that; links take no bytes (their images are counted as images), so
 *   nothing goes. `all` only adds records shared with images: links never are.
 *
 * Every error is invalid-parameter, prefixed as dockerd's
 * (`failed to prune build cache: …`). Pure.
 */
import type { BuildPruneOptions } from '../api/build.js';
import { EngineError, invalid, isEngineError } from '../errors.js';
import { goDurationError, parseFilters, parseGoDuration, type FilterArgs } from '../filters/index.js';

/** A build cache link as prune sees it. */
export interface CacheLink {
  key: string;
  /** When the link was recorded, unix ms. */
  createdAt: number;
}

const CACHE_FIELDS = ['id', 'parent', 'type', 'description', 'inuse', 'shared', 'private'] as const;
type CacheField = (typeof CACHE_FIELDS)[number];
const ALLOWED = new Set<string>([...CACHE_FIELDS, 'until', 'unused-for', 'label', 'label!']);

const failed = (message: string) => invalid('BERTH_FILTER_INVALID', `failed to prune build cache: ${message}`);

/** A link's BuildKit record field: its value, or undefined when the record lacks it (false for inuse/shared). */
function fieldOf(link: CacheLink, field: CacheField): string | undefined {
  if (field === 'id') return link.key;
  if (field === 'type') return 'regular';
  if (field === 'private') return '';
  return undefined;
}

function matchesField(args: FilterArgs, link: CacheLink, field: CacheField): boolean {
  if (!args.contains(field)) return true;
  const value = fieldOf(link, field);
  if (value === undefined) return false;
  return field === 'id' ? args.matchRegexp(field, value) : args.matchExact(field, value);
}

/** The KeepDuration of until / unused-for in ms; 0 = none. */
function keepDuration(args: FilterArgs): number {
  if (args.has('until') && args.has('unused-for')) throw failed('conflicting filters: "until" and "unused-for"');
  const key = args.has('unused-for') ? 'unused-for' : 'until';
  const values = args.values(key);
  if (values.length === 0) return 0;
  const ms = parseGoDuration(values[0]);
  if (ms === undefined) {
    throw invalid('BERTH_FILTER_BAD_TIME', `failed to prune build cache: "${key}" filter expects a duration (e.g., '24h'): ${goDurationError(values[0])}`);
  }
  return ms;
}

function validated(opts: BuildPruneOptions): FilterArgs {
  let args: FilterArgs;
  try {
    args = parseFilters(opts.filters, ALLOWED);
  } catch (err) {
    if (!isEngineError(err)) throw err;
    throw new EngineError('invalid-parameter', 'BERTH_FILTER_INVALID', `failed to prune build cache: ${err.message}`);
  }
  for (const key of [...CACHE_FIELDS, 'until', 'unused-for']) {
    if (args.values(key).length > 1) throw failed('filters expect only one value');
  }
  return args;
}

/**
 * The predicate "prune forgets this link" for `opts` at `now` (unix ms).
 * Throws (invalid-parameter) on a bad query before any link is looked at.
 */
export function cachePruneSelector(opts: BuildPruneOptions, now: number): (link: CacheLink) => boolean {
  const args = validated(opts);
  const keep = keepDuration(args);
  if (opts.keepStorage > 0) return () => false;
  return (link) => (keep === 0 || link.createdAt <= now - keep) && CACHE_FIELDS.every((f) => matchesField(args, link, f));
}

/**
 * Validated filters and their typed matchers, after moby's filters.Args.
 * A key that is present with no values filters nothing (as every Args
 * matcher treats it), except that it is still checked against the allowed
 * keys. Values of a key are a set: duplicates collapse, order is kept.
 */
import { invalid } from '../errors.js';
import type { Filters } from './decode.js';
import { parseFilterTime } from './time.js';

/**
 * Docker's (v1.41) text for a bad filter: `what` is the key (`Invalid filter
 * 'x'`) or the key with its bad value (`'status=x'`, `'dangling=[a b]'`).
 */
export function invalidFilter(what: string) {
  return invalid('BERTH_FILTER_INVALID', `Invalid filter '${what}'`);
}

/** Labels as records keep them: plain objects (possibly with a `__proto__` or `constructor` key). */
export type Labels = Readonly<Record<string, string>>;

export class FilterArgs {
  private readonly fields: ReadonlyMap<string, readonly string[]>;
  private readonly regexps = new Map<string, RegExp | null>();

  constructor(fields: ReadonlyMap<string, readonly string[]>) {
    this.fields = fields;
  }

  /** Keys present with at least one value. */
  keys(): string[] {
    return [...this.fields].filter(([, v]) => v.length > 0).map(([k]) => k);
  }

  /** True when `key` has at least one value. */
  has(key: string): boolean {
    return this.values(key).length > 0;
  }

  values(key: string): readonly string[] {
    return this.fields.get(key) ?? [];
  }

  /** OR over the values: true when `key` has none or any satisfies `test`. */
  matchAny(key: string, test: (value: string) => boolean): boolean {
    const values = this.values(key);
    return values.length === 0 || values.some(test);
  }

  /** Docker's ExactMatch: `source` equals one of the values. */
  matchExact(key: string, source: string): boolean {
    return this.matchAny(key, (v) => v === source);
  }

  /** Docker's FuzzyMatch: `source` equals or starts with one of the values (ids). */
  matchPrefix(key: string, source: string): boolean {
    return this.matchAny(key, (v) => source.startsWith(v));
  }

  /**
   * Docker's Match: `source` equals a value or a value, read as an unanchored
   * regular expression, matches it. A value that is not a valid expression
   * only matches exactly (Docker skips it; it is not an error).
   */
  matchRegexp(key: string, source: string): boolean {
    return this.matchAny(key, (v) => v === source || (this.regexp(v)?.test(source) ?? false));
  }

  /**
   * Docker's MatchKVList: every value `k` or `k=v` (split at the first `=`)
   * is an own key of `labels`, with that exact value when one is given.
   */
  matchLabels(key: string, labels: Labels): boolean {
    return this.values(key).every((spec) => {
      const eq = spec.indexOf('=');
      const k = eq < 0 ? spec : spec.slice(0, eq);
      return Object.hasOwn(labels, k) && (eq < 0 || labels[k] === spec.slice(eq + 1));
    });
  }

  /**
   * The prune endpoints' label rule (moby daemon/prune matchLabels): all of
   * `label` match, and not all of `label!` match (so `label!=a` with
   * `label!=b` spares only objects that carry both).
   */
  matchLabelFilters(labels: Labels): boolean {
    return this.matchLabels('label', labels) && !(this.has('label!') && this.matchLabels('label!', labels));
  }

  /**
   * Docker's GetBoolOrDefault: `def` when the key has no values; true for
   * `true`/`1`, false for `false`/`0`; a value set that is neither or both
   * (`dangling=true&dangling=false`) is `Invalid filter 'key=[values]'`.
   */
  bool(key: string, def: boolean): boolean {
    const values = this.values(key);
    if (values.length === 0) return def;
    const isTrue = values.includes('true') || values.includes('1');
    const isFalse = values.includes('false') || values.includes('0');
    if (isTrue === isFalse) throw invalidFilter(`${key}=[${values.join(' ')}]`);
    return isTrue;
  }

  /**
   * The single time value of `key` (prune's `until`) in unix ms, read by
   * parseFilterTime; undefined when absent. Docker allows only one.
   */
  time(key: string, now: number): number | undefined {
    const values = this.values(key);
    if (values.length === 0) return undefined;
    if (values.length > 1) throw invalid('BERTH_FILTER_INVALID', `more than one ${key} filter specified`);
    return parseFilterTime(values[0], now);
  }

  /**
   * The prune endpoints' `until` rule (moby: skip when `Created.After(until)`):
   * a predicate on an object's creation time (RFC 3339 text) that holds when
   * it was created at or before `until`, and always without `until`. The
   * value is read once, here (errors as `time`).
   */
  createdUntil(now: number): (created: string) => boolean {
    const until = this.time('until', now);
    return until === undefined ? () => true : (created) => Date.parse(created) <= until;
  }

  private regexp(pattern: string): RegExp | null {
    let re = this.regexps.get(pattern);
    if (re === undefined) {
      try {
        re = new RegExp(pattern);
      } catch {
        re = null;
      }
      this.regexps.set(pattern, re);
    }
    return re;
  }
}

/**
 * Validates decoded filters against the keys an endpoint accepts (any other
 * key: `Invalid filter 'x'`) and returns their matchers. Undefined → none.
 */
export function parseFilters(raw: Filters | undefined, allowed: ReadonlySet<string>): FilterArgs {
  const fields = new Map<string, string[]>();
  for (const [key, values] of raw ?? []) {
    if (!allowed.has(key)) throw invalidFilter(key);
    fields.set(key, [...new Set(values)]);
  }
  return new FilterArgs(fields);
}

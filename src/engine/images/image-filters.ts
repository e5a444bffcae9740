/**
 * `GET /images/json` filters, as dockerd reads them. Pure apart from the
 * `resolve` callback used by before/since.
 *
 * - reference=<glob>: OR over values; matches a tag's familiar form
 *   (`busybox:latest`), its familiar name (`busybox`) or its normalized form.
 *   `*` does not cross `/` (Go's path.Match). Untagged images never match.
 * - dangling=true|false (also 1|0): untagged or tagged.
 * - label=<key> | <key>=<value>: AND over values.
 * - before=<image>, since=<image>: created strictly before / after that image.
 * Any other key: invalid-parameter "Invalid filter '<key>'".
 */
import type { Filters } from '../api.js';
import type { ImageRecord } from './types.js';
import { invalid } from '../errors.js';
import { familiarReference } from './reference.js';

const KNOWN = new Set(['reference', 'dangling', 'label', 'before', 'since']);

type Predicate = (img: ImageRecord) => boolean;

export function filterImages(images: ImageRecord[], filters: Filters, resolve: (ref: string) => ImageRecord): ImageRecord[] {
  const preds: Predicate[] = [];
  for (const [key, values] of filters) {
    if (!KNOWN.has(key)) throw invalid('BERTH_IMAGE_BAD_FILTER', `Invalid filter '${key}'`);
    if (values.length === 0) continue;
    preds.push(predicateFor(key, values, resolve));
  }
  return images.filter((img) => preds.every((p) => p(img)));
}

function predicateFor(key: string, values: string[], resolve: (ref: string) => ImageRecord): Predicate {
  switch (key) {
    case 'reference': {
      const globs = values.map(globToRegExp);
      return (img) => img.tags.some((t) => referenceForms(t).some((f) => globs.some((g) => g.test(f))));
    }
    case 'dangling': {
      const want = danglingValue(values);
      return (img) => (img.tags.length === 0) === want;
    }
    case 'label':
      return (img) => values.every((v) => labelMatches(img.config.labels, v));
    case 'before': {
      const limits = values.map((v) => createdMs(resolve(v)));
      return (img) => limits.every((t) => createdMs(img) < t);
    }
    default: {
      const limits = values.map((v) => createdMs(resolve(v)));
      return (img) => limits.every((t) => createdMs(img) > t);
    }
  }
}

function danglingValue(values: string[]): boolean {
  const set = new Set(values.map((v) => v.toLowerCase()));
  for (const v of set) {
    if (!['true', '1', 'false', '0'].includes(v)) throw invalid('BERTH_IMAGE_BAD_FILTER', `Invalid filter 'dangling=${v}'`);
  }
  if (set.size > 1 && (set.has('true') || set.has('1')) && (set.has('false') || set.has('0'))) {
    throw invalid('BERTH_IMAGE_BAD_FILTER', "Invalid filter 'dangling': conflicting values");
  }
  return set.has('true') || set.has('1');
}

function labelMatches(labels: Record<string, string>, spec: string): boolean {
  const eq = spec.indexOf('=');
  if (eq < 0) return Object.hasOwn(labels, spec);
  const k = spec.slice(0, eq);
  return Object.hasOwn(labels, k) && labels[k] === spec.slice(eq + 1);
}

/** Familiar string, familiar name (no tag/digest), and the normalized string. */
function referenceForms(normalized: string): string[] {
  const familiar = familiarReference(normalized);
  const nameEnd = familiar.search(/@|:(?=[^/]*$)/);
  return [familiar, nameEnd < 0 ? familiar : familiar.slice(0, nameEnd), normalized];
}

/** Go path.Match semantics: `*` and `?` stop at '/', `[...]` classes, `\` escapes. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i];
    if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else if (ch === '\\' && i + 1 < glob.length) re += escapeRe(glob[++i]);
    else if (ch === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) throw invalid('BERTH_IMAGE_BAD_FILTER', `Invalid filter 'reference=${glob}': syntax error in pattern`);
      const body = glob.slice(i + 1, end).replace(/^\^/, '!');
      re += `[${body.startsWith('!') ? `^${body.slice(1)}` : body}]`;
      i = end;
    } else re += escapeRe(ch);
  }
  return new RegExp(`^${re}$`);
}

function escapeRe(ch: string): string {
  return ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function createdMs(img: ImageRecord): number {
  return Date.parse(img.created);
}

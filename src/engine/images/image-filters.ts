/**
 * `GET /images/json` filters, as dockerd reads them. Pure apart from the
 * `resolve` callback used by before/since.
 *
 * - reference=<glob>: OR over values (the listed images keep only their
 *   matching tags, as in dockerd); matches a tag's familiar form
 *   (`busybox:latest`), its familiar name (`busybox`) or its normalized form.
 *   `*` does not cross `/` (Go's path.Match). Untagged images never match.
 * - dangling=true|false (also 1|0; both at once is an error): untagged or tagged.
 * - label=<key> | <key>=<value>: AND over values.
 * - before=<image>, since=<image>: created strictly before / after that image.
 * Any other key (also until, as in dockerd 20.10): "Invalid filter '<key>'".
 * Keys, dangling and label are the shared filters module's (../filters).
 */
import type { Filters } from '../filters/index.js';
import type { ImageRecord } from '../model/image.js';
import { invalid } from '../errors.js';
import { parseFilters, type FilterArgs } from '../filters/index.js';
import { familiarReference } from '../model/reference.js';

const LIST_KEYS = new Set(['reference', 'dangling', 'label', 'before', 'since']);

type Predicate = (img: ImageRecord) => boolean;

export function filterImages(images: ImageRecord[], filters: Filters, resolve: (ref: string) => ImageRecord): ImageRecord[] {
  const args = parseFilters(filters, LIST_KEYS);
  const preds = args.keys().map((key) => predicateFor(key, args, resolve));
  const kept = images.filter((img) => preds.every((p) => p(img)));
  if (!args.keys().includes('reference')) return kept;
  // As dockerd: a reference filter also narrows each image's tags to the matching ones.
  const matches = referenceMatcher(args.values('reference'));
  return kept.map((img) => ({ ...img, tags: img.tags.filter(matches) }));
}

/** True for a normalized tag one of the globs matches in any of its forms. */
function referenceMatcher(globs: readonly string[]): (tag: string) => boolean {
  const res = globs.map(globToRegExp);
  return (tag) => referenceForms(tag).some((f) => res.some((g) => g.test(f)));
}

function predicateFor(key: string, args: FilterArgs, resolve: (ref: string) => ImageRecord): Predicate {
  switch (key) {
    case 'reference': {
      const matches = referenceMatcher(args.values('reference'));
      return (img) => img.tags.some(matches);
    }
    case 'dangling': {
      const want = args.bool('dangling', false);
      return (img) => (img.tags.length === 0) === want;
    }
    case 'label':
      return (img) => args.matchLabels('label', img.config.labels);
    case 'before': {
      const limits = args.values('before').map((v) => createdMs(resolve(v)));
      return (img) => limits.every((t) => createdMs(img) < t);
    }
    default: {
      const limits = args.values('since').map((v) => createdMs(resolve(v)));
      return (img) => limits.every((t) => createdMs(img) > t);
    }
  }
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

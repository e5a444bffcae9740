/**
 * The raw decode of Docker's `filters` query value: URL-decoded JSON in the
 * map form `{"label":{"k=v":true}}` (docker CLI, Go's filters.Args) or the
 * older list form `{"label":["k=v"]}` (docker-py, API < 1.22). The two
 * forms may even be mixed key by key. Nothing here knows which keys an
 * endpoint accepts: that is `parseFilters` (./args.ts).
 */
import { invalid } from '../errors.js';

/** Filters as decoded, before validation: key → values in the order given. */
export type Filters = Map<string, string[]>;

const badJson = (detail: string) => invalid('BERTH_FILTER_BAD_JSON', `invalid filter: ${detail}`);

/**
 * Decodes a filters value. Absent, '' and `null` → no filters. Map-form
 * entries whose value is false are dropped (clients only ever send true).
 * Malformed JSON or another shape → invalid-parameter `invalid filter: …`
 * (moby's words; dockerd 20.10 answered these with a bare 500).
 */
export function decodeFilters(text: string | undefined): Filters {
  const filters: Filters = new Map();
  if (text === undefined || text.trim() === '') return filters;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw badJson((err as Error).message);
  }
  if (parsed === null) return filters;
  if (typeof parsed !== 'object' || Array.isArray(parsed)) throw badJson('expected a JSON object');
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
    filters.set(key, valuesOf(key, value));
  }
  return filters;
}

function valuesOf(key: string, value: unknown): string[] {
  if (Array.isArray(value)) {
    if (!value.every((v) => typeof v === 'string')) throw badJson(`values of '${key}' must be strings`);
    return value;
  }
  if (value !== null && typeof value === 'object') {
    const out: string[] = [];
    for (const [v, on] of Object.entries(value as Record<string, unknown>)) {
      if (typeof on !== 'boolean') throw badJson(`value of '${key}' entry '${v}' must be a boolean`);
      if (on) out.push(v);
    }
    return out;
  }
  throw badJson(`'${key}' must be a list or a map`);
}

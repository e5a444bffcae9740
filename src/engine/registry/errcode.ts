/**
 * A registry's error answer as Docker's distribution client reads it
 * (errcode.Error): the RFC 6750 error of a Bearer challenge comes first
 * (`insufficient_scope` is DENIED, `invalid_token` UNAUTHORIZED: what
 * token-auth registries such as Docker Hub answer for a repository the
 * token does not cover), then the errors of the JSON body. The text is
 * Docker's too, so clients print what they print against dockerd.
 */
import { parseChallenges } from './auth.js';

/** One error: `code` as the registry spells it ("MANIFEST_UNKNOWN"). */
export interface RegistryErrorEntry {
  code: string;
  message: string;
}

/** RFC 6750's error codes as Docker's client maps them (a Map: the names come from the registry). */
const CHALLENGE_ERRORS = new Map<string, RegistryErrorEntry>([
  ['insufficient_scope', { code: 'DENIED', message: 'requested access to the resource is denied' }],
  ['invalid_token', { code: 'UNAUTHORIZED', message: 'authentication required' }],
]);

/** The challenge's error (if it names one Docker knows), then the body's errors; [] when neither says anything. */
export function registryErrorEntries(challenges: string | string[] | undefined, body: string): RegistryErrorEntry[] {
  const entries: RegistryErrorEntry[] = [];
  for (const c of parseChallenges(challenges)) {
    const known = c.scheme === 'bearer' ? CHALLENGE_ERRORS.get(c.params.error ?? '') : undefined;
    if (!known) continue;
    entries.push({ code: known.code, message: c.params.error_description || known.message });
    break;
  }
  return [...entries, ...bodyErrors(body)];
}

/** A code as Docker prints it (and, for the codes it knows, its default message): MANIFEST_UNKNOWN → "manifest unknown". */
function codeText(code: string): string {
  return code.toLowerCase().replace(/_/g, ' ');
}

function bodyErrors(body: string): RegistryErrorEntry[] {
  try {
    const doc = JSON.parse(body) as { errors?: unknown };
    if (!Array.isArray(doc.errors)) return [];
    return (doc.errors as Array<{ code?: unknown; message?: unknown }>)
      .filter((e) => typeof e?.code === 'string' && e.code !== '')
      .map((e) => ({ code: e.code as string, message: typeof e.message === 'string' && e.message ? e.message : codeText(e.code as string) }));
  } catch {
    return [];
  }
}

/** errcode.Errors' text: one error is "denied: message"; several are listed under "errors:", one per line. */
export function formatRegistryErrors(entries: RegistryErrorEntry[]): string {
  const one = (e: RegistryErrorEntry) => `${codeText(e.code)}: ${e.message}`;
  if (entries.length === 1) return one(entries[0]);
  return `errors:\n${entries.map((e) => `${one(e)}\n`).join('')}`;
}

/**
 * Build messages → Docker's JSON message lines (`{"stream": …}`,
 * `{"aux": {"ID": …}}`, and the in-band error
 * `{"errorDetail": {"code": N, "message": …}, "error": …}` once the 200 has
 * started), and the `POST /build/prune` answer. Pure.
 */
import type { BuildMessage, BuildPruneResult } from '../../engine/api.js';

export function toBuildMessage(m: BuildMessage): Record<string, unknown> {
  if ('error' in m) {
    // Docker's JSONError: code is omitted when 0.
    return { errorDetail: { ...(m.code ? { code: m.code } : {}), message: m.error }, error: m.error };
  }
  return m;
}

export function toBuildPruneResponse(r: BuildPruneResult): Record<string, unknown> {
  return { CachesDeleted: r.cachesDeleted, SpaceReclaimed: r.spaceReclaimed };
}

/**
 * A JSON map query value (`buildargs`, `labels`): '' = empty; anything but
 * an object of strings (null values allowed for buildargs) is an error
 * message for the caller to raise.
 */
export function parseJsonMap(text: string, name: string, allowNull: boolean): Record<string, string | null> | string {
  if (text === '') return {};
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return `${name}: invalid JSON`;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return `${name}: must be a JSON object`;
  for (const [k, val] of Object.entries(v)) {
    if (typeof val !== 'string' && !(allowNull && val === null)) return `${name}: the value of ${k} must be a string`;
  }
  return v as Record<string, string | null>;
}

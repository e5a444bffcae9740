/**
 * Build messages → Docker's JSON message lines (`{"stream": …}`,
 * `{"aux": {"ID": …}}`, and the in-band error
 * `{"errorDetail": {"code": N, "message": …}, "error": …}` once the 200 has
 * started), and the `POST /build/prune` answer. Pure.
 */
import type { BuildMessage, BuildPruneResult, RegistryCredentials } from '../../engine/api.js';
import { credentialsFromBody, progressMessages } from './registry.js';

/** One build message → its JSON line(s); a FROM image's pull progress reads as `docker pull`'s. */
export function toBuildMessages(m: BuildMessage): Array<Record<string, unknown>> {
  if ('error' in m) {
    // Docker's JSONError: code is omitted when 0.
    return [{ errorDetail: { ...(m.code ? { code: m.code } : {}), message: m.error }, error: m.error }];
  }
  if ('progress' in m) return progressMessages(m.progress);
  if ('imageId' in m) return [{ aux: { ID: m.imageId } }];
  return [m];
}

/**
 * `X-Registry-Config`: base64 JSON of registry → AuthConfig (the CLI sends
 * every credential it has). Keys are reduced to the registry's host
 * ("https://index.docker.io/v1/" → "docker.io"). Undecodable → {}.
 */
export function registryConfigFromHeader(header: string | string[] | undefined): Record<string, RegistryCredentials> {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value || value.trim() === '') return {};
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(value.trim(), 'base64').toString('utf8'));
  } catch {
    return {};
  }
  if (typeof doc !== 'object' || doc === null) return {};
  const out: Record<string, RegistryCredentials> = {};
  for (const [key, auth] of Object.entries(doc)) {
    const creds = credentialsFromBody(auth);
    if (!creds) continue;
    const host = key.replace(/^[a-z]+:\/\//, '').replace(/\/.*$/, '');
    out[host === 'index.docker.io' || host === 'registry-1.docker.io' ? 'docker.io' : host] = creds;
  }
  return out;
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

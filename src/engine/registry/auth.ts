/**
 * Registry authentication through the `WWW-Authenticate` challenge of the
 * distribution spec: Basic (credentials sent as is) or Bearer (a token from
 * the challenge's realm for its service and the operation's scopes,
 * anonymous when there are no credentials). Tokens are cached in memory per
 * realm, service, scopes and credentials; the credentials themselves are
 * kept only as a hash in the cache key, never stored or logged.
 */
import { createHash } from 'node:crypto';
import type { RegistryCredentials } from '../api/registry.js';
import { EngineError } from '../errors.js';
import { readBody, type HttpTransport, type TlsSettings } from './http.js';

export interface Challenge {
  /** Lower-case: "basic", "bearer". */
  scheme: string;
  params: Record<string, string>;
}

/**
 * Parses WWW-Authenticate header values (RFC 7235): `Bearer realm="…",
 * service="…",scope="…"`, several challenges possibly in one value.
 */
export function parseChallenges(header: string | string[] | undefined): Challenge[] {
  const values = header === undefined ? [] : Array.isArray(header) ? header : [header];
  const out: Challenge[] = [];
  for (const value of values) {
    const re = /\s*(?:([A-Za-z][\w!#$%&'*+.^`|~-]*)(?:\s+|$)(?![=])|([\w!#$%&'*+.^`|~-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*),?/gy;
    let current: Challenge | undefined;
    for (let m = re.exec(value); m && m[0] !== ''; m = re.exec(value)) {
      if (m[1]) {
        current = { scheme: m[1].toLowerCase(), params: {} };
        out.push(current);
      } else if (current && m[2]) {
        current.params[m[2].toLowerCase()] = m[3] !== undefined ? m[3].replace(/\\(.)/g, '$1') : (m[4] ?? '');
      }
    }
  }
  return out;
}

/** The scope string of a repository operation ("repository:team/bb:pull,push"). */
export function repositoryScope(path: string, actions: string): string {
  return `repository:${path}:${actions}`;
}

const MIN_TOKEN_SECONDS = 60;
const TOKEN_BODY_LIMIT = 1 << 20;

interface CachedToken {
  token: string;
  expiresAt: number;
}

export class Authenticator {
  readonly #tokens = new Map<string, CachedToken>();

  constructor(private readonly http: HttpTransport) {}

  /**
   * The Authorization header for a request that met `challenges` (or whose
   * registry announced them at /v2/), or undefined when none applies.
   * Throws unauthorized when the token endpoint refuses the credentials.
   */
  async authorization(
    challenges: Challenge[],
    scopes: string[],
    creds: RegistryCredentials | null,
    tls: TlsSettings,
    signal?: AbortSignal,
  ): Promise<string | undefined> {
    if (creds?.registryToken) return `Bearer ${creds.registryToken}`;
    const bearer = challenges.find((c) => c.scheme === 'bearer' && c.params.realm);
    if (bearer) return `Bearer ${await this.#token(bearer.params, scopes, creds, tls, signal)}`;
    const basic = challenges.find((c) => c.scheme === 'basic');
    if (basic && creds?.username !== undefined && creds.password !== undefined) return basicAuthorization(creds.username, creds.password);
    return undefined;
  }

  async #token(params: Record<string, string>, scopes: string[], creds: RegistryCredentials | null, tls: TlsSettings, signal?: AbortSignal): Promise<string> {
    const key = [params.realm, params.service ?? '', [...scopes].sort().join(' '), credentialsKey(creds)].join('\n');
    const cached = this.#tokens.get(key);
    if (cached && cached.expiresAt > Date.now()) return cached.token;
    const { token, expiresIn } = await this.#fetchToken(params, scopes, creds, tls, signal);
    this.#tokens.set(key, { token, expiresAt: Date.now() + (Math.max(expiresIn, MIN_TOKEN_SECONDS) - 5) * 1000 });
    return token;
  }

  async #fetchToken(
    params: Record<string, string>,
    scopes: string[],
    creds: RegistryCredentials | null,
    tls: TlsSettings,
    signal?: AbortSignal,
  ): Promise<{ token: string; expiresIn: number }> {
    const realm = new URL(params.realm);
    const headers: Record<string, string> = {};
    let method: 'GET' | 'POST' = 'GET';
    let body: Buffer | undefined;
    if (creds?.identityToken) {
      // OAuth2 refresh-token grant, as Docker clients do with an identity token.
      method = 'POST';
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: creds.identityToken, client_id: 'docker', service: params.service ?? '' });
      if (scopes.length) form.set('scope', scopes.join(' '));
      body = Buffer.from(form.toString());
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
    } else {
      if (params.service) realm.searchParams.set('service', params.service);
      for (const s of scopes) realm.searchParams.append('scope', s);
      if (creds?.username !== undefined && creds.password !== undefined) {
        headers.Authorization = basicAuthorization(creds.username, creds.password);
        realm.searchParams.set('account', creds.username);
      }
    }
    const res = await this.http.request({ method, url: realm, headers, body, tls, signal });
    const text = (await readBody(res, TOKEN_BODY_LIMIT)).toString('utf8');
    if (res.status === 401 || res.status === 403) {
      throw new EngineError(
        'unauthorized',
        'BERTH_REGISTRY_UNAUTHORIZED',
        `${method === 'GET' ? 'Get' : 'Post'} "${redact(realm)}": unauthorized: ${errorText(text) || 'authentication required'}`,
      );
    }
    if (res.status !== 200) {
      throw new EngineError('system', 'BERTH_REGISTRY_TOKEN', `token endpoint ${redact(realm)} answered ${res.status}: ${errorText(text).slice(0, 200)}`);
    }
    let doc: { token?: unknown; access_token?: unknown; expires_in?: unknown };
    try {
      doc = JSON.parse(text) as typeof doc;
    } catch {
      throw new EngineError('system', 'BERTH_REGISTRY_TOKEN', `token endpoint ${redact(realm)} answered something that is not JSON`);
    }
    const token = typeof doc.token === 'string' && doc.token ? doc.token : typeof doc.access_token === 'string' ? doc.access_token : '';
    if (!token) throw new EngineError('system', 'BERTH_REGISTRY_TOKEN', `token endpoint ${redact(realm)} returned no token`);
    return { token, expiresIn: typeof doc.expires_in === 'number' ? doc.expires_in : MIN_TOKEN_SECONDS };
  }
}

export function basicAuthorization(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

/** A hash that tells credentials apart in the token cache without keeping them. */
function credentialsKey(creds: RegistryCredentials | null): string {
  if (!creds) return 'anonymous';
  return createHash('sha256')
    .update(`${creds.username ?? ''}\0${creds.password ?? ''}\0${creds.identityToken ?? ''}`)
    .digest('hex');
}

/** The URL without its query (an `account=` parameter is not for messages). */
function redact(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

/** The first error message of a distribution-spec error body, else the text. */
export function errorText(text: string): string {
  try {
    const doc = JSON.parse(text) as { errors?: Array<{ code?: string; message?: string; detail?: unknown }>; details?: string };
    const first = doc.errors?.[0];
    if (first) return first.message ?? first.code ?? '';
    if (typeof doc.details === 'string') return doc.details;
  } catch {
    // not JSON
  }
  return text.trim();
}

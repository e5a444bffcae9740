/**
 * `POST /auth` (docker login): the credentials are checked against the
 * registry the way dockerd does it — GET /v2/; a Basic challenge is answered
 * with the credentials, a Bearer challenge by fetching a token with them —
 * and then forgotten. Wrong credentials → unauthorized with Docker's text.
 */
import type { RegistryCredentials } from '../api/registry.js';
import { EngineError } from '../errors.js';
import { Authenticator, parseChallenges } from './auth.js';
import type { RegistryContext } from './client.js';
import { RepoSession, wrapTransport } from './client.js';
import { domainOfServerAddress, endpointsFor, type RegistrySettings } from './hosts.js';

export async function login(creds: RegistryCredentials, deps: { ctx: RegistryContext; settings: RegistrySettings }): Promise<{ identityToken: string }> {
  const domain = domainOfServerAddress(creds.serverAddress ?? '');
  const endpoint = endpointsFor(domain, deps.settings).at(-1)!;
  // A session on no repository: the ping picks the scheme and announces the challenge.
  const session = await RepoSession.open(deps.ctx, endpoint, { path: '', actions: '', credentials: null });
  const v2 = new URL('/v2/', session.endpoint.base);
  const first = await deps.ctx.http.request({ method: 'GET', url: v2, tls: session.endpoint.tls }).catch((err: unknown) => {
    throw wrapTransport(err);
  });
  first.body.resume();
  if (first.status === 200) return { identityToken: '' };
  const challenges = parseChallenges(first.headers['www-authenticate']);
  // A fresh authenticator: login must really ask the token endpoint, not answer from the cache.
  const auth = new Authenticator(deps.ctx.http);
  const authorization = await auth.authorization(challenges, [], creds, session.endpoint.tls);
  if (!authorization) throw failed(v2, first.status);
  const res = await deps.ctx.http
    .request({ method: 'GET', url: v2, headers: { Authorization: authorization }, tls: session.endpoint.tls })
    .catch((err: unknown) => {
      throw wrapTransport(err);
    });
  res.body.resume();
  if (res.status !== 200) throw failed(v2, res.status);
  return { identityToken: '' };
}

function failed(url: URL, status: number): EngineError {
  const text = status === 401 ? 'Unauthorized' : status === 403 ? 'Forbidden' : '';
  return new EngineError('unauthorized', 'BERTH_REGISTRY_LOGIN_FAILED', `login attempt to ${url.href} failed with status: ${status} ${text}`.trim());
}

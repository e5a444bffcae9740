/**
 * The registry service behind `engine.registry`: one HTTP transport (its
 * keep-alive agents per TLS setting) and one token cache for the daemon.
 */
import type pino from 'pino';
import type { RegistryApi } from '../api/registry.js';
import { EngineError, isEngineError } from '../errors.js';
import { Authenticator } from './auth.js';
import type { RegistrySettings } from './hosts.js';
import { HttpTransport } from './http.js';
import { login } from './login.js';
import { pullImage, type StoreAccess } from './pull.js';
import { pushImage } from './push.js';

export interface RegistryServiceDeps {
  settings: RegistrySettings;
  store: StoreAccess;
  log: pino.Logger;
  /** Image events (pull, push) once the change is recorded. */
  emit?(action: 'pull' | 'push', reference: string, imageId: string): void;
}

export interface RegistryService extends RegistryApi {
  close(): void;
}

export function createRegistryService(deps: RegistryServiceDeps): RegistryService {
  const http = new HttpTransport();
  const ctx = { http, auth: new Authenticator(http) };
  const log = deps.log.child({ component: 'registry' });
  const pullDeps = {
    ctx,
    settings: deps.settings,
    store: deps.store,
    log,
    onDone: (action: 'pull' | 'push', ref: string, id: string) => deps.emit?.(action, ref, id),
  };
  return {
    pull: (opts) => pullImage(opts, pullDeps).catch(notUnauthorized),
    push: (opts) => pushImage(opts, pullDeps).catch(notUnauthorized),
    login: (creds) => login(creds, { ctx, settings: deps.settings }),
    close: () => http.close(),
  };
}

/**
 * dockerd answers a pull or push the registry refused with a 500, not a 401:
 * on a 401 the docker CLI would prompt for a login on stdin. Only
 * `POST /auth` keeps the unauthorized kind.
 */
function notUnauthorized(err: unknown): never {
  if (isEngineError(err, 'unauthorized')) throw new EngineError('system', 'BERTH_REGISTRY_REFUSED', err.message, { cause: err });
  throw err;
}

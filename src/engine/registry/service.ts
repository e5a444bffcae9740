/**
 * The registry service behind `engine.registry`: one HTTP transport (its
 * keep-alive agents per TLS setting) and one token cache for the daemon.
 */
import type pino from 'pino';
import type { RegistryApi } from '../api-registry.js';
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
  const pullDeps = { ctx, settings: deps.settings, store: deps.store, log, onPulled: (ref: string, id: string) => deps.emit?.('pull', ref, id) };
  return {
    pull: (opts) => pullImage(opts, pullDeps),
    push: (opts) => pushImage(opts, pullDeps),
    login: (creds) => login(creds, { ctx, settings: deps.settings }),
    close: () => http.close(),
  };
}

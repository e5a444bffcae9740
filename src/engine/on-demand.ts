/**
 * Engine areas that most daemons use rarely or never (the classic builder,
 * the registry client) are loaded at their first call instead of at startup.
 * V8 keeps every loaded module's source text in the heap for the life of the
 * process, and a module's top level builds its objects when it is evaluated;
 * in dist/berthd.mjs a dynamic import() is a separate chunk
 * (scripts/bundle-berthd.mjs), read from disk only when it is called.
 *
 * Contract: the facade objects built here have exactly the methods of the
 * area's API; each call awaits the area's module (loaded once, shared by
 * all calls) and then calls the real method with the same arguments, so
 * results, rejections and streams are the area's own. A module that fails
 * to load rejects the call with BERTH_HOST_MODULE_LOAD, and the next call
 * tries again.
 */
import type { BuildApi } from './api/build.js';
import type { RegistryApi } from './api/registry.js';
import type { BuilderDeps } from './build/build-state.js';
import type { RegistryService, RegistryServiceDeps } from './registry/service.js';
import { onDemand } from './load-once.js';

/** `engine.registry` plus `close()`, with the registry client loaded at the first pull, push or login. */
export function registryOnDemand(deps: RegistryServiceDeps): RegistryService {
  const area = onDemand(async () => (await import('./registry/service.js')).createRegistryService(deps));
  const api: RegistryApi = {
    pull: (opts) => area().then((r) => r.pull(opts)),
    push: (opts) => area().then((r) => r.push(opts)),
    login: (credentials) => area().then((r) => r.login(credentials)),
  };
  return { ...api, close: () => area.loaded()?.close() };
}

/**
 * `engine.build`, with the classic builder loaded at the first build or
 * prune. `deps` is asked for only then (the build cache's statements are
 * prepared then, too).
 */
export function buildOnDemand(deps: () => BuilderDeps): BuildApi {
  const area = onDemand(async () => (await import('./build/builder.js')).createBuildApi(deps()));
  return {
    build: (opts) => area().then((b) => b.build(opts)),
    prune: (opts) => area().then((b) => b.prune(opts)),
  };
}

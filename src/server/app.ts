/**
 * The HTTP layer: builds the Fastify instance that maps Docker Engine API
 * v1.41 onto the engine facade. The route table is written out here, in one
 * place; handlers live in routes/* (named method+resource, as moby does).
 */
import { lazyValidatorFactory } from './lazy-validators.js';
import type { EventEmitter } from 'node:events';
import Fastify, { LogController } from 'fastify';
import type { FastifyBaseLogger, FastifyInstance, FastifyRequest } from 'fastify';
import type { Engine } from '../engine/api.js';
import { requestApiVersion, stripVersionPrefix, versionRangeError } from './api-version.js';
import { badRequest, handleError, handleNotFound } from './errors.js';
import { ATTACH_WS_OPERATION, attachWebsocketPlugin } from './routes/attach-ws.js';
import { containerOperations } from './routes/containers.js';
import { containerIoOperations } from './routes/containers-io.js';
import { execOperations } from './routes/exec.js';
import { imageOperations, wildcardImageDispatch } from './routes/images.js';
import { imageArchiveOperations } from './routes/images-archive.js';
import { buildOperations } from './routes/build.js';
import { registryOperations } from './routes/registry.js';
import { containerFsOperations } from './routes/containers-fs.js';
import { systemOperations } from './routes/system.js';
import { volumeOperations } from './routes/volumes.js';
import { networkOperations } from './routes/networks.js';
import { eventOperations } from './routes/events.js';
import { statsOperations } from './routes/stats.js';
import { updateOperations } from './routes/update.js';
import { diskUsageOperations } from './routes/disk-usage.js';
import { routeSchema } from './schemas.js';
import { handlerTimeoutHook } from './handler-timeout.js';
import { installUpgradeDispatch } from './streams/hijack.js';
import { upgradedBodyHook } from './streams/upgrade-body.js';
import { commonHeaders } from './wire/system.js';
import { registerDurableReplies } from './durable-replies.js';

export type RouteMethod = 'GET' | 'HEAD' | 'POST' | 'DELETE' | 'PUT';

export interface RouteEntry {
  method: RouteMethod;
  /** The unversioned Fastify URL registered ('/containers/:id/json'). */
  url: string;
  /** The same route in Docker (openapi.yaml) form ('/containers/{id}/json'). */
  path: string;
  operationId: string;
}

// Defined beside the route modules, which import it; app.ts imports them, not the reverse.
import type { Operations } from './routes/operation.js';
export type { Operation, Operations } from './routes/operation.js';

const route = (method: RouteMethod, path: string, operationId: string): RouteEntry => ({
  method,
  url: path.replace(/\{([^}]+)\}/g, ':$1'),
  path,
  operationId,
});

/** Every route berth serves (each also under `/vX.YY`). */
export const ROUTES: ReadonlyArray<RouteEntry> = [
  route('HEAD', '/_ping', 'SystemPingHead'),
  route('GET', '/_ping', 'SystemPing'),
  route('GET', '/version', 'SystemVersion'),
  route('GET', '/info', 'SystemInfo'),
  route('GET', '/events', 'SystemEvents'),
  route('GET', '/system/df', 'SystemDataUsage'),
  route('GET', '/containers/json', 'ContainerList'),
  route('POST', '/containers/create', 'ContainerCreate'),
  route('GET', '/containers/{id}/json', 'ContainerInspect'),
  route('GET', '/containers/{id}/top', 'ContainerTop'),
  route('GET', '/containers/{id}/stats', 'ContainerStats'),
  route('POST', '/containers/{id}/update', 'ContainerUpdate'),
  route('GET', '/containers/{id}/logs', 'ContainerLogs'),
  route('POST', '/containers/{id}/start', 'ContainerStart'),
  route('POST', '/containers/{id}/stop', 'ContainerStop'),
  route('POST', '/containers/{id}/restart', 'ContainerRestart'),
  route('POST', '/containers/{id}/kill', 'ContainerKill'),
  route('POST', '/containers/{id}/rename', 'ContainerRename'),
  route('POST', '/containers/{id}/pause', 'ContainerPause'),
  route('POST', '/containers/{id}/unpause', 'ContainerUnpause'),
  route('POST', '/containers/{id}/attach', 'ContainerAttach'),
  route('GET', '/containers/{id}/attach/ws', 'ContainerAttachWebsocket'),
  route('POST', '/containers/{id}/wait', 'ContainerWait'),
  route('POST', '/containers/{id}/resize', 'ContainerResize'),
  route('DELETE', '/containers/{id}', 'ContainerDelete'),
  route('POST', '/containers/prune', 'ContainerPrune'),
  route('GET', '/containers/{id}/export', 'ContainerExport'),
  route('GET', '/containers/{id}/changes', 'ContainerChanges'),
  route('POST', '/commit', 'ImageCommit'),
  route('HEAD', '/containers/{id}/archive', 'ContainerArchiveInfo'),
  route('GET', '/containers/{id}/archive', 'ContainerArchive'),
  route('PUT', '/containers/{id}/archive', 'PutContainerArchive'),
  route('POST', '/containers/{id}/exec', 'ContainerExec'),
  route('POST', '/exec/{id}/start', 'ExecStart'),
  route('POST', '/exec/{id}/resize', 'ExecResize'),
  route('GET', '/exec/{id}/json', 'ExecInspect'),
  route('GET', '/images/json', 'ImageList'),
  route('POST', '/images/create', 'ImageCreate'),
  route('GET', '/images/{name}/json', 'ImageInspect'),
  route('POST', '/images/{name}/tag', 'ImageTag'),
  route('DELETE', '/images/{name}', 'ImageDelete'),
  route('GET', '/images/{name}/get', 'ImageGet'),
  route('GET', '/images/get', 'ImageGetAll'),
  route('POST', '/images/load', 'ImageLoad'),
  route('GET', '/images/{name}/history', 'ImageHistory'),
  route('POST', '/images/prune', 'ImagePrune'),
  route('GET', '/volumes', 'VolumeList'),
  route('POST', '/volumes/create', 'VolumeCreate'),
  route('GET', '/volumes/{name}', 'VolumeInspect'),
  route('DELETE', '/volumes/{name}', 'VolumeDelete'),
  route('POST', '/volumes/prune', 'VolumePrune'),
  route('POST', '/build', 'ImageBuild'),
  route('POST', '/build/prune', 'BuildPrune'),
  route('GET', '/networks', 'NetworkList'),
  route('POST', '/networks/create', 'NetworkCreate'),
  route('POST', '/networks/prune', 'NetworkPrune'),
  route('GET', '/networks/{id}', 'NetworkInspect'),
  route('DELETE', '/networks/{id}', 'NetworkDelete'),
  route('POST', '/networks/{id}/connect', 'NetworkConnect'),
  route('POST', '/networks/{id}/disconnect', 'NetworkDisconnect'),
  route('POST', '/images/{name}/push', 'ImagePush'),
  route('GET', '/images/search', 'ImageSearch'),
  route('POST', '/auth', 'SystemAuth'),
];

/** Wildcard twins of the image-name routes, for names that contain "/". */
const IMAGE_WILDCARDS: ReadonlyArray<{ method: RouteMethod; suffix: string; operationId: string }> = [
  { method: 'GET', suffix: '/json', operationId: 'ImageInspect' },
  { method: 'POST', suffix: '/tag', operationId: 'ImageTag' },
  { method: 'DELETE', suffix: '', operationId: 'ImageDelete' },
  { method: 'GET', suffix: '/get', operationId: 'ImageGet' },
  { method: 'GET', suffix: '/history', operationId: 'ImageHistory' },
  { method: 'POST', suffix: '/push', operationId: 'ImagePush' },
];

export interface BuildAppOptions {
  /** A pino logger, or false/absent for none. */
  logger?: FastifyBaseLogger | false;
  /** berth's version, for the Server header. */
  version: string;
  /** Handler timeout of ordinary (not long or streaming) requests; default 120 s. */
  requestTimeoutMs?: number;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Receives WebSocket upgrades ('upgrade', req, socket, head); pass as @fastify/websocket `options.server`. */
    websocketUpgrades: EventEmitter;
  }
}

/** JSON bodies: '' (the CLI's empty POSTs) is no body; bad JSON is a 400. */
function parseJsonBody(_req: FastifyRequest, body: string | Buffer, done: (err: Error | null, body?: unknown) => void): void {
  const text = body.toString();
  if (text.trim() === '') return done(null, undefined);
  try {
    done(null, JSON.parse(text));
  } catch (err) {
    done(badRequest(`invalid JSON body: ${(err as Error).message}`));
  }
}

/** Registers body parsing: JSON as above; everything else is passed on as the unbuffered request stream. */
function registerBodyParsers(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, parseJsonBody);
  app.addContentTypeParser('*', (_req, payload, done) => done(null, payload));
}

/** Version range check and the headers every response carries. */
function registerCommonHooks(app: FastifyInstance, version: string): void {
  const headers = commonHeaders(version);
  // Callback-style hooks: they run on every request, and an async hook costs a promise each time.
  app.addHook('onRequest', (request, reply, done) => {
    reply.headers(headers);
    const tooFar = versionRangeError(requestApiVersion(request.raw));
    done(tooFar ? badRequest(tooFar) : undefined);
  });
  // Go's Docker client compares Content-Type to "application/json" exactly; a charset makes it print raw JSON.
  app.addHook('onSend', (_request, reply, payload, done) => {
    const type = reply.getHeader('content-type');
    if (typeof type === 'string' && type.startsWith('application/json;')) reply.header('Content-Type', 'application/json');
    done(null, payload);
  });
  // Only a daemon logging at debug has the hook at all: an empty one still costs its runner on every response.
  if (app.log.level === 'debug' || app.log.level === 'trace') {
    app.addHook('onResponse', (request, reply, done) => {
      request.log.debug({ method: request.method, url: request.url, status: reply.statusCode, ms: reply.elapsedTime }, 'request');
      done();
    });
  }
}

function registerRoutes(app: FastifyInstance, engine: Engine, timeoutMs: number): void {
  const registryOps = registryOperations(engine);
  const ops: Operations = {
    ...systemOperations(engine),
    ...eventOperations(engine),
    ...statsOperations(engine),
    ...updateOperations(engine),
    ...diskUsageOperations(engine),
    ...containerOperations(engine),
    ...containerIoOperations(engine),
    ...execOperations(engine),
    ...registryOps,
    ...imageOperations(engine, registryOps.ImageCreatePull.handler),
    ...imageArchiveOperations(engine),
    ...containerFsOperations(engine),
    ...volumeOperations(engine),
    ...buildOperations(engine),
    ...networkOperations(engine),
  };
  const options = (operationId: string, url: string) => {
    const op = ops[operationId];
    if (!op) throw new Error(`no handler for ${operationId}`);
    return {
      schema: routeSchema(operationId),
      config: { operationId },
      ...(op.long ? {} : { onRequest: handlerTimeoutHook(timeoutMs, url) }),
      ...(op.bodyLimit ? { bodyLimit: op.bodyLimit } : {}),
      handler: op.handler,
    };
  };
  for (const r of ROUTES) {
    if (r.operationId === ATTACH_WS_OPERATION) {
      // Its own encapsulated plugin: @fastify/websocket must not see the other routes.
      app.register(attachWebsocketPlugin(engine, r.url, routeSchema(r.operationId)));
      continue;
    }
    app.route({ method: r.method, url: r.url, ...options(r.operationId, r.url) });
  }
  // One `/images/*` route per method, dispatching on the suffix.
  const wildcard = '/images/*';
  for (const method of new Set(IMAGE_WILDCARDS.map((w) => w.method))) {
    const twins = IMAGE_WILDCARDS.filter((w) => w.method === method);
    const o = options(twins[0].operationId, wildcard);
    // The spec's `name` path parameter does not exist on a wildcard route.
    const { params: _params, ...schema } = o.schema;
    const long = twins.some((w) => ops[w.operationId]?.long);
    const { onRequest: _timeout, ...rest } = o as typeof o & { onRequest?: unknown };
    const handler = wildcardImageDispatch(twins.map((w) => ({ suffix: w.suffix, handler: options(w.operationId, wildcard).handler })));
    app.route({ method, url: wildcard, ...(long ? rest : o), schema, handler });
  }
}

/**
 * Builds the app (not listening). Both `/v1.41/x` and `/x` are served;
 * unknown paths answer 404 `{"message":"page not found"}`.
 */
export function buildApp(engine: Engine, opts: BuildAppOptions = { version: '0.0.0-dev' }): FastifyInstance {
  const app = Fastify({
    ...(opts.logger ? { loggerInstance: opts.logger } : { logger: false }),
    routerOptions: { maxParamLength: 4096 },
    exposeHeadRoutes: false,
    // Per-request lines come from the onResponse hook at debug level.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 4 * 1024 * 1024,
    rewriteUrl: stripVersionPrefix,
    schemaController: { compilersFactory: { buildValidator: lazyValidatorFactory() as never } },
  }) as unknown as FastifyInstance;
  registerBodyParsers(app);
  registerCommonHooks(app, opts.version);
  registerDurableReplies(app, engine.durability);
  // Upgrade requests (exec start) carry their JSON body outside the HTTP parser.
  app.addHook('preParsing', upgradedBodyHook);
  app.setErrorHandler(handleError);
  app.setNotFoundHandler(handleNotFound);
  registerRoutes(app, engine, opts.requestTimeoutMs ?? 120_000);
  app.decorate('websocketUpgrades', installUpgradeDispatch(app));
  return app;
}

/**
 * The server's route table and openapi.yaml describe the same API: every
 * (method, path) in ROUTES is in the spec with the same operationId, every
 * spec operation is in ROUTES, and the built app really registers each one.
 *
 * Contract assumed of src/server/app.ts:
 *   export const ROUTES: ReadonlyArray<{ method: string; url: string; operationId: string; path?: string }>
 *     method: 'GET' | 'HEAD' | 'POST' | 'DELETE' …; url: the unversioned Fastify
 *     URL registered ('/containers/:id/json'); path (optional): the Docker form
 *     when url cannot be mapped back by turning ':x' into '{x}' (e.g. a wildcard).
 *   export function buildApp(engine: Engine, opts?: {...}): FastifyInstance (or a Promise of one)
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import type { Engine } from '../../src/engine/api.js';
import { buildApp, ROUTES } from '../../src/server/app.js';
import { listOperations } from '../../src/server/schemas.js';

interface RouteEntry {
  method: string;
  url: string;
  operationId: string;
  path?: string;
}

/**
 * An engine that accepts any property access or call at build time and does
 * nothing; it is not thenable, so awaiting it (or a call result) never hangs.
 */
function inertEngine(): Engine {
  const target = function () {} as unknown as object;
  const proxy: object = new Proxy(target, {
    get: (_t, prop) => (prop === 'then' ? undefined : proxy),
    apply: () => proxy,
  });
  return proxy as unknown as Engine;
}

/** '/containers/:id/json' → '/containers/{id}/json' (optional '?' markers dropped). */
function dockerPath(entry: RouteEntry): string {
  return entry.path ?? entry.url.replace(/:([A-Za-z0-9_]+)\??/g, '{$1}');
}

function key(method: string, path: string): string {
  return `${method.toUpperCase()} ${path}`;
}

const entries = (ROUTES as ReadonlyArray<RouteEntry>).flatMap((r) => ([] as string[]).concat(r.method).map((m) => ({ ...r, method: m.toUpperCase() })));

let app: FastifyInstance;

before(async () => {
  const built: unknown = buildApp(inertEngine());
  app = (built instanceof Promise ? await built : built) as FastifyInstance;
  await app.ready();
});

after(async () => {
  await app?.close();
});

test('ROUTES and openapi.yaml list the same (method, path) pairs', () => {
  const inRoutes = new Set(entries.map((r) => key(r.method, dockerPath(r))));
  const inSpec = new Set(listOperations().map((o) => key(o.method, o.path)));
  const missingInRoutes = [...inSpec].filter((k) => !inRoutes.has(k)).sort();
  const missingInSpec = [...inRoutes].filter((k) => !inSpec.has(k)).sort();
  assert.deepEqual(
    { missingInRoutes, missingInSpec },
    { missingInRoutes: [], missingInSpec: [] },
    `route table and openapi.yaml differ:\n  in openapi.yaml but not in ROUTES: ${missingInRoutes.join(', ') || '-'}\n  in ROUTES but not in openapi.yaml: ${missingInSpec.join(', ') || '-'}`,
  );
  assert.equal(inRoutes.size, entries.length, 'ROUTES lists a (method, path) more than once');
});

test('ROUTES uses the spec operationId for each route', () => {
  const specIds = new Map(listOperations().map((o) => [key(o.method, o.path), o.operationId]));
  const wrong = entries
    .filter((r) => specIds.has(key(r.method, dockerPath(r))) && specIds.get(key(r.method, dockerPath(r))) !== r.operationId)
    .map((r) => `${key(r.method, dockerPath(r))}: ROUTES says ${r.operationId}, openapi.yaml says ${specIds.get(key(r.method, dockerPath(r)))}`);
  assert.deepEqual(wrong, [], wrong.join('\n'));
});

test('the built app registers every route in ROUTES', () => {
  const unregistered = entries.filter((r) => !app.hasRoute({ method: r.method, url: r.url })).map((r) => key(r.method, r.url));
  assert.deepEqual(unregistered, [], `ROUTES entries the app did not register: ${unregistered.join(', ')}`);
});

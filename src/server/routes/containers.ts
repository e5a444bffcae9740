/**
 * Container routes: list, create, inspect, top, lifecycle verbs, wait,
 * rename, delete, prune. Streams (logs, attach) and resize live in
 * containers-io.ts.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Engine, WaitCondition } from '../../engine/api.js';
import type { Operations } from './operation.js';
import { badRequest } from '../errors.js';
import { queryBool, queryFilters, queryInt, queryString } from '../query.js';
import type { Query } from '../query.js';
import { clientGone, jsonLine, startRawStream } from '../streams/json-stream.js';
import { toContainerInspect, toContainerListItem } from '../wire/containers.js';
import { toContainerPruneResponse, toCreateResponse, toTopResponse, toWaitError, toWaitResponse } from '../wire/container-results.js';
import { parseContainerName, toCreateOptions } from '../wire/create-body.js';
import { committedToDisk } from '../durable-replies.js';

type Req = FastifyRequest;
const q = (request: Req) => request.query as Query;
const id = (request: Req) => (request.params as { id: string }).id;
/** A signal name or number, as given; undefined when absent or ''. */
const signalParam = (query: Query) => queryString(query.signal) || undefined;

const CONDITIONS: ReadonlySet<string> = new Set(['not-running', 'next-exit', 'removed']);

/** Wait `condition`: '' or absent → not-running; anything unknown → 400. */
export function parseWaitCondition(raw: string | undefined): WaitCondition {
  if (raw === undefined || raw === '') return 'not-running';
  if (!CONDITIONS.has(raw)) throw badRequest(`invalid condition: "${raw}"`);
  return raw as WaitCondition;
}

/** Docker rejects a JSON endpoint body whose Content-Type is present and not JSON. */
function requireJsonContentType(request: Req): void {
  const ct = request.headers['content-type'];
  if (ct !== undefined && ct !== '' && !/^application\/json\b/i.test(ct)) {
    throw badRequest(`Content-Type specified (${ct}) must be 'application/json'`);
  }
}

export function containerOperations(engine: Engine): Operations {
  const c = engine.containers;

  async function getContainersJson(request: Req) {
    const query = q(request);
    const views = await c.list({
      all: queryBool(query.all),
      limit: queryInt(query.limit, 'limit', -1),
      size: queryBool(query.size),
      filters: queryFilters(query.filters),
    });
    const now = Date.now();
    return views.map((v) => toContainerListItem(v, now));
  }

  async function postContainersCreate(request: Req, reply: FastifyReply) {
    requireJsonContentType(request);
    const { options, warnings } = toCreateOptions(request.body, queryString(q(request).name) || undefined);
    const created = await c.create(options);
    return reply.code(201).send(toCreateResponse(created.id, [...warnings, ...created.warnings]));
  }

  async function getContainersInspect(request: Req) {
    return toContainerInspect(await c.inspect(id(request), { size: queryBool(q(request).size) }));
  }

  async function getContainersTop(request: Req) {
    return toTopResponse(await c.top(id(request), queryString(q(request).ps_args, '-ef') || '-ef'));
  }

  /** Lifecycle verbs answer 204 with no body (304 comes from not-modified errors). */
  const noContent = (fn: (request: Req) => Promise<void>) => async (request: Req, reply: FastifyReply) => {
    await fn(request);
    return reply.code(204).send();
  };

  const postContainersStart = noContent((r) => c.start(id(r)));
  const postContainersStop = noContent((r) => c.stop(id(r), { timeout: queryInt(q(r).t, 't', null), signal: signalParam(q(r)) }));
  const postContainersRestart = noContent((r) => c.restart(id(r), { timeout: queryInt(q(r).t, 't', null), signal: signalParam(q(r)) }));
  const postContainersKill = noContent((r) => c.kill(id(r), signalParam(q(r))));
  const postContainersPause = noContent((r) => c.pause(id(r)));
  const postContainersUnpause = noContent((r) => c.unpause(id(r)));
  const postContainersRename = noContent(async (r) => {
    const name = parseContainerName(queryString(q(r).name));
    if (name === undefined) throw badRequest('Neither old nor new names may be empty'); // dockerd's text
    await c.rename(id(r), name);
  });
  const deleteContainers = noContent(async (r) => {
    if (queryBool(q(r).link)) throw badRequest('link: legacy container links are not supported');
    await c.remove(id(r), { force: queryBool(q(r).force), volumes: queryBool(q(r).v) });
  });

  async function postContainersPrune(request: Req) {
    return toContainerPruneResponse(await c.prune(queryFilters(q(request).filters)));
  }

  /**
   * Registers the waiter first (so a missing container is a JSON 404), then
   * flushes 200 headers at once — `docker run` blocks on them before it
   * starts the container — and writes the result when it settles. A client
   * that goes away aborts the wait.
   */
  async function postContainersWait(request: Req, reply: FastifyReply) {
    const condition = parseWaitCondition(queryString(q(request).condition, '') || undefined);
    const gone = clientGone(reply);
    const { result } = await c.wait(id(request), condition, gone);
    const stream = startRawStream(request, reply, 200, { 'Content-Type': 'application/json' });
    try {
      const exit = await result;
      // The exit (or removal) it reports is on disk first.
      await committedToDisk(engine.durability);
      stream.end(jsonLine(toWaitResponse(exit)));
    } catch (err) {
      if (gone.aborted) return stream.end();
      request.log.warn({ err }, 'wait failed after headers were sent');
      stream.end(jsonLine(toWaitError((err as Error).message)));
    }
  }

  return {
    ContainerList: { handler: getContainersJson },
    ContainerCreate: { handler: postContainersCreate },
    ContainerInspect: { handler: getContainersInspect },
    ContainerTop: { handler: getContainersTop },
    ContainerStart: { handler: postContainersStart },
    ContainerStop: { handler: postContainersStop, long: true },
    ContainerRestart: { handler: postContainersRestart, long: true },
    ContainerKill: { handler: postContainersKill },
    ContainerRename: { handler: postContainersRename },
    ContainerPause: { handler: postContainersPause },
    ContainerUnpause: { handler: postContainersUnpause },
    ContainerWait: { handler: postContainersWait, long: true },
    ContainerDelete: { handler: deleteContainers, long: true },
    ContainerPrune: { handler: postContainersPrune, long: true },
  };
}

/**
 * `POST /build` (ImageBuild) and `POST /build/prune` (BuildPrune). The
 * context streams in (no body limit) and the progress streams out (no
 * handler timeout): the engine reads the context and parses the Dockerfile
 * first, so those errors are ordinary 400s; after the 200 starts, a failing
 * step is an in-band error line.
 */
import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { BuildMessage, BuildOptions, BuildPruneOptions, Engine } from '../../engine/api.js';
import type { Operations } from './operation.js';
import { badRequest, notSupported } from '../errors.js';
import { queryBool, queryFilters, queryInt, queryList, queryString, type Query } from '../query.js';
import { disableSocketTimeout, jsonLine } from '../streams/json-stream.js';
import { parseJsonMap, registryConfigFromHeader, toBuildMessages, toBuildPruneResponse } from '../wire/build.js';
import { checkExtraHosts } from '../wire/create-network-fields.js';
import { errorMessage } from '../wire/messages.js';
import { durableLines } from '../durable-replies.js';

type Req = FastifyRequest;
const q = (request: Req) => request.query as Query;

function isReadable(v: unknown): v is Readable {
  return v !== null && typeof v === 'object' && typeof (v as Readable).pipe === 'function';
}

function jsonMap(query: Query, name: string, allowNull: boolean): Record<string, string | null> {
  const r = parseJsonMap(queryString(query[name]), name, allowNull);
  if (typeof r === 'string') throw badRequest(r);
  return r;
}

/** The build options of a request's query. Pure apart from the body stream. */
export function buildOptionsOf(query: Query, context: Readable, registryAuth: BuildOptions['registryAuth'] = {}): BuildOptions {
  if (queryString(query.remote)) throw notSupported('remote build contexts are not supported; send the context as the request body');
  if (queryBool(query.squash)) throw notSupported('squash is not supported');
  const cacheFrom = queryString(query.cachefrom);
  let cacheFromList: string[] = [];
  if (cacheFrom) {
    try {
      cacheFromList = JSON.parse(cacheFrom) as string[];
    } catch {
      throw badRequest('cachefrom: invalid JSON');
    }
  }
  return {
    context,
    dockerfile: queryString(query.dockerfile),
    tags: queryList(query.t).filter(Boolean),
    buildArgs: jsonMap(query, 'buildargs', true),
    labels: jsonMap(query, 'labels', false) as Record<string, string>,
    target: queryString(query.target),
    noCache: queryBool(query.nocache),
    cacheFrom: Array.isArray(cacheFromList) ? cacheFromList.map(String) : [],
    rm: queryBool(query.rm, true),
    forceRm: queryBool(query.forcerm),
    quiet: queryBool(query.q),
    networkMode: queryString(query.networkmode),
    // The CLI sends one comma-joined value, docker-py one value per host.
    extraHosts: checkExtraHosts(
      queryList(query.extrahosts)
        .flatMap((v) => v.split(','))
        .filter(Boolean),
    ),
    pull: queryBool(query.pull),
    platform: queryString(query.platform),
    registryAuth,
    memory: queryInt(query.memory, 'memory', 0),
    memorySwap: queryInt(query.memswap, 'memswap', 0),
    cpuShares: queryInt(query.cpushares, 'cpushares', 0),
    cpuPeriod: queryInt(query.cpuperiod, 'cpuperiod', 0),
    cpuQuota: queryInt(query.cpuquota, 'cpuquota', 0),
    cpusetCpus: queryString(query.cpusetcpus),
    shmSize: shmSizeOf(query),
  };
}

function shmSizeOf(query: Query): number {
  const n = queryInt(query.shmsize, 'shmsize', 0);
  if (n < 0) throw badRequest('SHM size can not be less than 0');
  return n;
}

/** `POST /build/prune`'s query; keep-storage is read as dockerd's strconv.Atoi (its text, as a 400). Pure. */
export function buildPruneOptionsOf(query: Query): BuildPruneOptions {
  const ks = queryString(query['keep-storage'], '0') || '0';
  if (!/^[+-]?\d+$/.test(ks))
    throw badRequest(`keep-storage is in bytes and expects an integer, got ${ks}: strconv.Atoi: parsing ${JSON.stringify(ks)}: invalid syntax`);
  return { filters: queryFilters(query.filters), all: queryBool(query.all), keepStorage: Number(ks) };
}

async function* lines(messages: AsyncIterable<BuildMessage>): AsyncGenerator<string> {
  for await (const m of messages) for (const line of toBuildMessages(m)) yield jsonLine(line);
}

export function buildOperations(engine: Engine): Operations {
  async function postBuild(request: Req, reply: FastifyReply) {
    if (!engine.build) throw notSupported('this engine does not build images');
    if (!isReadable(request.body)) throw badRequest('the request body must be the build context (a tar archive)');
    disableSocketTimeout(request.raw.socket);
    const { messages } = await engine.build.build(buildOptionsOf(q(request), request.body, registryConfigFromHeader(request.headers['x-registry-config'])));
    return reply
      .code(200)
      .type('application/json')
      .send(Readable.from(durableLines(engine.durability, lines(messages), (message) => jsonLine(errorMessage(message)))));
  }

  async function postBuildPrune(request: Req) {
    if (!engine.build) throw notSupported('this engine does not build images');
    return toBuildPruneResponse(await engine.build.prune(buildPruneOptionsOf(q(request))));
  }

  return {
    ImageBuild: { handler: postBuild, long: true, bodyLimit: Number.MAX_SAFE_INTEGER },
    BuildPrune: { handler: postBuildPrune, long: true },
  };
}

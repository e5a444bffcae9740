/**
 * Image routes: list, create (import; pull is in registry.ts), inspect, tag,
 * delete. Image names contain "/" (`/images/docker.io/library/busybox:latest/json`),
 * which a `:name` parameter cannot match, so each name route also has a
 * wildcard twin (`/images/*`) that splits the suffix off itself.
 */
import type { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Engine } from '../../engine/api.js';
import type { Operations } from './operation.js';
import { badRequest, handleNotFound, notSupported } from '../errors.js';
import { queryBool, queryFilters, queryList, queryString } from '../query.js';
import type { Query } from '../query.js';
import { disableSocketTimeout, jsonLine } from '../streams/json-stream.js';
import { toImageDeleteResponse, toImageInspect, toImageListItem } from '../wire/images.js';
import { statusMessage } from '../wire/messages.js';

type Req = FastifyRequest;
type Handler = (request: Req, reply: FastifyReply) => unknown;
const q = (request: Req) => request.query as Query;

const kImageName = Symbol('berth.imageName');
type NamedRequest = Req & { [kImageName]?: string };

/** The image name of a request: set by a wildcard twin, else the `:name` parameter. */
function imageName(request: Req): string {
  return (request as NamedRequest)[kImageName] ?? (request.params as { name: string }).name;
}

/**
 * Splits "repo:tag" when no separate tag was given (the CLI sends
 * `repo=name:tag` for import). A ":" before the last "/" is a registry port.
 */
export function splitRepoTag(repo: string, tag: string): { repo: string; tag: string } {
  if (tag !== '') return { repo, tag };
  const colon = repo.lastIndexOf(':');
  if (colon > repo.lastIndexOf('/')) return { repo: repo.slice(0, colon), tag: repo.slice(colon + 1) };
  return { repo, tag };
}

function isReadable(v: unknown): v is Readable {
  return v !== null && typeof v === 'object' && typeof (v as Readable).pipe === 'function';
}

/** `pull` serves `POST /images/create?fromImage=` (routes/registry.ts). */
export function imageOperations(engine: Engine, pull: Handler): Operations {
  const im = engine.images;

  async function getImagesJson(request: Req) {
    const query = q(request);
    const views = await im.list({ all: queryBool(query.all), filters: queryFilters(query.filters) });
    return views.map(toImageListItem);
  }

  /**
   * `fromSrc=-` imports the raw request body; the answer is Docker's JSON
   * message stream ending in `{"status":"sha256:…"}` (what `docker import`
   * prints). Nothing is written before the import succeeded, so failures
   * are ordinary JSON errors.
   */
  async function postImagesCreate(request: Req, reply: FastifyReply) {
    const query = q(request);
    const fromImage = queryString(query.fromImage);
    const fromSrc = queryString(query.fromSrc);
    if (fromImage !== '') return pull(request, reply);
    if (fromSrc === '') throw badRequest('fromImage or fromSrc must be given');
    if (fromSrc !== '-')
      throw notSupported('importing from a URL is not supported (berth makes no network requests); send the tarball as the request body with fromSrc=-');
    if (!isReadable(request.body)) throw badRequest('the request body must be the image tarball (Content-Type application/x-tar)');
    const { repo, tag } = splitRepoTag(queryString(query.repo), queryString(query.tag));
    disableSocketTimeout(request.raw.socket);
    const { id } = await im.import({ source: request.body, repo, tag, changes: queryList(query.changes), message: queryString(query.message) });
    return reply
      .code(200)
      .type('application/json')
      .send(jsonLine(statusMessage(id)));
  }

  async function getImagesInspect(request: Req) {
    return toImageInspect(await im.inspect(imageName(request)));
  }

  async function postImagesTag(request: Req, reply: FastifyReply) {
    const query = q(request);
    const repo = queryString(query.repo);
    if (repo === '') throw badRequest('repo: a repository name is required');
    const split = splitRepoTag(repo, queryString(query.tag));
    await im.tag(imageName(request), split.repo, split.tag);
    return reply.code(201).send();
  }

  async function deleteImages(request: Req) {
    const query = q(request);
    const items = await im.remove(imageName(request), { force: queryBool(query.force), noprune: queryBool(query.noprune) });
    return toImageDeleteResponse(items);
  }

  return {
    ImageList: { handler: getImagesJson },
    ImageCreate: { handler: postImagesCreate, long: true, bodyLimit: Number.MAX_SAFE_INTEGER },
    ImageInspect: { handler: getImagesInspect },
    ImageTag: { handler: postImagesTag },
    ImageDelete: { handler: deleteImages, long: true },
  };
}

/**
 * A handler for a wildcard twin: takes the name from `*` minus `suffix`
 * (e.g. "/json"), or answers 404 page not found when the suffix is absent.
 */
export function wildcardImageHandler(suffix: string, handler: Handler): Handler {
  return (request, reply) => {
    const rest = (request.params as Record<string, string>)['*'] ?? '';
    if (!rest.endsWith(suffix) || rest.length === suffix.length) return handleNotFound(request, reply);
    (request as NamedRequest)[kImageName] = rest.slice(0, rest.length - suffix.length);
    return handler(request, reply);
  };
}

/** The image name of a request (for routes in other files). */
export function imageNameOf(request: Req): string {
  return imageName(request);
}

/**
 * One handler for every wildcard twin of a method (Fastify takes one
 * `/images/*` route per method): the first twin whose suffix the path ends
 * with handles it; none → 404 page not found.
 */
export function wildcardImageDispatch(twins: Array<{ suffix: string; handler: Handler }>): Handler {
  const wrapped = twins.map((t) => ({ suffix: t.suffix, handler: wildcardImageHandler(t.suffix, t.handler) }));
  return (request, reply) => {
    const rest = (request.params as Record<string, string>)['*'] ?? '';
    const twin = wrapped.find((t) => t.suffix !== '' && rest.endsWith(t.suffix) && rest.length > t.suffix.length) ?? wrapped.find((t) => t.suffix === '');
    return twin ? twin.handler(request, reply) : handleNotFound(request, reply);
  };
}

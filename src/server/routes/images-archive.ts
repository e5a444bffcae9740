/**
 * Image routes beyond the basics: save (ImageGet, ImageGetAll), load
 * (ImageLoad), history (ImageHistory) and prune (ImagePrune).
 */
import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Engine } from '../../engine/api.js';
import type { Operations } from './operation.js';
import { badRequest } from '../errors.js';
import { queryFilters, queryList, type Query } from '../query.js';
import { disableSocketTimeout, jsonLine } from '../streams/json-stream.js';
import { loadMessages, toHistoryItem, toImagePruneResponse } from '../wire/images.js';
import { errorMessage, streamMessage } from '../wire/messages.js';
import { imageNameOf } from './images.js';

type Req = FastifyRequest;
const q = (request: Req) => request.query as Query;

function isReadable(v: unknown): v is Readable {
  return v !== null && typeof v === 'object' && typeof (v as Readable).pipe === 'function';
}

export function imageArchiveOperations(engine: Engine): Operations {
  const im = engine.images;

  /** Streams the archive; names are resolved first so a bad one is a plain 404. */
  async function sendArchive(reply: FastifyReply, refs: string[]) {
    const chunks = await im.save(refs);
    return reply.code(200).type('application/x-tar').send(Readable.from(chunks));
  }

  async function getImagesGet(request: Req, reply: FastifyReply) {
    return sendArchive(reply, [imageNameOf(request)]);
  }

  async function getImagesGetAll(request: Req, reply: FastifyReply) {
    const names = queryList(q(request).names);
    if (names.length === 0) throw badRequest('names: at least one image name is required');
    return sendArchive(reply, names);
  }

  /**
   * Everything is loaded before the first byte. As dockerd, a failed load is
   * still a 200 whose one line is the error (`docker load` prints it and
   * exits 1). `quiet` only silences progress bars in dockerd, and berth
   * sends none, so the "Loaded image" lines are the answer either way.
   */
  async function postImagesLoad(request: Req, reply: FastifyReply) {
    if (!isReadable(request.body)) throw badRequest('the request body must be the image archive (Content-Type application/x-tar)');
    disableSocketTimeout(request.raw.socket);
    let lines: string[];
    try {
      lines = loadMessages(await im.load(request.body)).map((text) => jsonLine(streamMessage(text)));
    } catch (err) {
      request.log.info({ err }, 'image load failed');
      lines = [jsonLine(errorMessage((err as Error).message))];
    }
    return reply.code(200).type('application/json').send(lines.join(''));
  }

  async function getImagesHistory(request: Req) {
    return (await im.history(imageNameOf(request))).map(toHistoryItem);
  }

  async function postImagesPrune(request: Req) {
    return toImagePruneResponse(await im.prune(queryFilters(q(request).filters)));
  }

  return {
    ImageGet: { handler: getImagesGet, long: true },
    ImageGetAll: { handler: getImagesGetAll, long: true },
    ImageLoad: { handler: postImagesLoad, long: true, bodyLimit: Number.MAX_SAFE_INTEGER },
    ImageHistory: { handler: getImagesHistory },
    ImagePrune: { handler: postImagesPrune, long: true },
  };
}

/**
 * Registry routes: pull (`POST /images/create?fromImage=`, dispatched from
 * images.ts), push, login (`POST /auth`) and search. Progress streams start
 * at the engine's first progress event: an error before it (bad reference,
 * unknown manifest, wrong credentials) is an ordinary JSON error with its
 * status; an error after it is an in-band `{"errorDetail":…}` line, as
 * dockerd does.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { DurabilityApi, Engine, RegistryProgress } from '../../engine/api.js';
import type { Operations } from './operation.js';
import { badRequest, describeError, notSupported } from '../errors.js';
import { queryString, type Query } from '../query.js';
import { jsonLine, startRawStream, type RawStream } from '../streams/json-stream.js';
import { errorMessage } from '../wire/messages.js';
import { credentialsFromBody, progressMessages, registryAuthFromHeader, toAuthResponse } from '../wire/registry.js';
import { imageNameOf } from './images.js';
import { committedToDisk } from '../durable-replies.js';

type Req = FastifyRequest;
const q = (request: Req) => request.query as Query;

/**
 * Runs `work` with a progress callback that opens the response stream on
 * its first event. Resolves when the response is complete.
 */
async function streamProgress(
  request: Req,
  reply: FastifyReply,
  durability: DurabilityApi | undefined,
  work: (onProgress: (e: RegistryProgress) => void, signal: AbortSignal) => Promise<void>,
): Promise<void> {
  const ac = new AbortController();
  reply.raw.on('close', () => {
    if (!reply.raw.writableFinished) ac.abort();
  });
  let stream: RawStream | null = null;
  let writes: Promise<unknown> = Promise.resolve();
  const send = (line: string) => {
    stream ??= startRawStream(request, reply, 200, { 'Content-Type': 'application/json' });
    const s = stream;
    // A line may report a commit ("Downloaded newer image"): it waits until that is on disk. A failed sync skips the rest.
    writes = writes.then(() => committedToDisk(durability)).then(() => s.write(line));
  };
  try {
    await work((e) => {
      for (const m of progressMessages(e)) send(jsonLine(m));
    }, ac.signal);
  } catch (err) {
    if (!stream) throw err;
    if (!ac.signal.aborted) request.log.info({ err: (err as Error).message }, 'registry transfer failed');
    send(jsonLine(errorMessage(describeError(err).message)));
  }
  if (!stream) send(''); // nothing to report is still a 200 stream
  await writes.catch((err: unknown) => stream?.write(jsonLine(errorMessage(describeError(err).message))));
  (stream as RawStream | null)?.end();
}

export function registryOperations(engine: Engine): Operations {
  /** `POST /images/create?fromImage=…&tag=…` (called by images.ts). */
  async function pull(request: Req, reply: FastifyReply): Promise<void> {
    const query = q(request);
    const credentials = registryAuthFromHeader(request.headers['x-registry-auth']);
    await streamProgress(request, reply, engine.durability, (onProgress, signal) =>
      engine.registry.pull({
        image: queryString(query.fromImage),
        tag: queryString(query.tag),
        platform: queryString(query.platform),
        credentials,
        onProgress,
        signal,
      }),
    );
  }

  async function postImagesPush(request: Req, reply: FastifyReply): Promise<void> {
    const credentials = registryAuthFromHeader(request.headers['x-registry-auth']);
    await streamProgress(request, reply, engine.durability, (onProgress, signal) =>
      engine.registry.push({ image: imageNameOf(request), tag: queryString(q(request).tag), credentials, onProgress, signal }),
    );
  }

  /** `docker login`: Docker's answer shape; credentials are checked and forgotten. */
  async function postAuth(request: Req) {
    const creds = credentialsFromBody(request.body);
    if (!creds?.username && !creds?.identityToken) throw badRequest('username and password (or an identity token) are required');
    const { identityToken } = await engine.registry.login(creds);
    return toAuthResponse(identityToken);
  }

  async function getImagesSearch() {
    throw notSupported('search is not supported: registries that speak the distribution (v2) API have no search endpoint; browse the registry instead');
  }

  return {
    ImageCreatePull: { handler: pull, long: true },
    ImagePush: { handler: postImagesPush, long: true },
    SystemAuth: { handler: postAuth },
    ImageSearch: { handler: getImagesSearch },
  };
}

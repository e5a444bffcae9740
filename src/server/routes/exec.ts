/** Exec routes: create, start (hijacked or detached), resize, inspect. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AttachSession, Engine, ExecApi, OutputChunk } from '../../engine/api.js';
import { requestApiVersion } from '../api-version.js';
import type { Operations } from './operation.js';
import { badRequest, notSupported } from '../errors.js';
import { queryInt } from '../query.js';
import type { Query } from '../query.js';
import { hijackConnection, runAttach, type HijackedConnection } from '../streams/hijack.js';
import { execCreateFromBody, execCreateResponse, execInspectJson, execStartFromBody } from '../wire/exec.js';
import { streamContentType } from './containers-io.js';

type Req = FastifyRequest;
const id = (request: Req) => (request.params as { id: string }).id;

export function execOperations(engine: Engine): Operations {
  const exec = (): ExecApi => {
    if (!engine.exec) throw notSupported('exec is not supported by this engine');
    return engine.exec;
  };

  async function postContainersExec(request: Req, reply: FastifyReply) {
    const { id: execId } = await exec().create(id(request), execCreateFromBody(request.body));
    return reply.code(201).send(execCreateResponse(execId));
  }

  /**
   * Errors found before the process runs (unknown id, container not
   * running) are JSON answers; a runtime failure of an attached start goes
   * into the stream, as Docker does. The stream ends after the exit code
   * is recorded, so the CLI's inspect right after sees it. The hijack
   * headers go out before the process runs (onAccepted), never together
   * with its first output: docker-py would lose that output.
   */
  async function postExecStart(request: Req, reply: FastifyReply) {
    const { tty: startTty, ...opts } = execStartFromBody(request.body);
    const contentType = streamContentType(startTty, requestApiVersion(request.raw));
    // A holder, not a `let`: TypeScript does not see the assignment inside the callback.
    const hijacked: { conn?: HijackedConnection } = {};
    const onAccepted = () => {
      hijacked.conn = hijackConnection(request, reply, contentType);
    };
    let session;
    try {
      session = await exec().start(id(request), { ...opts, onAccepted });
    } catch (err) {
      if (!hijacked.conn) throw err;
      return endHijacked(hijacked.conn, `Error: ${(err as Error).message}\n`);
    }
    if (!session) return reply.code(200).send();
    await runAttach(hijacked.conn ?? hijackConnection(request, reply, contentType), framedAs(session, startTty), {
      onSlowClient: (pending) => request.log.warn({ exec: id(request), pending }, 'exec client too slow (stopped reading): disconnected'),
    });
  }

  async function postExecResize(request: Req, reply: FastifyReply) {
    const query = request.query as Query;
    const h = queryInt(query.h, 'h', null);
    const w = queryInt(query.w, 'w', null);
    if (h === null || w === null || h < 0 || w < 0) throw badRequest('h and w must be given as non-negative integers');
    await exec().resize(id(request), h, w);
    return reply.code(200).send();
  }

  async function getExecJson(request: Req, reply: FastifyReply) {
    return reply.send(execInspectJson(await exec().inspect(id(request))));
  }

  return {
    ContainerExec: { handler: postContainersExec },
    ExecStart: { handler: postExecStart, long: true },
    ExecResize: { handler: postExecResize },
    ExecInspect: { handler: getExecJson },
  };
}

/**
 * The session as the start request's Tty frames it (dockerd's rule): false →
 * multiplexed even for a TTY process; true → raw, and a non-TTY process's
 * stderr is dropped, as dockerd has no stream to put it in.
 */
export function framedAs(session: AttachSession, startTty: boolean): AttachSession {
  if (session.tty === startTty) return session;
  if (!startTty || session.tty) return { ...session, tty: startTty };
  const source = session.output;
  async function* stdoutOnly(): AsyncGenerator<OutputChunk> {
    for await (const chunk of source) if (chunk.stream !== 'stderr') yield chunk;
  }
  return { ...session, tty: true, output: stdoutOnly() };
}

/** Writes a last message into a hijacked stream and closes it. */
function endHijacked(conn: HijackedConnection, message: string): void {
  if (conn.socket.destroyed) return;
  conn.socket.end(message, () => conn.socket.destroy());
}

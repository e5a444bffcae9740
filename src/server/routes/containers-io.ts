/** Container I/O routes: logs (framed or raw stream), attach (hijack), resize. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AttachOptions, Engine, LogEntry, LogsOptions } from '../../engine/api.js';
import { compareVersions, requestApiVersion } from '../api-version.js';
import type { Operations } from './operation.js';
import { badRequest } from '../errors.js';
import { queryBool, queryInt, queryString, queryUnixTime } from '../query.js';
import type { Query } from '../query.js';
import { hijackConnection, runAttach } from '../streams/hijack.js';
import { startRawStream } from '../streams/json-stream.js';
import { frame } from '../streams/stdcopy.js';

type Req = FastifyRequest;
const q = (request: Req) => request.query as Query;
const id = (request: Req) => (request.params as { id: string }).id;

export const RAW_STREAM = 'application/vnd.docker.raw-stream';
export const MULTIPLEXED_STREAM = 'application/vnd.docker.multiplexed-stream';

/** Logs `tail`: a non-negative number, else (all, -1, junk, absent) 'all'. */
export function parseTail(raw: string | undefined): number | 'all' {
  if (raw === undefined || !/^\d+$/.test(raw.trim())) return 'all';
  return Number(raw.trim());
}

/** Logs query → engine options; 400 when neither stream is chosen. */
export function parseLogsQuery(query: Query): LogsOptions {
  const opts: LogsOptions = {
    stdout: queryBool(query.stdout),
    stderr: queryBool(query.stderr),
    follow: queryBool(query.follow),
    since: queryUnixTime(query.since, 'since'),
    until: queryUnixTime(query.until, 'until'),
    tail: parseTail(queryString(query.tail, '') || undefined),
  };
  if (!opts.stdout && !opts.stderr) throw badRequest('Bad parameters: you must choose at least one stream');
  return opts;
}

/** Stream Content-Type: multiplexed only for non-TTY from API 1.42. */
export function streamContentType(tty: boolean, apiVersion: string): string {
  return !tty && compareVersions(apiVersion, '1.42') >= 0 ? MULTIPLEXED_STREAM : RAW_STREAM;
}

/**
 * One batch of log entries as one buffer: raw for TTY, else one 8-byte
 * framed record per entry; `timestamps` puts "<RFC3339Nano> " before each.
 */
export function encodeLogBatch(entries: LogEntry[], tty: boolean, timestamps: boolean): Buffer {
  const header = tty ? 0 : FRAME_HEADER;
  const stamp = (e: LogEntry) => (timestamps ? e.time.length + 1 : 0);
  let total = 0;
  for (const e of entries) total += header + stamp(e) + e.data.length;
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  for (const e of entries) {
    if (!tty) {
      out.writeUInt32BE(e.stream === 'stdout' ? 1 << 24 : 2 << 24, at);
      out.writeUInt32BE(stamp(e) + e.data.length, at + 4);
      at += FRAME_HEADER;
    }
    if (timestamps) at += out.write(`${e.time} `, at, 'latin1');
    at += e.data.copy(out, at);
  }
  return out;
}

const FRAME_HEADER = 8;

/** Attach query (HTTP and WebSocket) → engine options; detach keys are checked by the engine. */
export function attachOptionsFromQuery(query: Query): AttachOptions {
  return {
    stream: queryBool(query.stream),
    logs: queryBool(query.logs),
    stdin: queryBool(query.stdin),
    stdout: queryBool(query.stdout),
    stderr: queryBool(query.stderr),
    detachKeys: queryString(query.detachKeys),
  };
}

export function containerIoOperations(engine: Engine): Operations {
  const c = engine.containers;

  /**
   * Headers go out at once, even before the first line (clients wait for
   * them); each entry is written with back-pressure; a client that leaves
   * aborts the engine's reader. A read error after the headers goes out as
   * a systemerr frame (non-TTY), which the Go client turns into an error.
   */
  async function getContainersLogs(request: Req, reply: FastifyReply) {
    const opts = parseLogsQuery(q(request));
    const timestamps = queryBool(q(request).timestamps);
    const ac = new AbortController();
    reply.raw.on('close', () => {
      if (!reply.raw.writableFinished) ac.abort();
    });
    const { tty, batches } = await c.logs(id(request), opts, ac.signal);
    const stream = startRawStream(request, reply, 200, { 'Content-Type': streamContentType(tty, requestApiVersion(request.raw)) });
    try {
      for await (const batch of batches) {
        if (batch.length > 0 && !(await stream.write(encodeLogBatch(batch, tty, timestamps)))) break;
      }
    } catch (err) {
      if (!ac.signal.aborted) {
        request.log.warn({ err }, 'log stream failed');
        if (!tty) await stream.write(frame('systemerr', Buffer.from((err as Error).message)));
      }
    } finally {
      stream.end();
    }
  }

  /**
   * Engine errors (missing, paused…) are ordinary JSON responses because the
   * engine is asked before the connection is taken over.
   */
  async function postContainersAttach(request: Req, reply: FastifyReply) {
    const session = await c.attach(id(request), attachOptionsFromQuery(q(request)));
    const conn = hijackConnection(request, reply, streamContentType(session.tty, requestApiVersion(request.raw)));
    await runAttach(conn, session, {
      onSlowClient: (pending) => request.log.warn({ container: id(request), pending }, 'attach client too slow (stopped reading): disconnected'),
    });
  }

  async function postContainersResize(request: Req, reply: FastifyReply) {
    const query = q(request);
    const h = queryInt(query.h, 'h', null);
    const w = queryInt(query.w, 'w', null);
    if (h === null || w === null || h < 0 || w < 0) throw badRequest('h and w must be given as non-negative integers');
    await c.resize(id(request), h, w);
    return reply.code(200).send();
  }

  return {
    ContainerLogs: { handler: getContainersLogs, long: true },
    ContainerAttach: { handler: postContainersAttach, long: true },
    ContainerResize: { handler: postContainersResize },
  };
}

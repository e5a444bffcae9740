/**
 * Streaming HTTP responses that bypass Fastify's send(): headers are written
 * and flushed at once (clients such as `docker run` block on them), the body
 * follows in chunks (chunked transfer encoding), and the stream is tied to
 * the client's connection through an AbortSignal.
 */
import type { OutgoingHttpHeaders } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { writeWithBackpressure } from './stdcopy.js';

export interface RawStream {
  /** Aborted when the client goes away before the stream ended. */
  signal: AbortSignal;
  write(data: Buffer | string): Promise<boolean>;
  end(data?: Buffer | string): void;
}

const clientGoneSignals = new WeakMap<FastifyReply['raw'], AbortSignal>();

/**
 * Aborted when the client goes away before the response ended. One signal
 * per response, however many ask (a route that waits before it streams,
 * then the stream): one controller and one close listener.
 */
export function clientGone(reply: FastifyReply): AbortSignal {
  const res = reply.raw;
  let signal = clientGoneSignals.get(res);
  if (!signal) {
    const ac = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) ac.abort();
    });
    signal = ac.signal;
    clientGoneSignals.set(res, signal);
  }
  return signal;
}

/**
 * Takes the reply over (reply.hijack()), writes `status` with the headers
 * Fastify hooks already set (Api-Version, Server…) plus `headers`, and
 * flushes them. No request timeout applies afterwards.
 */
export function startRawStream(request: FastifyRequest, reply: FastifyReply, status: number, headers: OutgoingHttpHeaders): RawStream {
  const signal = clientGone(reply);
  const res = reply.raw;
  reply.hijack();
  disableSocketTimeout(request.raw.socket);
  const merged = { ...(reply.getHeaders() as OutgoingHttpHeaders), ...headers };
  res.writeHead(status, merged);
  res.flushHeaders();
  return {
    signal,
    write: (data) => writeWithBackpressure(res, data),
    end: (data) => {
      if (!res.writableEnded && !res.destroyed) res.end(data);
    },
  };
}

/**
 * Removes the idle timeout of a connection that now carries a long stream.
 * Tolerates sockets without setTimeout (inject's mock socket).
 */
export function disableSocketTimeout(socket: unknown): void {
  const s = socket as { setTimeout?: unknown } | null | undefined;
  if (s && typeof s.setTimeout === 'function') (s.setTimeout as (ms: number) => void).call(s, 0);
}

/** One line of a JSON stream (the message itself is shaped in wire/, e.g. wire/messages.ts). */
export function jsonLine(msg: Record<string, unknown>): string {
  return `${JSON.stringify(msg)}\n`;
}

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

/**
 * Takes the reply over (reply.hijack()), writes `status` with the headers
 * Fastify hooks already set (Api-Version, Server…) plus `headers`, and
 * flushes them. No request timeout applies afterwards.
 */
export function startRawStream(request: FastifyRequest, reply: FastifyReply, status: number, headers: OutgoingHttpHeaders): RawStream {
  const ac = new AbortController();
  const res = reply.raw;
  reply.hijack();
  disableSocketTimeout(request.raw.socket);
  res.on('close', () => {
    if (!res.writableFinished) ac.abort();
  });
  const merged = { ...(reply.getHeaders() as OutgoingHttpHeaders), ...headers };
  res.writeHead(status, merged);
  res.flushHeaders();
  return {
    signal: ac.signal,
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

/**
 * The ONLY place that maps error kinds to HTTP status codes, and the only
 * writer of Docker's error body `{"message": "..."}`.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { EngineError, isEngineError } from '../engine/api.js';
import type { ErrorKind } from '../engine/api.js';

const STATUS_BY_KIND: Readonly<Record<ErrorKind, number>> = {
  'not-found': 404,
  'invalid-parameter': 400,
  conflict: 409,
  'not-modified': 304,
  unavailable: 503,
  forbidden: 403,
  unauthorized: 401,
  'not-implemented': 501,
  system: 500,
};

/** HTTP status for an engine error kind. */
export function statusForKind(kind: ErrorKind): number {
  return STATUS_BY_KIND[kind];
}

/** A 400 raised by the server itself (bad query or body); same class as the engine's. */
export function badRequest(message: string): EngineError {
  return new EngineError('invalid-parameter', 'BERTH_API_BAD_PARAMETER', message);
}

/** A 501 raised by the server for a known-but-unsupported request shape. */
export function notSupported(message: string): EngineError {
  return new EngineError('not-implemented', 'BERTH_API_NOT_IMPLEMENTED', message);
}

/** Status and message for any thrown value. Unknown errors are 500. */
export function describeError(err: unknown, query?: Record<string, unknown>): { status: number; message: string } {
  if (isEngineError(err)) return { status: statusForKind(err.kind), message: err.message };
  const fe = err as Partial<FastifyError> | null;
  if (fe && Array.isArray(fe.validation)) {
    return { status: 400, message: validationMessage(fe as FastifyError, query) };
  }
  if (err instanceof SyntaxError) return { status: 400, message: `invalid JSON: ${err.message}` };
  const code = typeof fe?.statusCode === 'number' ? fe.statusCode : 0;
  // Fastify's own client errors (bad content type, body too large, handler timeout).
  if (code >= 400 && code < 600 && typeof fe?.code === 'string' && fe.code.startsWith('FST_')) {
    return { status: code, message: fe.message ?? 'error' };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { status: 500, message };
}

/**
 * "querystring/t must match pattern …" style text: Fastify's message already
 * names the field. A query value outside an enum gets Docker's
 * `invalid <name>: "<value>"` (e.g. wait's `invalid condition: "x"`).
 */
function validationMessage(err: FastifyError, query?: Record<string, unknown>): string {
  const first = err.validation?.[0];
  const ctx = err.validationContext;
  if (ctx === 'querystring' && first?.keyword === 'enum' && query) {
    const name = first.instancePath.replace(/^\//, '');
    if (name && typeof query[name] === 'string') return `invalid ${name}: "${query[name]}"`;
  }
  return ctx && !err.message.startsWith(ctx) ? `${ctx}: ${err.message}` : err.message;
}

/** Whether the client is gone (nothing can be written any more). */
export function clientGone(request: FastifyRequest, reply: FastifyReply): boolean {
  return reply.raw.destroyed || request.raw.socket?.destroyed === true;
}

/**
 * Fastify error handler. 304 is sent without a body. 5xx is logged at error,
 * 4xx at debug. When the client has gone, or the reply was hijacked (a stream
 * owns the socket), nothing is written.
 */
export function handleError(this: unknown, err: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const { status, message } = describeError(err, request.query as Record<string, unknown> | undefined);
  if (status >= 500) request.log.error({ err }, 'request failed');
  else request.log.debug({ err, status }, 'request rejected');
  if (reply.sent || clientGone(request, reply)) return;
  if (status === 304) {
    reply.code(304).send();
    return;
  }
  reply.code(status).type('application/json').send(JSON.stringify({ message }));
}

/** Docker's answer for an unknown path. */
export function handleNotFound(_request: FastifyRequest, reply: FastifyReply): void {
  reply
    .code(404)
    .type('application/json')
    .send(JSON.stringify({ message: 'page not found' }));
}

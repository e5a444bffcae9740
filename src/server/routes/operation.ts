/**
 * The shape every routes/* module supplies, one entry per operationId.
 * In its own file so that the route modules need not import app.ts, which
 * imports them.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

/** What a routes/* module supplies for one operation. */
export interface Operation {
  handler: (request: FastifyRequest, reply: FastifyReply) => unknown;
  /** Long-running or streaming: no handler timeout (waits, streams, uploads, stop's grace period). */
  long?: boolean;
  /** Per-route body limit in bytes (uploads are streamed and not buffered anyway). */
  bodyLimit?: number;
}

export type Operations = Record<string, Operation>;

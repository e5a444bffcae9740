/**
 * GET /events: a JSON stream of events, one object per line. A reader
 * that falls too far behind is disconnected (see engine/events/stream.ts):
 * berthd never waits for it and never buffers without bound. Each event
 * goes out once the change it reports is on disk (the engine's stream
 * waits for the state sync).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type Engine } from '../../engine/api.js';
import type { Operations } from './operation.js';
import { notSupported } from '../errors.js';
import { queryFilters, queryString, type Query } from '../query.js';
import { startRawStream } from '../streams/json-stream.js';
import { eventLine } from '../wire/events.js';

export function eventOperations(engine: Engine): Operations {
  async function getEvents(request: FastifyRequest, reply: FastifyReply) {
    if (!engine.events) throw notSupported('events are not available');
    const query = request.query as Query;
    const ac = new AbortController();
    // Validation errors are ordinary 400s: nothing has been sent yet.
    const { events, dropped } = engine.events.stream(
      { since: queryString(query.since), until: queryString(query.until), filters: queryFilters(query.filters) },
      ac.signal,
    );
    const stream = startRawStream(request, reply, 200, { 'Content-Type': 'application/json' });
    stream.signal.addEventListener('abort', () => ac.abort(), { once: true });
    void dropped.then((err) => {
      request.log.warn({ err }, 'events reader dropped');
      reply.raw.destroy();
      ac.abort();
    });
    try {
      for await (const e of events) {
        if (!(await stream.write(eventLine(e)))) break;
      }
    } catch (err) {
      // A dropped reader's connection is already closed. A failed state sync (berthd stops) must not look
      // like the normal end of an `until` stream: the connection is cut.
      if ((err as { code?: string }).code !== 'BERTH_EVENTS_SLOW_READER') {
        request.log.warn({ err }, 'events stream ended by a failure');
        reply.raw.destroy();
      }
    } finally {
      ac.abort();
      stream.end();
    }
  }
  return { SystemEvents: { handler: getEvents, long: true } };
}

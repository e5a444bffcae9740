/** GET /containers/{id}/stats: one JSON object, or one per second when streaming. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Engine } from '../../engine/api.js';
import type { Operations } from '../app.js';
import { badRequest, notSupported } from '../errors.js';
import { queryBool, type Query } from '../query.js';
import { startRawStream } from '../streams/json-stream.js';
import { toStatsJson } from '../wire/stats.js';

export function statsOperations(engine: Engine): Operations {
  async function getContainerStats(request: FastifyRequest, reply: FastifyReply) {
    if (!engine.stats) throw notSupported('stats are not available');
    const query = request.query as Query;
    const stream = queryBool(query.stream, true);
    const oneShot = queryBool(query['one-shot'], false);
    if (oneShot && stream) throw badRequest('cannot have stream=true and one-shot=true');
    const ac = new AbortController();
    const frames = await engine.stats.stats((request.params as { id: string }).id, { stream, oneShot }, ac.signal);
    const out = startRawStream(request, reply, 200, { 'Content-Type': 'application/json' });
    out.signal.addEventListener('abort', () => ac.abort(), { once: true });
    try {
      for await (const f of frames) {
        if (!(await out.write(`${JSON.stringify(toStatsJson(f))}\n`))) break;
      }
    } finally {
      ac.abort();
      out.end();
    }
  }
  return { ContainerStats: { handler: getContainerStats, long: true } };
}

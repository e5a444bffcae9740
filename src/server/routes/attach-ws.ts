/**
 * `GET /containers/{id}/attach/ws`: attach over a WebSocket. Client frames
 * (text or binary) are stdin; output goes out as binary frames, raw (never
 * multiplexed, as dockerd does); the same options and detach keys as the
 * hijacked attach.
 *
 * @fastify/websocket is registered only inside this encapsulated plugin,
 * listening on `app.websocketUpgrades` (the server's own 'upgrade' listener
 * hands it WebSocket upgrades), so it never sees `Upgrade: tcp` attaches.
 * The engine is asked in a preHandler, before the upgrade: a missing
 * container or bad detach keys is an ordinary JSON error (404, 400).
 */
import websocket from '@fastify/websocket';
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchema } from 'fastify';
import { createWebSocketStream, type WebSocket } from 'ws';
import type { AttachSession, Engine } from '../../engine/api.js';
import { badRequest } from '../errors.js';
import type { Query } from '../query.js';
import { paceClient } from '../streams/hijack.js';
import { attachOptionsFromQuery } from './containers-io.js';

export const ATTACH_WS_OPERATION = 'ContainerAttachWebsocket';

const sessions = new WeakMap<FastifyRequest, AttachSession>();

/** The plugin holding the route; `schema` is the route's schema from openapi.yaml. */
export function attachWebsocketPlugin(engine: Engine, url: string, schema: FastifySchema) {
  return async function attachWs(app: FastifyInstance): Promise<void> {
    await app.register(websocket, { options: { server: app.websocketUpgrades as never } });
    app.route({
      method: 'GET',
      url,
      schema,
      config: { operationId: ATTACH_WS_OPERATION },
      preHandler: (request, reply) => openSession(engine, request, reply),
      handler: () => {
        throw badRequest('this endpoint needs a WebSocket upgrade');
      },
      wsHandler: (ws, request) =>
        runWebsocketAttach(ws, sessions.get(request), (pending) =>
          request.log.warn({ container: (request.params as { id: string }).id, pending }, 'WebSocket attach client too slow (stopped reading): disconnected'),
        ),
    });
  };
}

async function openSession(engine: Engine, request: FastifyRequest, _reply: FastifyReply): Promise<void> {
  const { id } = request.params as { id: string };
  // Plain GETs get the handler's 400, but a missing container is a 404 first, as on every container route.
  if (String(request.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
    await engine.containers.inspect(id);
    return;
  }
  const session = await engine.containers.attach(id, attachOptionsFromQuery(request.query as Query));
  sessions.set(request, session);
  // If the WebSocket handshake itself fails, nothing else would let the session go.
  request.raw.socket?.once('close', () => session.detach());
}

/**
 * Pumps output to the client and client frames to stdin; either end closes
 * both. Paced like the hijacked attach: a client that stops reading is
 * dropped (paceClient).
 */
async function runWebsocketAttach(ws: WebSocket, session: AttachSession | undefined, onSlowClient: (pending: number) => void): Promise<void> {
  if (!session) return ws.close(1011, 'no attach session');
  const duplex = createWebSocketStream(ws);
  duplex.on('error', () => session.detach());
  ws.once('close', () => session.detach());
  const stdin = session.stdin;
  if (stdin) {
    stdin.on('error', () => duplex.unpipe(stdin));
    duplex.pipe(stdin);
  } else {
    duplex.resume();
  }
  try {
    for await (const chunk of session.output) {
      if (duplex.destroyed || ws.readyState !== ws.OPEN) break;
      duplex.write(chunk.data);
      const paced = await paceClient(
        () => duplex.writableLength + ws.bufferedAmount,
        () => ws.readyState !== ws.OPEN,
        { onSlowClient },
      );
      if (paced === 'stalled') ws.terminate();
      if (paced !== 'ok') break;
    }
  } finally {
    session.detach();
    if (ws.readyState === ws.OPEN) ws.close(1000);
  }
}

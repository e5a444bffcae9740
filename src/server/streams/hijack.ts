/**
 * Hijacked connections for attach (and later exec start). Docker answers
 * `Upgrade: tcp` requests with `101 UPGRADED` and then speaks raw bytes both
 * ways; without Upgrade it answers `200 OK` and the body ends when the
 * connection closes.
 *
 * Node's HTTP parser must let go of an upgraded socket, or client bytes after
 * the headers (stdin) would be parsed as a new request and a client
 * half-close would end our side. Node does that only for requests it emits as
 * 'upgrade', so installUpgradeDispatch() listens for 'upgrade' and routes
 * those requests through Fastify as usual (the pattern @fastify/websocket
 * uses). WebSocket upgrades are handed to `websocketUpgrades` instead, for the
 * attach/ws piece to pass to @fastify/websocket as `options.server`.
 */
import { EventEmitter } from 'node:events';
import { ServerResponse } from 'node:http';
import type { IncomingMessage } from 'node:http';
import type { Duplex, Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AttachSession } from '../../engine/api.js';
import { detachFromHttpServer, recordHttpListeners } from './http-detach.js';
import { disableSocketTimeout } from './json-stream.js';
import { frame } from './stdcopy.js';
import { kUpgrade, type UpgradedRequest } from './upgrade-body.js';

/**
 * Installs the server 'upgrade' listener. Returns the emitter that receives
 * WebSocket upgrades as ('upgrade', req, socket, head).
 */
export function installUpgradeDispatch(app: FastifyInstance): EventEmitter {
  const websocketUpgrades = new EventEmitter();
  recordHttpListeners(app.server);
  app.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Node removed its own error listener before emitting 'upgrade'.
    socket.on('error', () => socket.destroy());
    if (String(req.headers.upgrade ?? '').toLowerCase() === 'websocket' && websocketUpgrades.listenerCount('upgrade') > 0) {
      websocketUpgrades.emit('upgrade', req, socket, head);
      return;
    }
    (req as UpgradedRequest)[kUpgrade] = { socket, head };
    const res = new ServerResponse(req);
    res.assignSocket(socket as never);
    // A normal (non-hijacked) answer ends the connection: no parser is left to read another request.
    res.on('finish', () => socket.end());
    app.routing(req, res);
  });
  return websocketUpgrades;
}

export interface HijackedConnection {
  socket: Duplex;
  /** Client → server bytes after the request headers (stdin), or null when none can come. */
  input: Readable | null;
  /** Bytes that arrived together with the headers. */
  head: Buffer;
}

const RAW_STREAM = 'application/vnd.docker.raw-stream';

/**
 * Takes the connection over and writes Docker's hijack response: 101 when
 * the client sent `Upgrade`, else 200 with no length (the body ends at
 * close). `contentType` lets ≥1.42 callers send multiplexed-stream.
 */
export function hijackConnection(request: FastifyRequest, reply: FastifyReply, contentType = RAW_STREAM): HijackedConnection {
  reply.hijack();
  const upgraded = (request.raw as UpgradedRequest)[kUpgrade];
  const socket: Duplex = upgraded?.socket ?? request.raw.socket;
  disableSocketTimeout(socket);
  if (request.headers.upgrade !== undefined) {
    socket.write(`HTTP/1.1 101 UPGRADED\r\nContent-Type: ${contentType}\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n`);
  } else {
    socket.write(`HTTP/1.1 200 OK\r\nContent-Type: ${contentType}\r\n\r\n`);
  }
  if (upgraded) return { socket, input: socket, head: upgraded.head };
  // A streamed body (chunked, not JSON) is the client's stdin.
  const body = request.body;
  if (body && typeof (body as Readable).pipe === 'function') return { socket, input: body as Readable, head: Buffer.alloc(0) };
  // The request is complete: as dockerd, whatever the client sends after it is stdin.
  return { socket, input: detachFromHttpServer(socket) ? socket : null, head: Buffer.alloc(0) };
}

/** Feeds client bytes to the session's stdin; discards them when there is none. */
function pumpStdin(conn: HijackedConnection, session: AttachSession): void {
  const stdin = session.stdin;
  if (!conn.input) return;
  if (!stdin) {
    conn.input.resume();
    return;
  }
  stdin.on('error', () => conn.input?.unpipe(stdin));
  if (conn.head.length > 0) stdin.write(conn.head);
  conn.input.pipe(stdin);
}

/** Unsent output bytes per client above which berth waits for the client to read. */
export const CLIENT_HIGH_WATER = 256 * 1024;
/** A client over the high water that reads nothing for this long is too slow and is dropped. */
export const CLIENT_STALL_MS = 5_000;
const PACE_POLL_MS = 50;

export interface ClientPacing {
  /** Default CLIENT_HIGH_WATER. */
  highWater?: number;
  /** Default CLIENT_STALL_MS. */
  stallMs?: number;
  /** Called once when the client was dropped for not reading (log it with the container id). */
  onSlowClient?: (pendingBytes: number) => void;
}

/**
 * After a write: returns at once while the client's unsent bytes
 * (`pending()`) are at most the high water; above it, waits until they are
 * back under it. 'stalled' when they did not shrink for `stallMs` (the
 * client stopped reading: the caller drops it), 'gone' when the client went
 * away. Memory per client stays near the high water; a client that reads,
 * however slowly, is never dropped.
 */
export async function paceClient(pending: () => number, gone: () => boolean, opts: ClientPacing = {}): Promise<'ok' | 'gone' | 'stalled'> {
  const highWater = opts.highWater ?? CLIENT_HIGH_WATER;
  let last = pending();
  let progressAt = Date.now();
  while (last > highWater) {
    if (gone()) return 'gone';
    if (Date.now() - progressAt > (opts.stallMs ?? CLIENT_STALL_MS)) {
      opts.onSlowClient?.(last);
      return 'stalled';
    }
    await new Promise((r) => setTimeout(r, PACE_POLL_MS));
    const now = pending();
    if (now < last) progressAt = Date.now();
    last = now;
  }
  return gone() ? 'gone' : 'ok';
}

/**
 * Runs an attach over a hijacked connection: output chunks go out framed
 * (non-TTY) or raw (TTY); when output ends the connection is closed; when
 * the client goes away the session is detached. Errors after the takeover
 * are written into the stream as text (Docker's behaviour).
 *
 * Pacing (paceClient): berth waits for a client that is a bounded amount
 * behind, and never for one that stopped reading: that one is disconnected,
 * so it neither grows berthd's memory nor holds its session (a log reader
 * or conmon's attach socket) back. Other clients have their own sessions.
 */
export async function runAttach(conn: HijackedConnection, session: AttachSession, pacing: ClientPacing = {}): Promise<void> {
  const { socket } = conn;
  let closed = false;
  let detached = false;
  const detach = () => {
    if (detached) return;
    detached = true;
    session.detach();
  };
  socket.once('close', () => {
    closed = true;
    detach();
  });
  if (socket.destroyed) {
    detach();
    return;
  }
  pumpStdin(conn, session);
  try {
    for await (const chunk of session.output) {
      if (closed || socket.destroyed || socket.writableEnded) break;
      socket.write(session.tty ? chunk.data : frame(chunk.stream, chunk.data));
      const paced = await paceClient(
        () => socket.writableLength,
        () => closed || socket.destroyed,
        pacing,
      );
      if (paced === 'stalled') socket.destroy();
      if (paced !== 'ok') break;
    }
  } catch (err) {
    if (!closed && !socket.destroyed) socket.write(`Error: ${(err as Error).message}\n`);
  } finally {
    // Fully close once flushed: a client that only half-closes must not keep the fd open.
    if (!closed && !socket.destroyed) socket.end(() => socket.destroy());
    detach();
  }
}

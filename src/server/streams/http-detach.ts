/**
 * Taking a connection away from Node's HTTP server after a request that was
 * not an upgrade.
 *
 * dockerd hijacks the connection of an attach or exec start whether or not
 * the client sent `Upgrade: tcp`: it answers `200 OK` and from then on every
 * byte the client sends after its request is stdin (dockerode's attach with
 * `stdin: true` and no `hijack` writes stdin there, after a JSON body with a
 * Content-Length). Node would parse those bytes as the next request (and
 * answer 400 into the stream), and would end our side on the client's
 * half-close. Node lets go of a socket only for 'upgrade' requests; this does
 * the same for any socket: the listeners Node's HTTP server put on it when it
 * accepted it are removed (recorded at 'connection', right after Node's own
 * connection listener, which the server registered first, ran), and Node's
 * parser stops reading the socket (its wrapper of the socket's `on` does that
 * when a 'data' listener is added).
 */
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';

type Listener = (...args: unknown[]) => void;

/** The events Node's HTTP server listens to on a socket; 'close' stays (it only frees the parser). */
const HTTP_SOCKET_EVENTS = ['data', 'end', 'drain', 'error', 'timeout'] as const;

const httpListeners = new WeakMap<Duplex, Array<[string, Listener]>>();

/** Records, for each accepted socket, the listeners Node's HTTP server put on it. Call once, before listening. */
export function recordHttpListeners(server: Server): void {
  server.on('connection', (socket: Duplex) => {
    httpListeners.set(
      socket,
      HTTP_SOCKET_EVENTS.flatMap((ev) => socket.listeners(ev).map((fn): [string, Listener] => [ev, fn as Listener])),
    );
  });
}

/**
 * Detaches `socket` from the HTTP server: no further request is parsed on it,
 * and a client half-close no longer ends it. Returns false when the socket
 * was not recorded (then it is left as it is). Idempotent.
 */
export function detachFromHttpServer(socket: Duplex): boolean {
  const listeners = httpListeners.get(socket);
  if (!listeners) return false;
  httpListeners.delete(socket);
  for (const [ev, fn] of listeners) socket.removeListener(ev, fn);
  // Node's error listener is gone: an error of the raw connection just closes it.
  socket.on('error', () => socket.destroy());
  // Now, not when the caller starts reading: bytes meanwhile would still go to Node's parser.
  // Adding a 'data' listener is what makes Node's wrapper stop its parser reading the socket;
  // paused, the bytes wait in the socket for the caller.
  const noop = () => undefined;
  socket.on('data', noop);
  socket.pause();
  socket.removeListener('data', noop);
  return true;
}

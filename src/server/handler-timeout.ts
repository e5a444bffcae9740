/**
 * The handler timeout of ordinary (not long or streaming) routes, with what
 * Fastify's `handlerTimeout` route option does when it fires: a handler
 * that has not answered within `ms` gets FST_ERR_HANDLER_TIMEOUT (503,
 * "Request timed out after <ms> ms on route '<url>'") through the error
 * handler, or, when its response has begun, the connection is destroyed.
 *
 * Fastify's option also gives every request an AbortController
 * (request.signal, which berth does not read) and aborts it when the
 * request closes, answered or not; that abort builds a DOMException with
 * its stack every time, about 40 µs a request. Here a request costs a
 * timer and a close listener.
 */
import { errorCodes, type FastifyReply, type onRequestHookHandler } from 'fastify';

/** The armed timers, by reply: settleHandlerTimeout ends one early. */
const armed = new WeakMap<FastifyReply, NodeJS.Timeout>();

/**
 * The handler has answered: its timeout no longer applies. A hook that
 * holds a reply after the handler (durable-replies.ts) calls this first,
 * so that the timeout cannot start a second reply while the first waits.
 */
export function settleHandlerTimeout(reply: FastifyReply): void {
  const timer = armed.get(reply);
  if (timer) clearTimeout(timer);
}

/** A route-level onRequest hook that arms the timeout of one request of route `url`. */
export function handlerTimeoutHook(ms: number, url: string): onRequestHookHandler {
  return (_request, reply, done) => {
    const timer = setTimeout(() => {
      // Answered or hijacked (a closed response has cleared the timer).
      if (reply.sent) return;
      const err = new errorCodes.FST_ERR_HANDLER_TIMEOUT(ms, url);
      if (reply.raw.headersSent) reply.raw.destroy(err);
      else reply.send(err);
    }, ms);
    armed.set(reply, timer);
    // The response's close: the request's own closes once its body is read, long before a slow handler answers.
    reply.raw.once('close', () => clearTimeout(timer));
    done();
  };
}

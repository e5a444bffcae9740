/**
 * Acknowledged means durable: the state database commits without an fsync
 * and syncs on the thread pool (src/db/durability.ts), so nothing that
 * tells a client about a change may leave before that change is on disk.
 *
 * One generic place for ordinary replies: an onSend hook waits, before the
 * headers go, whenever some commit is not synced yet (whoever made it: the
 * request's own verb, or the exit a GET reports). With nothing pending it
 * costs one property read. Replies that bypass onSend (hijacked streams)
 * wait with `committedToDisk` before the bytes that report a change: wait's
 * result, pull progress; streamed bodies (build) through `durableLines`.
 * Headers and bytes that report nothing committed (logs, attach, stats, a
 * wait's early 200 headers) are not held back. Rows of the events log alone
 * ask for no sync (durability.ts).
 *
 * The events stream waits in the engine (engine/events/stream.ts): each
 * event once the writes made before its dispatch are synced, which holds
 * a busy stream for one sync at a time, not one per event.
 *
 * A failed sync is final (see durability.ts): an ordinary reply becomes the
 * 500 `{"message"}` of BERTH_STATE_SYNC_FAILED; a stream ends with its
 * in-band error (the events stream, which has none, is cut); and berthd
 * shuts down with status 1 (main.ts), so that
 * systemd starts it again.
 */
import type { FastifyInstance } from 'fastify';
import type { DurabilityApi } from '../engine/api.js';
import { settleHandlerTimeout } from './handler-timeout.js';

/** Holds every ordinary reply until the commits before it are on disk. No-op without `durability` (test fakes). */
export function registerDurableReplies(app: FastifyInstance, durability: DurabilityApi | undefined): void {
  if (!durability) return;
  // Callback style: it runs on every reply, and an async hook costs a promise each time.
  app.addHook('onSend', (request, reply, payload, done) => {
    if (!durability.pending) return done(null, payload);
    // The handler has answered; a sync that takes long must not let its timeout answer a second time.
    settleHandlerTimeout(reply);
    durability
      .durable()
      .then(
        () => done(null, payload),
        // The error reply comes back through here: it goes out as it is.
        (err: Error) => (reply.statusCode >= 500 ? done(null, payload) : done(err)),
      )
      // Whatever Fastify throws from done (a connection gone meanwhile) must not become an unhandled rejection.
      .catch((err: unknown) => request.log.warn({ err }, 'sending a reply held for the state sync'));
  });
}

/** Resolves once every commit so far is on disk; at once when none is pending (or the engine does not sync). */
export function committedToDisk(durability: DurabilityApi | undefined): Promise<void> {
  return durability?.pending ? durability.durable() : Promise.resolve();
}

/**
 * The lines of a streamed body, each let through once the commits before
 * it are on disk. A failed sync ends the stream with `failureLine`.
 */
export async function* durableLines(
  durability: DurabilityApi | undefined,
  lines: AsyncIterable<string>,
  failureLine: (message: string) => string,
): AsyncGenerator<string> {
  for await (const line of lines) {
    try {
      await committedToDisk(durability);
    } catch (err) {
      yield failureLine((err as Error).message);
      return;
    }
    yield line;
  }
}

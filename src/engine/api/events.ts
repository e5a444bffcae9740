/** The events area of the facade: GET /events. */
import type { EngineEvent } from '../events/event-bus.js';
import type { EventStream, EventsQuery } from '../events/stream.js';

export type { EventStream, EventsQuery } from '../events/stream.js';
/** One event: type, action, actor id and attributes, unix nanoseconds, and its id in the events table. */
export type EventRecord = EngineEvent;

export interface EventsApi {
  /**
   * Validates the query (bad times or filters: invalid-parameter) and
   * registers the subscriber before it returns, so the caller can send its
   * headers without missing an event. The iterable replays stored events
   * when since or until is given, then follows live events until `until`
   * (none: until `signal` aborts). A reader that falls too far behind is
   * dropped: `dropped` settles and the iterator throws `unavailable`.
   */
  stream(query: EventsQuery, signal: AbortSignal): EventStream;
}

/**
 * GET /events as an engine stream: history from the events table, then live
 * events, with no gap and no duplicate at the seam.
 *
 * The seam: the subscriber is registered on the bus first and the newest
 * stored id (`cutoff`) is read in the same synchronous step. Every event
 * with id <= cutoff is in the table (emit inserts before it dispatches);
 * every later one reaches the subscriber's queue. Replay reads the table up
 * to `cutoff`, live delivery skips ids <= cutoff.
 *
 * On disk first: an event is sent only once the state database's sync
 * covers the rows written before it was emitted (`EventDurability`; the
 * bus asks emitters to write a change's rows before its event), so a
 * watcher never acts on a change (a `die`, a `destroy`) that a power loss
 * would undo. Each live event is marked with the write count at its
 * dispatch and waits for that mark only: a busy host holds the stream for
 * one sync at a time, not one per event. A replay reads rows committed
 * before the stream opened and waits once, for the mark taken then. A
 * client that goes away stops the wait.
 *
 * Slow readers: live events wait in a per-subscriber queue of at most
 * `maxQueued` events. A reader that falls further behind is dropped: its
 * iterator throws `BERTH_EVENTS_SLOW_READER` (the server then closes the
 * response); berthd never blocks on a reader and never grows beyond that.
 * Replay reads the table one page at a time, at the reader's pace.
 */
import { EngineError, invalid } from '../errors.js';
import { parseFilterTime, type Filters } from '../filters/index.js';
import type { EngineEvent, EventBus } from './event-bus.js';
import { eventMatcher, type EventMatcher } from './event-filter.js';

export interface EventsQuery {
  /** Docker's `since` (unix seconds with optional fraction, a duration, or an RFC 3339 time); '' = none. */
  since: string;
  /** Docker's `until`; '' = none (stream forever). */
  until: string;
  filters: Filters | undefined;
}

/** What the stream reads history from (db/events-repo.ts). */
export interface EventHistory {
  page(
    afterId: number,
    upToId: number,
    sinceNano: bigint,
    untilNano: bigint,
    limit: number,
  ): Array<{
    seq: number;
    timeNano: bigint;
    type: string;
    action: string;
    actorId: string;
    attributes: Record<string, string>;
  }>;
}

/** The state database's sync as the stream needs it (db/durability.ts). */
export interface EventDurability {
  /** Rows written so far. */
  readonly written: number;
  /** Resolves once the first `mark` rows are on disk; rejects once a sync failed. */
  covers(mark: number): Promise<void>;
}

export const DEFAULT_MAX_QUEUED = 4096;
const PAGE = 256;
const MAX_NANO = 1n << 62n;
/** setTimeout's ceiling (~24.8 days); a later `until` re-arms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A time parameter in unix nanoseconds; undefined for ''. */
export function parseEventTime(value: string, now = Date.now()): bigint | undefined {
  if (value === '') return undefined;
  const exact = /^(\d+)(?:\.(\d{1,9}))?$/.exec(value);
  if (exact) return BigInt(exact[1]) * 1_000_000_000n + BigInt((exact[2] ?? '').padEnd(9, '0') || '0');
  return BigInt(parseFilterTime(value, now)) * 1_000_000n;
}

/** No database to wait for (unit tests, an engine without a store). */
const NO_SYNC: EventDurability = { written: 0, covers: () => Promise.resolve() };

/**
 * Validates the query and registers the subscriber (so no event emitted
 * after this resolves is missed), then returns the events in order, each
 * once the changes before it are on disk.
 */
export function openEventStream(
  bus: EventBus,
  history: EventHistory,
  query: EventsQuery,
  signal: AbortSignal,
  durability: EventDurability = NO_SYNC,
  maxQueued = DEFAULT_MAX_QUEUED,
): EventStream {
  const now = Date.now();
  const since = parseEventTime(query.since, now);
  const until = parseEventTime(query.until, now);
  if (since !== undefined && until !== undefined && since > until) {
    throw invalid('BERTH_EVENTS_SINCE_AFTER_UNTIL', `\`since\` time (${query.since}) cannot be after \`until\` time (${query.until})`);
  }
  const match = eventMatcher(query.filters);
  const live = new LiveQueue(maxQueued, match, signal);
  // Subscribers run inside emit: the write count read here is the one at the event's dispatch.
  const unsubscribe = bus.subscribe((e) => live.push(e, durability.written));
  const cutoff = bus.maxSeq();
  // Every stored event up to `cutoff` was committed before this mark.
  const historyMark = durability.written;
  const replay = since !== undefined || until !== undefined;
  const untilNano = until ?? MAX_NANO;
  const events = (async function* () {
    try {
      if (replay) {
        if (!(await coveredUnlessAborted(durability, historyMark, signal))) return;
        yield* replayHistory(history, cutoff, since ?? 0n, untilNano, match, signal);
      }
      if (until !== undefined && until <= BigInt(Date.now()) * 1_000_000n) return;
      live.endAt(until);
      for (let q = await live.next(); q; q = await live.next()) {
        const e = q.event;
        if (e.seq <= cutoff) continue;
        if (e.timeNano > untilNano) return;
        if (!(await coveredUnlessAborted(durability, q.mark, signal))) return;
        yield e;
      }
    } finally {
      unsubscribe();
      live.close();
    }
  })();
  return { events, dropped: live.dropped };
}

export interface EventStream {
  events: AsyncIterable<EngineEvent>;
  /** Settles when the reader is dropped for being too slow (the caller closes its connection then). */
  dropped: Promise<EngineError>;
}

/** Waits for the sync covering `mark`; false when `signal` aborted first (the reader went away). Rejects when a sync failed. */
async function coveredUnlessAborted(durability: EventDurability, mark: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return false;
  let onAbort = () => {};
  const aborted = new Promise<false>((resolve) => {
    onAbort = () => resolve(false);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([durability.covers(mark).then(() => !signal.aborted), aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

function* replayHistory(history: EventHistory, cutoff: number, since: bigint, until: bigint, match: EventMatcher, signal: AbortSignal): Generator<EngineEvent> {
  for (let after = 0; !signal.aborted;) {
    const rows = history.page(after, cutoff, since, until, PAGE);
    for (const r of rows) {
      const e = { type: r.type, action: r.action, id: r.actorId, attributes: r.attributes, timeNano: r.timeNano, seq: r.seq } as EngineEvent;
      if (match(e)) yield e;
    }
    if (rows.length < PAGE) return;
    after = rows[rows.length - 1].seq;
  }
}

/** A live event and the write count at its dispatch. */
interface Queued {
  event: EngineEvent;
  mark: number;
}

/** The bounded queue of one live subscriber. */
class LiveQueue {
  #items: Queued[] = [];
  #wake: (() => void) | null = null;
  #failure: EngineError | null = null;
  #done = false;
  #timer: NodeJS.Timeout | null = null;
  #onAbort = () => this.#finish();
  #drop!: (err: EngineError) => void;
  readonly dropped = new Promise<EngineError>((resolve) => (this.#drop = resolve));

  constructor(
    private readonly max: number,
    private readonly match: EventMatcher,
    private readonly signal: AbortSignal,
  ) {
    signal.addEventListener('abort', this.#onAbort, { once: true });
  }

  push(e: EngineEvent, mark: number): void {
    if (this.#done || this.#failure || !this.match(e)) return;
    if (this.#items.length >= this.max) {
      this.#items = [];
      this.#failure = new EngineError(
        'unavailable',
        'BERTH_EVENTS_SLOW_READER',
        `events reader too slow: more than ${this.max} events behind; reconnect with since`,
      );
      this.#drop(this.#failure);
    } else this.#items.push({ event: e, mark });
    this.#wake?.();
  }

  /** Ends the stream once the wall clock passes `until` (nanoseconds). */
  endAt(until: bigint | undefined): void {
    if (until === undefined) return;
    const ms = Number((until - BigInt(Date.now()) * 1_000_000n) / 1_000_000n) + 1;
    this.#timer = setTimeout(() => (ms > MAX_TIMER_MS ? this.endAt(until) : this.#finish()), Math.max(0, Math.min(ms, MAX_TIMER_MS)));
  }

  /** The next event, or null at the end; throws once the reader was dropped. */
  async next(): Promise<Queued | null> {
    for (;;) {
      if (this.#failure) throw this.#failure;
      const e = this.#items.shift();
      if (e) return e;
      if (this.#done) return null;
      await new Promise<void>((resolve) => (this.#wake = resolve));
      this.#wake = null;
    }
  }

  close(): void {
    this.#finish();
    this.signal.removeEventListener('abort', this.#onAbort);
  }

  #finish(): void {
    this.#done = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#wake?.();
  }
}

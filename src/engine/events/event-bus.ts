/**
 * Engine events. `emit` records the event in the events table (when the bus
 * has a store) and then hands it to live subscribers, synchronously: an
 * event is either in the table with an id <= any `maxId()` taken before the
 * emit, or delivered live to every subscriber registered before the emit.
 * That is the seam GET /events relies on (events/stream.ts).
 *
 * Emitting, for every area (containers, images, volumes, networks):
 *
 *     ctx.events.emit({ type: 'volume', action: 'create', id: name, attributes: { driver: 'local' } });
 *
 * Emit after the change is committed (or inside its better-sqlite3
 * transaction, after the change's rows, so that the transaction also holds
 * the event row): GET /events sends an event once the rows written before
 * its emit are on disk (events/stream.ts), so rows written after it in the
 * same transaction would not be waited for. Listeners run
 * synchronously and must not throw. Internally, waits subscribe to exits
 * and removals through `next`.
 */
import { EventEmitter } from 'node:events';

export type ContainerAction =
  | 'create'
  | 'start'
  | 'die'
  | 'stop'
  | 'kill'
  | 'pause'
  | 'unpause'
  | 'oom'
  | 'restart'
  | 'destroy'
  | 'rename'
  | 'attach'
  | 'detach'
  | 'resize'
  | 'commit'
  | 'copy'
  | 'extract-to-dir'
  | 'archive-path'
  | 'export'
  | 'top'
  | 'update'
  | 'mount'
  | 'unmount'
  // Docker writes the command or the status into the action: "exec_start: sh -c x", "health_status: healthy".
  | `exec_create: ${string}`
  | `exec_start: ${string}`
  | 'exec_die'
  | `health_status: ${string}`;

export type EventType = 'container' | 'image' | 'volume' | 'network' | 'daemon';

export interface ContainerEvent {
  type: 'container';
  action: ContainerAction;
  id: string;
  /** Docker's Actor.Attributes: name, image, labels, exitCode, signal… */
  attributes: Record<string, string>;
  /** Unix nanoseconds. */
  timeNano: bigint;
  /** The event's id in the events table (a counter when there is no store). */
  seq: number;
}

/** Any other event; `action` is Docker's (image: load, import, tag, untag, delete, save, pull, push). */
export interface OtherEvent {
  type: Exclude<EventType, 'container'>;
  action: string;
  id: string;
  attributes: Record<string, string>;
  timeNano: bigint;
  seq: number;
}

export type EngineEvent = ContainerEvent | OtherEvent;

/**
 * Happenings inside the engine that Docker logs no event for; only `next`
 * sees them (never stored, never streamed). `start-failed`: a start failed
 * (dockerd logs no `die` for it; attached clients are done). `stopped`: a
 * container waiting out its restart backoff became exited without a
 * process exit (its restart failed, or a stop or kill cancelled it), which
 * ends waits as dockerd's SetStopped does; attribute `exitCode`.
 */
export type InternalAction = 'start-failed' | 'stopped';

export interface InternalEvent {
  action: InternalAction;
  id: string;
  attributes: Record<string, string>;
}

export type NewEvent = Omit<ContainerEvent, 'timeNano' | 'seq'> | Omit<OtherEvent, 'timeNano' | 'seq'>;

/** Where events are kept (db/events-repo.ts). */
export interface EventStore {
  insert(e: { timeNano: bigint; type: string; action: string; actorId: string; attributes: Record<string, string> }): number;
  maxId(): number;
  trim(maxCount: number, minTimeNano: bigint): number;
}

export interface EventRetention {
  /** Newest events kept. */
  maxCount: number;
  /** Oldest event kept, in milliseconds of age. */
  maxAgeMs: number;
}

/** How many inserts between two retention trims. */
const TRIM_EVERY = 256;

export class EventBus {
  #emitter = new EventEmitter({ captureRejections: false });
  #store: EventStore | null;
  #retention: EventRetention;
  #seq = 0;
  #sinceTrim = 0;
  #lastNano = 0n;

  constructor(store: EventStore | null = null, retention: EventRetention = { maxCount: 10_000, maxAgeMs: 7 * 86_400_000 }) {
    this.#emitter.setMaxListeners(0);
    this.#store = store;
    this.#retention = retention;
    this.#seq = store?.maxId() ?? 0;
  }

  /** The id of the newest event emitted or stored. Events emitted later have larger ids. */
  maxSeq(): number {
    return this.#seq;
  }

  emit(event: NewEvent): void {
    const timeNano = this.#now();
    const seq = this.#store
      ? this.#store.insert({ timeNano, type: event.type, action: event.action, actorId: event.id, attributes: event.attributes })
      : this.#seq + 1;
    this.#seq = seq;
    if (this.#store && ++this.#sinceTrim >= TRIM_EVERY) this.trim();
    const full = { ...event, timeNano, seq };
    this.#emitter.emit('event', full);
    if (full.type === 'container') this.#emitter.emit(`${full.action}:${full.id}`, full);
  }

  /** Applies the retention (count, then age) to the store. */
  trim(now = Date.now()): void {
    this.#sinceTrim = 0;
    this.#store?.trim(this.#retention.maxCount, BigInt(now - this.#retention.maxAgeMs) * 1_000_000n);
  }

  /** Subscribes to every event; returns the unsubscribe function. */
  subscribe(listener: (event: EngineEvent) => void): () => void {
    this.#emitter.on('event', listener);
    return () => this.#emitter.off('event', listener);
  }

  /** Tells the waiters (`next`) of an internal happening; nothing is stored or streamed. */
  notify(event: InternalEvent): void {
    this.#emitter.emit(`${event.action}:${event.id}`, event);
  }

  /** Resolves at the next `action` of container `id`; rejects when `signal` aborts. */
  next(action: InternalAction, id: string, signal?: AbortSignal): Promise<InternalEvent>;
  next(action: ContainerAction, id: string, signal?: AbortSignal): Promise<ContainerEvent>;
  next(action: ContainerAction | InternalAction, id: string, signal?: AbortSignal): Promise<ContainerEvent | InternalEvent> {
    return this.nextOf([action], id, signal);
  }

  /**
   * Resolves at the first of `actions` of container `id` (an event or an
   * internal happening), with it; rejects when `signal` aborts. What a race
   * of `next` calls gives, but the losers' listeners go with the winner:
   * no AbortController is needed to take them back (aborting one costs a
   * DOMException and a dispatch per listener).
   */
  nextOf(actions: ReadonlyArray<ContainerAction | InternalAction>, id: string, signal?: AbortSignal): Promise<ContainerEvent | InternalEvent> {
    return new Promise((resolve, reject) => {
      const keys = actions.map((action) => `${action}:${id}`);
      const stopListening = () => {
        for (const key of keys) this.#emitter.off(key, onEvent);
        signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = () => {
        stopListening();
        // The abort reason, as Node's own APIs reject (events.once, timers/promises).
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
        reject(signal?.reason ?? new Error('aborted'));
      };
      const onEvent = (event: ContainerEvent | InternalEvent) => {
        stopListening();
        resolve(event);
      };
      if (signal?.aborted) return onAbort();
      for (const key of keys) this.#emitter.on(key, onEvent);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * Wall-clock nanoseconds, strictly increasing within this process (ties
   * broken by 1 ns). The clock has millisecond precision and nothing below
   * it is invented: an event is never stamped later than a client's clock
   * reads just after it (a sub-millisecond guess could put it past an
   * `until` of "now" taken in the same millisecond, and lose it).
   */
  #now(): bigint {
    const t = BigInt(Date.now()) * 1_000_000n;
    this.#lastNano = t > this.#lastNano ? t : this.#lastNano + 1n;
    return this.#lastNano;
  }
}

/**
 * Engine events, emitted only after the state change they report has been
 * committed. Listeners run synchronously; a listener must not throw.
 * (GET /events will read from here; internally, waits subscribe to exits
 * and removals.)
 */
import { EventEmitter } from 'node:events';

export type ContainerAction =
  | 'create' | 'start' | 'die' | 'stop' | 'kill' | 'pause' | 'unpause'
  | 'restart' | 'destroy' | 'rename' | 'attach' | 'resize' | 'commit' | 'copy' | 'extract-to-dir' | 'archive-path' | 'oom';

export interface ContainerEvent {
  type: 'container';
  action: ContainerAction;
  id: string;
  /** Docker's Actor.Attributes: name, image, labels, exitCode, signal… */
  attributes: Record<string, string>;
  /** Unix nanoseconds. */
  timeNano: bigint;
}

export interface ImageEvent {
  type: 'image';
  action: 'import' | 'tag' | 'untag' | 'delete';
  id: string;
  attributes: Record<string, string>;
  timeNano: bigint;
}

export type EngineEvent = ContainerEvent | ImageEvent;

export class EventBus {
  #emitter = new EventEmitter({ captureRejections: false });

  constructor() {
    this.#emitter.setMaxListeners(0);
  }

  emit(event: Omit<EngineEvent, 'timeNano'>): void {
    const full = { ...event, timeNano: BigInt(Date.now()) * 1_000_000n } as EngineEvent;
    this.#emitter.emit('event', full);
    if (full.type === 'container') this.#emitter.emit(`${full.action}:${full.id}`, full);
  }

  /** Subscribes to every event; returns the unsubscribe function. */
  subscribe(listener: (event: EngineEvent) => void): () => void {
    this.#emitter.on('event', listener);
    return () => this.#emitter.off('event', listener);
  }

  /** Resolves at the next `action` of container `id`; rejects when `signal` aborts. */
  next(action: ContainerAction, id: string, signal?: AbortSignal): Promise<ContainerEvent> {
    return new Promise((resolve, reject) => {
      const key = `${action}:${id}`;
      const onAbort = () => {
        this.#emitter.off(key, onEvent);
        // The abort reason, as Node's own APIs reject (events.once, timers/promises).
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
        reject(signal?.reason ?? new Error('aborted'));
      };
      const onEvent = (event: ContainerEvent) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(event);
      };
      if (signal?.aborted) return onAbort();
      this.#emitter.once(key, onEvent);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}

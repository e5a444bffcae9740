/**
 * Gives memory back to the system once berthd goes quiet after work.
 *
 * V8 grows its young generation to the configured maximum under load and
 * keeps every page of it committed and touched until a garbage collection
 * that means to reduce memory; its own memory reducer starts only after a
 * full collection, which a daemon with a small heap may never reach. After
 * a burst of requests berthd would sit idle with several MiB of dead young
 * objects resident. So: every few seconds berthd looks at how busy its event
 * loop was; after a busy spell, the first quiet spell runs one full garbage
 * collection, which also shrinks the young generation, and then whatever
 * the caller adds (berthd: handing the C heap's free pages back, libc.ts
 * trimCHeap). Nothing runs while berthd is busy or stays idle.
 *
 * The collection compacts the old generation (compactingCollection). A
 * plain one frees the garbage but keeps the pages it lay on: after 100
 * lifecycles berthd's old generation held 16-18.8 MiB of pages for 11.9 MiB
 * of live objects; compacted, it holds 12.2-13. The price is a longer
 * pause, once per quiet spell after work: 35-65 ms on this 2-core VM at
 * that heap size, where a plain full collection took 30-40.
 */
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';

/** How often the event loop's utilization is sampled. */
const INTERVAL_MS = 5_000;
/** A spell above this share of busy time counts as work (50 ms in 5 s); at or below it, as quiet. */
const BUSY_SHARE = 0.01;

export interface TrimState {
  /** Work happened since the last collection. */
  dirty: boolean;
}

/**
 * One sampling step. Pure: returns the next state and whether to collect
 * now (the first quiet spell after work).
 */
export function trimStep(state: TrimState, utilization: number): { state: TrimState; collect: boolean } {
  if (utilization > BUSY_SHARE) return { state: { dirty: true }, collect: false };
  return { state: { dirty: false }, collect: state.dirty };
}

let collector: (() => void) | undefined;

/**
 * A full, synchronous garbage collection. V8's `gc` exists only with
 * --expose-gc; setting the flag at run time makes new contexts carry it,
 * so berthd needs no extra command-line flag (`node dist/berthd.mjs` works).
 */
export function fullCollection(): void {
  if (!collector) {
    const existing = (globalThis as { gc?: () => void }).gc;
    if (existing) collector = existing;
    else {
      v8.setFlagsFromString('--expose-gc');
      collector = vm.runInNewContext('gc') as () => void;
    }
  }
  collector();
}

/** What startIdleTrim runs besides the collection, and whom it tells. */
export interface IdleTrimOptions {
  /** Runs right after each collection (memory outside V8's heap). */
  afterCollection?: () => void;
  /** Told how long the collection and afterCollection took together. */
  onCollect?: (ms: number) => void;
}

/**
 * A full, synchronous collection that also compacts the old generation:
 * V8 moves the live objects out of sparsely used pages and gives those
 * pages back. On its own V8 compacts only when its heuristics judge it
 * worth it, which after berthd's work they often do not: its
 * --compact-on-every-full-gc flag is set for this one collection and
 * cleared after it, whatever happens (V8 reads it at each collection, and
 * Node keeps flags writable at run time). V8 may still leave some pages
 * be; it has, in 2 of 11 runs measured.
 */
export function compactingCollection(): void {
  v8.setFlagsFromString('--compact-on-every-full-gc');
  try {
    fullCollection();
  } finally {
    v8.setFlagsFromString('--no-compact-on-every-full-gc');
  }
}

/** Starts the sampling (an unref'd timer: it never keeps berthd alive). Returns a stop function. */
export function startIdleTrim(options: IdleTrimOptions = {}): () => void {
  let state: TrimState = { dirty: true }; // startup itself was work
  let last: EventLoopUtilization = performance.eventLoopUtilization();
  const timer = setInterval(() => {
    const now = performance.eventLoopUtilization();
    const step = trimStep(state, performance.eventLoopUtilization(now, last).utilization);
    last = now;
    state = step.state;
    if (!step.collect) return;
    const t0 = performance.now();
    compactingCollection();
    options.afterCollection?.();
    options.onCollect?.(performance.now() - t0);
  }, INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}

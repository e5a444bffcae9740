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
    fullCollection();
    options.afterCollection?.();
    options.onCollect?.(performance.now() - t0);
  }, INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * Step timings of one exec start, logged at debug level as one line when
 * the session ended ({exec, steps: {spawned: 6.9, …}}, milliseconds since
 * the start request reached the engine). Costs nothing below debug.
 */
import type pino from 'pino';

export interface StepTrace {
  /** Records `step` at the current time (the first record of a name wins). */
  mark(step: string): void;
  /** Records `step` at `at` (a performance.now() time; negative offsets = before the start). */
  markAt(step: string, at: number): void;
  /** Logs the steps once. */
  flush(): void;
}

const NOOP: StepTrace = { mark: () => {}, markAt: () => {}, flush: () => {} };

export function stepTrace(log: pino.Logger, execId: string): StepTrace {
  if (!log.isLevelEnabled('debug')) return NOOP;
  const t0 = performance.now();
  const steps: Record<string, number> = {};
  let flushed = false;
  return {
    mark(step) {
      this.markAt(step, performance.now());
    },
    markAt(step, at) {
      steps[step] ??= Math.round((at - t0) * 100) / 100;
    },
    flush() {
      if (flushed) return;
      flushed = true;
      log.debug({ exec: execId, steps }, 'exec steps');
    },
  };
}

/**
 * Stop: the stop signal, a grace period, then SIGKILL. The lock is not held
 * while waiting: stop records its intent (stoppedByUser, stopping), releases,
 * signals, waits for the exit handler to commit the exit, and escalates.
 * A client that disconnects does not cancel a stop.
 */
import { systemError } from '../errors.js';
import { withContainerLock } from '../locks.js';
import { eventAttributes, type ContainerContext, type Row } from './context.js';
import { canTransition, ensureTransition, isActive } from '../model/lifecycle.js';
import { findContainer } from './resolve.js';
import { parseSignal } from './signals.js';
import { faultPoint } from '../fault.js';

const DEFAULT_TIMEOUT_S = 10;
const KILL_GRACE_MS = 10_000;

export interface StopOptions {
  /** Seconds; null = the container's StopTimeout or 10; negative = wait forever. */
  timeout: number | null;
  signal?: string;
}

export async function stopContainer(ctx: ContainerContext, ref: string, opts: StopOptions): Promise<void> {
  const { id } = findContainer(ctx, ref);
  const signal = parseSignal(opts.signal || findContainer(ctx, id).spec.stopSignal || 'SIGTERM');
  const { row, stopped } = await markStopping(ctx, id);
  faultPoint('stop.after-user-flag');
  if (!stopped) {
    const timeoutS = opts.timeout ?? row.spec.stopTimeout ?? DEFAULT_TIMEOUT_S;
    await signalAndWait(ctx, row, signal, timeoutS);
  }
  ctx.events.emit({ type: 'container', action: 'stop', id, attributes: eventAttributes(row) });
}

/**
 * Records the user's intent; throws not-modified when there is nothing to
 * stop. A container waiting out its restart backoff counts as running
 * (Docker's IsRunning is true while Restarting): it becomes exited at once
 * (`stopped`), so the caller answers 204, not 304, and signals nothing.
 */
async function markStopping(ctx: ContainerContext, id: string): Promise<{ row: Row; stopped: boolean }> {
  return withContainerLock(ctx.mutex, id, async () => {
    ctx.live.cancelRestart(id);
    const row = findContainer(ctx, id);
    ensureTransition('stop', row.state.status, id);
    if (canTransition('restart-by-policy', row.state.status)) {
      const state = { ...row.state, status: 'exited' as const, stoppedByUser: true };
      ctx.repo.saveState(id, state);
      return { row: { ...row, state }, stopped: true };
    }
    const state = { ...row.state, stoppedByUser: true, stopping: true };
    ctx.repo.saveState(id, state);
    return { row: { ...row, state }, stopped: false };
  });
}

/**
 * Sends `signal`, waits `timeoutS` seconds for the exit to be committed, then
 * SIGKILL and a bounded wait. Resolves once the exit is recorded. The stop
 * signal goes out even with a timeout of 0, as dockerd sends it (its `kill`
 * event comes before SIGKILL's).
 */
export async function signalAndWait(ctx: ContainerContext, row: Row, signal: number, timeoutS: number): Promise<void> {
  const exited = waitForExit(ctx, row.id);
  await sendSignal(ctx, row, signal);
  faultPoint('stop.after-signal');
  if (await exited.within(timeoutS < 0 ? undefined : timeoutS * 1000)) return;
  ctx.log.info({ id: row.id }, `stop signal ${signal} did not stop the container in ${timeoutS}s, resorting to SIGKILL`);
  await sendSignal(ctx, row, 9);
  if (await exited.within(KILL_GRACE_MS)) return;
  exited.cancel();
  throw systemError('BERTH_CONTAINER_STOP_TIMEOUT', `container ${row.id.slice(0, 12)} did not exit after SIGKILL`);
}

/** Delivers one signal; a delivered one is logged as a `kill` event with its number, as dockerd's stop does. */
async function sendSignal(ctx: ContainerContext, row: Row, signal: number): Promise<void> {
  try {
    await ctx.runtime.kill(row.id, String(signal));
    ctx.events.emit({ type: 'container', action: 'kill', id: row.id, attributes: eventAttributes(row, { signal: String(signal) }) });
    // A frozen process cannot act on a signal: thaw it (Docker does the same).
    if (canTransition('unpause', findContainer(ctx, row.id).state.status)) await ctx.runtime.resume(row.id);
  } catch (err) {
    // The process may have exited between our check and the signal; the exit handler records it.
    ctx.log.debug({ err, id: row.id }, 'signal not delivered');
  }
}

interface ExitWaiter {
  /** True when the exit was committed within ms (undefined = no limit). */
  within(ms: number | undefined): Promise<boolean>;
  cancel(): void;
}

/** Subscribes to the container's next committed exit (`die`) before anything is signalled. */
export function waitForExit(ctx: ContainerContext, id: string): ExitWaiter {
  const abort = new AbortController();
  const died = ctx.events.next('die', id, abort.signal).then(
    () => true,
    () => false,
  );
  return {
    async within(ms) {
      if (!isActive(ctx.repo.get(id)?.state.status ?? 'exited')) {
        abort.abort(); // already exited: drop the subscription, no die will come for it
        return true;
      }
      if (ms === undefined) return died;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<boolean>((r) => (timer = setTimeout(() => r(false), ms)));
      // The exit watcher may not have been told yet (lost inotify event): look at the exit file.
      const sweep = setInterval(() => void ctx.exitWatcher.sweep(), 250);
      try {
        return await Promise.race([died, timeout]);
      } finally {
        clearTimeout(timer);
        clearInterval(sweep);
      }
    },
    cancel: () => abort.abort(),
  };
}

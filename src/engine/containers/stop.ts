/**
 * Stop: the stop signal, a grace period, then SIGKILL. The lock is not held
 * while waiting: stop records its intent (stoppedByUser, stopping), releases,
 * signals, waits for the exit handler to commit the exit, and escalates.
 * A client that disconnects does not cancel a stop.
 */
import { systemError } from '../errors.js';
import { withContainerLock } from '../locks.js';
import { eventAttributes, type ContainerContext, type Row } from './context.js';
import { deliverSignal } from './deliver-signal.js';
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
      return { row: stopAwaitingRestart(ctx, row), stopped: true };
    }
    const state = { ...row.state, stoppedByUser: true, stopping: true };
    ctx.repo.saveState(id, state);
    return { row: { ...row, state }, stopped: false };
  });
}

/**
 * A container waiting out its restart backoff becomes exited at once (caller
 * holds the lock and has cancelled the restart timer), keeping its last exit
 * code; no event, as dockerd's SetStopped logs none, but waits end.
 */
export function stopAwaitingRestart(ctx: ContainerContext, row: Row): Row {
  const state = { ...row.state, status: 'exited' as const, stoppedByUser: true };
  ctx.repo.saveState(row.id, state);
  ctx.events.notify({ action: 'stopped', id: row.id, attributes: { exitCode: String(state.exitCode) } });
  return { ...row, state };
}

/**
 * Sends `signal`, waits `timeoutS` seconds for the exit to be committed, then
 * SIGKILL and a bounded wait. Resolves once the exit is recorded. The stop
 * signal goes out even with a timeout of 0, as dockerd sends it (its `kill`
 * event comes before SIGKILL's).
 */
export async function signalAndWait(ctx: ContainerContext, row: Row, signal: number, timeoutS: number): Promise<void> {
  const exited = waitForExit(ctx, row.id);
  await sendSignal(ctx, row.id, signal);
  faultPoint('stop.after-signal');
  if (await exited.within(timeoutS < 0 ? undefined : timeoutS * 1000)) return;
  ctx.log.info({ id: row.id }, `stop signal ${signal} did not stop the container in ${timeoutS}s, resorting to SIGKILL`);
  await sendSignal(ctx, row.id, 9);
  if (await exited.within(KILL_GRACE_MS)) return;
  exited.cancel();
  throw systemError('BERTH_CONTAINER_STOP_TIMEOUT', `container ${row.id.slice(0, 12)} did not exit after SIGKILL`);
}

/**
 * Delivers one signal under the container's lock (deliver-signal.ts: the
 * `kill` event with its number, as dockerd's stop logs it, and the thaw of
 * a paused container with its `unpause`). A container that exited (or
 * went) meanwhile is not signalled: the exit handler has recorded it.
 */
async function sendSignal(ctx: ContainerContext, id: string, signal: number): Promise<void> {
  await withContainerLock(ctx.mutex, id, async (lock) => {
    const row = ctx.repo.get(id);
    if (!row || !canTransition('kill', row.state.status)) return;
    await deliverSignal(ctx, lock, row, signal);
  }).catch((err) => ctx.log.debug({ err, id }, 'signal not delivered')); // the process may have exited before the signal
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

/**
 * The exit path: everything that follows a container's process ending, in
 * one module below the verbs (start, stop, remove import it; it imports
 * none of them):
 *
 *   handleExit   conmon's exit file appeared (the exit watcher calls this):
 *                under the lock, tear the runtime down, then record it;
 *   recordExit   commit exit code and finish time, remove the exit file,
 *                emit `die`, decide the restart policy and its backoff;
 *   afterExit    outside the lock: arm the restart timer, or AutoRemove;
 *   autoRemove   AutoRemove after a failed start too.
 *
 * A restart by policy re-enters through startLocked (start-locked.ts) and
 * AutoRemove through destroyLocked (destroy.ts), both below this module.
 * Timers and backoff live in the container's live state (ctx.live), so a
 * stop, start or remove disarms them with `ctx.live.cancelRestart(id)`.
 * Everything here is safe to run more than once per exit file, and for
 * files left by a container that is gone.
 */
import { withContainerLock } from '../locks.js';
import { eventAttributes, type ContainerContext, type Row } from './context.js';
import { rfc3339Nano } from '../time.js';
import { destroyLocked } from './destroy.js';
import { teardownRuntime } from './launch.js';
import { canTransition, isActive, isInitialized } from '../model/lifecycle.js';
import { nextBackoffMs, shouldRestart } from './restart-policy.js';
import { emitEndpointEvents, startLocked } from './start-locked.js';
import type { ContainerState } from '../model/container.js';
import { faultPoint } from '../fault.js';
import { cgroupOomKilled } from '../host/cgroups.js';

/** The exit watcher's callback: records the exit conmon reported for `id`, then applies its consequences. */
export async function handleExit(ctx: ContainerContext, id: string): Promise<void> {
  if (!ctx.repo.get(id)) return ctx.exitWatcher.clear(id);
  const outcome = await withContainerLock(ctx.mutex, id, async (lock) => {
    const row = ctx.repo.get(id);
    if (!row || !canTransition('exit', row.state.status)) {
      await ctx.exitWatcher.clear(id);
      return undefined;
    }
    const exit = await ctx.exitWatcher.read(id);
    if (!exit) return undefined;
    // The runtime is torn down before the exit is recorded, as dockerd deletes the task before a
    // waiter hears of the exit: whoever sees `exited` (wait, the die event, inspect) may remove or
    // start the container at once, and DELETE /containers/{id} does no runtime work. conmon's exit
    // command (runtime/exit-command.ts) has usually done it before the file got here; this finishes
    // what it left. A crash during the teardown leaves the exit file, so the watcher's first sweep at
    // the next start runs this again (the teardown is idempotent) before it records the exit.
    const oomKilled = exit.oomKilled || cgroupOomKilled(ctx.settings.cgroupParent, id); // before a teardown here removes the cgroup
    await teardownRuntime(ctx, lock, row).catch((err) => ctx.log.warn({ err, id }, 'runtime teardown after exit'));
    faultPoint('exit.after-teardown');
    return recordExit(ctx, row, exit.exitCode, exit.finishedAtNs ?? exit.finishedAt, '', oomKilled);
  });
  if (outcome) await afterExit(ctx, outcome);
}

export interface ExitOutcome {
  row: Row;
  state: ContainerState;
  /** Set when the restart policy asks for a restart after this delay. */
  restartInMs: number | undefined;
}

/**
 * Commits an exit (caller holds the lock and has torn the runtime down),
 * removes the exit file and emits `die`, then a network `disconnect` per
 * network (also for an exit found at startup: dockerd's restore releases
 * the network of a container that died while it was down, and logs it).
 * Decides the restart policy: `restarting` with the next backoff delay, or
 * `exited`.
 */
export async function recordExit(
  ctx: ContainerContext,
  row: Row,
  exitCode: number,
  finishedAt: Date | bigint,
  error: string,
  oomKilled = false,
): Promise<ExitOutcome> {
  const restart = shouldRestart(row.spec, row.state, exitCode);
  const state: ContainerState = {
    ...row.state,
    status: restart ? 'restarting' : 'exited',
    pid: 0,
    conmonPid: 0,
    exitCode,
    error,
    finishedAt: rfc3339Nano(finishedAt),
    stopping: false,
    oomKilled,
  };
  // The events commit with the exit (one sync); a crash before the exit file goes is harmless: a
  // file of a container that is no longer up is only removed by the next sweep.
  ctx.repo.atomically(() => {
    ctx.repo.saveExit(row.id, state, Date.now());
    if (oomKilled) ctx.events.emit({ type: 'container', action: 'oom', id: row.id, attributes: eventAttributes(row) });
    ctx.events.emit({ type: 'container', action: 'die', id: row.id, attributes: eventAttributes(row, { exitCode: String(exitCode) }) });
    // An initialized container (created in the runtime for an attach, never started) had no connect.
    if (!isInitialized(row.state.status)) emitEndpointEvents(ctx, row, 'disconnect');
  });
  faultPoint('exit.after-record');
  // The exit file is the exit code's other copy: it goes only once the record is on disk.
  await ctx.repo.durable();
  await ctx.exitWatcher.remove(row.id, oomKilled);
  let restartInMs: number | undefined;
  if (restart) {
    const finishedMs = typeof finishedAt === 'bigint' ? Number(finishedAt / 1_000_000n) : finishedAt.getTime();
    const ranFor = finishedMs - (Date.parse(row.state.startedAt) || finishedMs);
    const live = ctx.live.of(row.id);
    restartInMs = nextBackoffMs(live.backoffMs, ranFor);
    live.backoffMs = restartInMs;
  }
  return { row, state, restartInMs };
}

/** Arms the restart an exit asked for, or does the AutoRemove. Runs outside the lock. */
export async function afterExit(ctx: ContainerContext, outcome: ExitOutcome): Promise<void> {
  const { row, restartInMs } = outcome;
  if (restartInMs !== undefined) {
    scheduleRestart(ctx, row.id, restartInMs);
    return;
  }
  const live = ctx.live.peek(row.id);
  if (live) live.backoffMs = 0;
  if (row.spec.autoRemove) await autoRemove(ctx, row.id);
}

/**
 * Removes an AutoRemove container that is not active (it exited, or its
 * start failed). One that was started again meanwhile is left alone: the
 * exit of that run removes it. Failures are logged, never thrown.
 */
export async function autoRemove(ctx: ContainerContext, id: string): Promise<void> {
  await withContainerLock(ctx.mutex, id, async (lock) => {
    const row = ctx.repo.get(id);
    if (!row?.spec.autoRemove || isActive(row.state.status)) return;
    ctx.live.cancelRestart(id);
    // Docker's AutoRemove removes the container's anonymous volumes too (RemoveVolume).
    await destroyLocked(ctx, lock, row, true);
  }).catch((err) => ctx.log.warn({ err, id }, 'auto-remove failed'));
}

/** After `delayMs` (counted once restarts are allowed: see LiveStates.holdRestarts), starts the container again if it still waits for that restart. */
function scheduleRestart(ctx: ContainerContext, id: string, delayMs: number): void {
  ctx.live.whenRestartsAllowed(() => armRestart(ctx, id, delayMs));
}

function armRestart(ctx: ContainerContext, id: string, delayMs: number): void {
  const live = ctx.live.of(id);
  ctx.live.cancelRestart(id);
  live.restartTimer = setTimeout(() => {
    live.restartTimer = undefined;
    void withContainerLock(ctx.mutex, id, async (lock) => {
      const row = ctx.repo.get(id);
      if (!row || !canTransition('restart-by-policy', row.state.status)) return;
      // dockerd logs a restart by policy as `start` alone (its `restart` event is the verb's, docker restart).
      await startLocked(ctx, lock, row, { stoppedByUser: false, restartCount: row.state.restartCount + 1 });
    }).catch((err) => ctx.log.warn({ err, id }, 'restart by policy failed'));
  }, delayMs);
}

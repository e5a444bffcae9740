/**
 * What happens when conmon reports an exit: under the lock, record the exit
 * code and finish time from the exit file, tear the runtime down, emit
 * `die`; then apply the restart policy or AutoRemove. Safe to call more than
 * once per exit file, and for files left by a container that is gone.
 */
import { withContainerLock } from '../locks.js';
import { eventAttributes, rfc3339Nano, type ContainerContext, type Row } from './context.js';
import { teardownRuntime } from './launch.js';
import { isActive } from './lifecycle.js';
import { nextBackoffMs, shouldRestart } from './restart-policy.js';
import { removeContainer } from './remove.js';
import { cancelRestartTimer, startLocked } from './start.js';
import type { ContainerState } from './types.js';

const backoff = new Map<string, number>();

export async function handleExit(ctx: ContainerContext, id: string): Promise<void> {
  if (!ctx.repo.get(id)) return ctx.exitWatcher.remove(id);
  const outcome = await withContainerLock(ctx.mutex, id, async (lock) => {
    const row = ctx.repo.get(id);
    if (!row || !isActive(row.state.status)) {
      await ctx.exitWatcher.remove(id);
      return undefined;
    }
    const exit = await ctx.exitWatcher.read(id);
    if (!exit) return undefined;
    // The exit is the news waiters are blocked on: commit and announce it first, then tear the
    // runtime down still under the lock (startup reconciliation finishes a teardown a crash cut short).
    const outcome = await recordExit(ctx, row, exit.exitCode, exit.finishedAtNs ?? exit.finishedAt, '');
    await teardownRuntime(ctx, lock, row).catch((err) => ctx.log.warn({ err, id }, 'runtime teardown after exit'));
    return outcome;
  });
  if (outcome) await afterExit(ctx, outcome);
}

export interface ExitOutcome {
  row: Row;
  state: ContainerState;
  restartInMs: number | undefined;
}

/**
 * Commits an exit (caller holds the lock; the runtime is torn down before or
 * right after, under the same lock), removes the exit file and emits `die`.
 * Decides the restart policy.
 */
export async function recordExit(ctx: ContainerContext, row: Row, exitCode: number, finishedAt: Date | bigint, error: string): Promise<ExitOutcome> {
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
  };
  ctx.repo.saveExit(row.id, state, Date.now());
  await ctx.exitWatcher.remove(row.id);
  ctx.events.emit({ type: 'container', action: 'die', id: row.id, attributes: eventAttributes(row, { exitCode: String(exitCode) }) });
  let restartInMs: number | undefined;
  if (restart) {
    const finishedMs = typeof finishedAt === 'bigint' ? Number(finishedAt / 1_000_000n) : finishedAt.getTime();
    const ranFor = finishedMs - (Date.parse(row.state.startedAt) || finishedMs);
    restartInMs = nextBackoffMs(backoff.get(row.id) ?? 0, ranFor);
    backoff.set(row.id, restartInMs);
  }
  return { row, state, restartInMs };
}

/** Schedules the restart or AutoRemove an exit asked for. Runs outside the lock. */
export async function afterExit(ctx: ContainerContext, outcome: ExitOutcome): Promise<void> {
  const { row, restartInMs } = outcome;
  if (restartInMs !== undefined) {
    scheduleRestart(ctx, row.id, restartInMs);
    return;
  }
  backoff.delete(row.id);
  if (row.spec.autoRemove) {
    await removeContainer(ctx, row.id, { force: true, volumes: true }).catch((err) => ctx.log.warn({ err, id: row.id }, 'auto-remove failed'));
  }
}

function scheduleRestart(ctx: ContainerContext, id: string, delayMs: number): void {
  cancelRestartTimer(ctx, id);
  const timer = setTimeout(() => {
    ctx.restartTimers.delete(id);
    void withContainerLock(ctx.mutex, id, async (lock) => {
      const row = ctx.repo.get(id);
      if (!row || row.state.status !== 'restarting') return;
      await startLocked(ctx, lock, row, { stoppedByUser: false, restartCount: row.state.restartCount + 1 });
      ctx.events.emit({ type: 'container', action: 'restart', id, attributes: eventAttributes(row) });
    }).catch((err) => ctx.log.warn({ err, id }, 'restart by policy failed'));
  }, delayMs);
  ctx.restartTimers.set(id, timer);
}

/**
 * Start: created/exited → running, or initialized (an attach ran
 * `runc create` already) → running by `runc start` alone. Under the lock:
 * check, launch, commit running with the pids, emit `start`. A failed start leaves the container
 * in its previous status with State.Error and the exit code Docker records.
 */
import { notModified } from '../errors.js';
import { withContainerLock, type LockedContainer } from '../locks.js';
import { eventAttributes, rfc3339Nano, type ContainerContext, type Row } from './context.js';
import { initContainer, launchContainer, startInitialized, StartError, type Launched } from './launch.js';
import { ensureTransition, isActive } from './lifecycle.js';
import { removeContainer } from './remove.js';
import { findContainer } from './resolve.js';

export async function startContainer(ctx: ContainerContext, ref: string): Promise<void> {
  const { id } = findContainer(ctx, ref);
  await withContainerLock(ctx.mutex, id, async (lock) => {
    const row = findContainer(ctx, id);
    if (row.state.status === 'running') throw notModified('BERTH_CONTAINER_ALREADY_RUNNING', 'Container already started');
    ensureTransition('start', row.state.status, id);
    cancelRestartTimer(ctx, id);
    await startLocked(ctx, lock, row, { stoppedByUser: false });
  }).catch(async (err) => {
    // Docker removes an AutoRemove container whose start failed.
    const row = ctx.repo.get(id);
    if (row?.spec.autoRemove && !isActive(row.state.status)) await removeContainer(ctx, id, { force: true, volumes: true }).catch(() => {});
    throw err;
  });
}

/**
 * Launches a container whose lock the caller holds, and commits the result.
 * `restartCount` is carried over by restart-policy restarts.
 */
export async function startLocked(ctx: ContainerContext, lock: LockedContainer, row: Row, opts: { stoppedByUser: boolean; restartCount?: number }): Promise<void> {
  try {
    const launched = row.state.status === 'initialized' ? await startInitializedRow(ctx, lock, row) : await launchContainer(ctx, lock, row);
    const state = {
      ...row.state,
      status: 'running' as const,
      pid: launched.pid,
      conmonPid: launched.conmonPid,
      exitCode: 0,
      error: '',
      oomKilled: false,
      startedAt: rfc3339Nano(),
      finishedAt: row.state.finishedAt,
      hasBeenStarted: true,
      stoppedByUser: opts.stoppedByUser,
      stopping: false,
      restartCount: opts.restartCount ?? row.state.restartCount,
    };
    ctx.repo.saveState(row.id, state);
    ctx.events.emit({ type: 'container', action: 'start', id: row.id, attributes: eventAttributes(row) });
  } catch (err) {
    const exitCode = err instanceof StartError ? err.exitCode : 128;
    const status = row.state.status === 'restarting' ? 'exited' : row.state.status === 'initialized' ? 'created' : row.state.status;
    ctx.repo.saveExit(row.id, { ...row.state, status, pid: 0, conmonPid: 0, exitCode, error: (err as Error).message, finishedAt: rfc3339Nano() }, Date.now());
    // Waiters and attached clients learn that this run is over (Docker emits die for a failed start too).
    ctx.events.emit({ type: 'container', action: 'die', id: row.id, attributes: eventAttributes(row, { exitCode: String(exitCode) }) });
    throw err;
  }
}

async function startInitializedRow(ctx: ContainerContext, lock: LockedContainer, row: Row): Promise<Launched> {
  await startInitialized(ctx, lock, row);
  return { pid: row.state.pid, conmonPid: row.state.conmonPid, warnings: [] };
}

/**
 * created/exited → initialized (caller holds the lock): conmon and
 * `runc create` run, the command does not yet. Used by an attach before
 * start, so stdin can be wired before the process reads it; `start` then
 * only runs `runc start`. A failure leaves the status as it was and is
 * thrown without recording anything (the start that follows reports it).
 */
export async function initLocked(ctx: ContainerContext, lock: LockedContainer, row: Row): Promise<Row> {
  const launched = await initContainer(ctx, lock, row);
  const state = { ...row.state, status: 'initialized' as const, pid: launched.pid, conmonPid: launched.conmonPid };
  ctx.repo.saveState(row.id, state);
  return { ...row, state };
}

export function cancelRestartTimer(ctx: ContainerContext, id: string): void {
  const timer = ctx.restartTimers.get(id);
  if (timer) clearTimeout(timer);
  ctx.restartTimers.delete(id);
}

/**
 * The committing half of a start, for callers that hold the container's
 * lock: the start verb, a restart by policy (exit-path.ts) and startup
 * reconciliation. Below the verbs and the exit path, so that both can use
 * it without importing each other.
 */
import type { LockedContainer } from '../locks.js';
import { eventAttributes, type ContainerContext, type Row } from './context.js';
import { rfc3339Nano } from '../time.js';
import { initContainer, launchContainer, startInitialized, StartError, type Launched } from './launch.js';
import { isAwaitingRestart, isInitialized, statusAfterFailedStart } from '../model/lifecycle.js';
import { faultPoint } from '../fault.js';
import { settleCopies, volumeMountEvents } from '../volumes/container-mounts.js';

/**
 * Launches a container whose lock the caller holds, and commits the result:
 * running with its pids, then `start`. A failed start leaves the container
 * in its previous status (see statusAfterFailedStart) with State.Error and
 * the exit code Docker records, logs no `die` (dockerd logs none: the
 * command never ran), tells waiters through the bus's internal
 * `start-failed`, and throws.
 * `restartCount` is carried over by restart-policy restarts, and counts
 * one that failed too (dockerd counts the attempt).
 */
export async function startLocked(
  ctx: ContainerContext,
  lock: LockedContainer,
  row: Row,
  opts: { stoppedByUser: boolean; restartCount?: number },
): Promise<void> {
  try {
    const launched = isInitialized(row.state.status) ? await startInitializedRow(ctx, lock, row) : await launchContainer(ctx, lock, row);
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
    ctx.repo.atomically(() => {
      ctx.repo.saveState(row.id, state);
      settleCopies(ctx.volumes, row.id, launched.settledCopies);
      emitEndpointEvents(ctx, row, 'connect');
      ctx.events.emit({ type: 'container', action: 'start', id: row.id, attributes: eventAttributes(row) });
    });
    faultPoint('start.after-record');
  } catch (err) {
    const byPolicy = isAwaitingRestart(row.state.status);
    const exitCode = exitCodeAfterFailedStart(row.state.exitCode, err instanceof StartError ? err.exitCode : 128, byPolicy);
    const status = statusAfterFailedStart(row.state.status);
    // A start that failed after its network was set up: dockerd logs connect and disconnect for it.
    const networked = err instanceof StartError && err.afterNetwork;
    // As dockerd records it: the code and the error, the last finish time kept, no `die` (the command never ran).
    ctx.repo.atomically(() => {
      const restartCount = opts.restartCount ?? row.state.restartCount;
      ctx.repo.saveExit(row.id, { ...row.state, status, pid: 0, conmonPid: 0, exitCode, error: (err as Error).message, restartCount }, Date.now());
      if (!networked) return;
      emitEndpointEvents(ctx, row, 'connect');
      emitEndpointEvents(ctx, row, 'disconnect');
    });
    // Attached clients learn that this start is over; a wait on a container that was waiting to restart ends.
    ctx.events.notify({ action: 'start-failed', id: row.id, attributes: {} });
    if (byPolicy) ctx.events.notify({ action: 'stopped', id: row.id, attributes: { exitCode: String(exitCode) } });
    throw err;
  }
}

/**
 * The exit code a failed start leaves, as dockerd 20.10 records it
 * (`previous`: the container's; `failure`: the start error's, 128 when
 * unclassified, see translateStartFailure). A restart by policy that fails
 * keeps the exit that asked for it (dockerd's restart manager sets the
 * container stopped with that exit status again). A start by the client
 * records 127/126 (the command is missing or not executable), else 128 —
 * but only where the container has no non-zero code yet ("if no one else
 * has set it"). Pure.
 */
export function exitCodeAfterFailedStart(previous: number, failure: number, byPolicy: boolean): number {
  if (byPolicy) return previous;
  return failure !== 128 || previous === 0 ? failure : previous;
}

/**
 * The events of what a start attaches (before `start`) or an exit lets go
 * (after `die`), as dockerd logs them: a network `connect` per network of
 * the container, then a `volume mount` per volume it mounts; at the exit a
 * network `disconnect` each, then a `volume unmount` each. Call inside the
 * transaction of the start or exit record.
 */
export function emitEndpointEvents(ctx: ContainerContext, row: Row, action: 'connect' | 'disconnect'): void {
  for (const event of ctx.networks.endpointEvents(row, action)) ctx.events.emit(event);
  for (const event of volumeMountEvents(row.id, row.spec.mounts, action === 'connect' ? 'mount' : 'unmount')) ctx.events.emit(event);
}

async function startInitializedRow(ctx: ContainerContext, lock: LockedContainer, row: Row): Promise<Launched> {
  await startInitialized(ctx, lock, row, row.state.pid);
  return { pid: row.state.pid, conmonPid: row.state.conmonPid, warnings: [], settledCopies: [] };
}

/**
 * created/exited → initialized (caller holds the lock): the runtime has
 * created the container, the command does not run yet. Used by an attach
 * before start, so stdin can be wired before the process reads it; `start`
 * then only asks the runtime to start. A failure leaves the status as it
 * was and is thrown without recording anything (the start that follows
 * reports it).
 */
export async function initLocked(ctx: ContainerContext, lock: LockedContainer, row: Row): Promise<Row> {
  const launched = await initContainer(ctx, lock, row);
  const state = { ...row.state, status: 'initialized' as const, pid: launched.pid, conmonPid: launched.conmonPid };
  ctx.repo.atomically(() => {
    ctx.repo.saveState(row.id, state);
    settleCopies(ctx.volumes, row.id, launched.settledCopies);
  });
  return { ...row, state };
}

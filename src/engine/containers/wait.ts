/**
 * Wait: registers the waiter synchronously with the lookup, so an exit that
 * happens right after the call can never be missed; `result` settles when
 * the condition holds.
 *   not-running: now if the container is not running, else at its next exit;
 *   next-exit:   at the next exit;
 *   (both also when a container waiting to restart is stopped without an
 *   exit: its restart failed, or stop or kill cancelled it; a failed start
 *   of a created or exited container is no exit, and dockerd's waits go on;
 *   and both when the container is removed without an exit, as dockerd's
 *   State.Wait ends on removal);
 *   removed:     when the container is removed (exit code kept in exit_codes).
 * A container an attach initialized is still created to dockerd: not-running
 * answers at once.
 */
import type { WaitCondition, WaitResult } from '../api/containers.js';
import type { ContainerContext } from './context.js';
import { isInitialized, isUp } from '../model/lifecycle.js';
import { findContainer } from './resolve.js';

export async function waitContainer(
  ctx: ContainerContext,
  ref: string,
  condition: WaitCondition,
  signal: AbortSignal,
): Promise<{ result: Promise<WaitResult> }> {
  const row = findContainer(ctx, ref);
  const id = row.id;
  const removedExitCode = () => ({ exitCode: ctx.repo.exitCode(id) ?? row.state.exitCode, error: '' });
  if (condition === 'removed') return { result: ctx.events.next('destroy', id, signal).then(removedExitCode) };
  const running = isUp(row.state.status) && !isInitialized(row.state.status);
  if (condition === 'not-running' && !running) {
    return { result: Promise.resolve({ exitCode: row.state.exitCode, error: '' }) };
  }
  // Whichever comes first: an exit, a container waiting out its restart backoff stopped without one, or
  // its removal without one (rm -f of a container an attach initialized, or of one awaiting its restart).
  const result = ctx.events
    .nextOf(['die', 'stopped', 'destroy'], id, signal)
    .then((event) => (event.action === 'destroy' ? removedExitCode() : { exitCode: Number(event.attributes.exitCode ?? 0), error: '' }));
  return { result };
}

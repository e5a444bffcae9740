/**
 * Wait: registers the waiter synchronously with the lookup, so an exit that
 * happens right after the call can never be missed; `result` settles when
 * the condition holds.
 *   not-running: now if the container is not running, else at its next exit;
 *   next-exit:   at the next exit;
 *   (both also when a container waiting to restart is stopped without an
 *   exit: its restart failed, or stop or kill cancelled it; a failed start
 *   of a created or exited container is no exit, and dockerd's waits go on);
 *   removed:     when the container is removed (exit code kept in exit_codes).
 */
import type { WaitCondition, WaitResult } from '../api/containers.js';
import type { ContainerContext } from './context.js';
import { isUp } from '../model/lifecycle.js';
import { findContainer } from './resolve.js';

export async function waitContainer(
  ctx: ContainerContext,
  ref: string,
  condition: WaitCondition,
  signal: AbortSignal,
): Promise<{ result: Promise<WaitResult> }> {
  const row = findContainer(ctx, ref);
  const id = row.id;
  if (condition === 'removed') {
    const destroyed = ctx.events.next('destroy', id, signal);
    return { result: destroyed.then(() => ({ exitCode: ctx.repo.exitCode(id) ?? row.state.exitCode, error: '' })) };
  }
  const running = isUp(row.state.status);
  if (condition === 'not-running' && !running) {
    return { result: Promise.resolve({ exitCode: row.state.exitCode, error: '' }) };
  }
  // Whichever comes first: an exit, or a container waiting out its restart backoff stopped without one.
  const settled = new AbortController();
  const both = AbortSignal.any([signal, settled.signal]);
  const ended = Promise.race([ctx.events.next('die', id, both), ctx.events.next('stopped', id, both)]);
  const result = ended.then((event) => ({ exitCode: Number(event.attributes.exitCode ?? 0), error: '' }));
  return { result: result.finally(() => settled.abort()) };
}

/**
 * Wait: registers the waiter synchronously with the lookup, so an exit that
 * happens right after the call can never be missed; `result` settles when
 * the condition holds.
 *   not-running: now if the container is not running, else at its next exit;
 *   next-exit:   at the next exit;
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
  const died = ctx.events.next('die', id, signal);
  return { result: died.then((event) => ({ exitCode: Number(event.attributes.exitCode ?? 0), error: '' })) };
}

/**
 * One signal to a live container, as dockerd 20.10's killWithSignal
 * delivers it: the one place that kill, stop (its stop signal and the
 * SIGKILL after the grace period) and a forced removal send a signal
 * through, so that they agree on the `kill` event and on thawing a paused
 * container. What dockerd shows, side by side (docker events):
 *
 *   paused + kill (SIGKILL), rm -f:       pause, kill 9, die          (no unpause)
 *   paused + stop, kill -s TERM / USR1:   pause, kill N, unpause, …   (running again)
 *   paused + kill -s USR1, --stop-signal USR2:  pause, kill 10        (stays paused)
 */
import type { LockedContainer } from '../locks.js';
import { eventAttributes, type ContainerContext, type Row } from './context.js';
import { canTransition } from '../model/lifecycle.js';
import { parseSignal } from './signals.js';

const SIGKILL = 9;

/**
 * Whether `signal` stops a container whose Config.StopSignal is
 * `stopSignal` ('' = none named), by dockerd's rule (its ExitOnNext, which
 * also decides whether a paused container is thawed): SIGKILL always, the
 * container's own stop signal, and — when it names none — any signal. Pure.
 */
export function stopsContainer(signal: number, stopSignal: string): boolean {
  return signal === SIGKILL || stopSignal === '' || parseSignal(stopSignal) === signal;
}

/**
 * Sends `signal` to the container (the caller holds its lock and read
 * `row` under it) and logs `kill` with the signal's number. A paused
 * container whose signal stops it (stopsContainer) is thawed after the
 * signal went out, since a frozen process cannot act on it; the thaw reads
 * `running` and is logged as `unpause` after the `kill` — except after
 * SIGKILL, where dockerd's `die` comes first and its `unpause` is never
 * logged (the exit path records what follows). A failed thaw is only
 * logged, as dockerd only warns. Throws the runtime's error, logging
 * nothing, when the signal could not be delivered (the process is gone).
 */
export async function deliverSignal(ctx: ContainerContext, _lock: LockedContainer, row: Row, signal: number): Promise<void> {
  await ctx.runtime.kill(row.id, String(signal));
  const thaw = canTransition('unpause', row.state.status) && stopsContainer(signal, row.spec.stopSignal);
  const thawed =
    thaw &&
    (await ctx.runtime.resume(row.id).then(
      () => true,
      // After SIGKILL runc has thawed the cgroup itself (cgroup v1), so the resume finds nothing paused.
      (err) => (ctx.log.debug({ err, id: row.id }, 'thaw after a signal'), false),
    ));
  ctx.events.emit({ type: 'container', action: 'kill', id: row.id, attributes: eventAttributes(row, { signal: String(signal) }) });
  if (!thawed || signal === SIGKILL) return;
  ctx.repo.atomically(() => {
    const current = ctx.repo.get(row.id);
    if (current) ctx.repo.saveState(row.id, { ...current.state, status: 'running' });
    ctx.events.emit({ type: 'container', action: 'unpause', id: row.id, attributes: eventAttributes(row) });
  });
}

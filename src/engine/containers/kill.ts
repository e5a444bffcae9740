/** Kill: deliver one signal to a running container. */
import { withContainerLock } from '../locks.js';
import { eventAttributes, type ContainerContext } from './context.js';
import { conflict } from '../errors.js';
import { canTransition } from '../model/lifecycle.js';
import { findContainer } from './resolve.js';
import { parseSignal } from './signals.js';
import { waitForExit } from './stop.js';

const TERMINATING = new Set([9, 15]);
/** How long kill waits for a SIGKILLed container's exit to be recorded. */
const KILL_WAIT_MS = 10_000;

/**
 * signal: name or number, default KILL. KILL, TERM and the container's stop
 * signal count as the user stopping it (no restart by policy); others
 * (USR1…) do not, as with Docker. After SIGKILL it resolves only once the
 * exit is recorded (bounded by KILL_WAIT_MS), as dockerd does: an inspect
 * right after `docker kill` sees the container exited.
 */
export async function killContainer(ctx: ContainerContext, ref: string, signal = 'KILL'): Promise<void> {
  const number = parseSignal(signal || 'KILL');
  const { id } = findContainer(ctx, ref);
  // Subscribed before the signal goes out, so the `die` cannot be missed; awaited after the lock is released.
  const exited = number === 9 ? waitForExit(ctx, id) : undefined;
  try {
    await withContainerLock(ctx.mutex, id, async () => {
      const row = findContainer(ctx, id);
      // dockerd's wording, naming the container as the client did and by its full ID.
      if (!canTransition('kill', row.state.status))
        throw conflict('BERTH_CONTAINER_KILL_CONFLICT', `Cannot kill container: ${ref}: Container ${id} is not running`);
      const stopsIt = TERMINATING.has(number) || number === parseSignal(row.spec.stopSignal || 'TERM');
      if (stopsIt && !row.state.stoppedByUser) ctx.repo.saveState(id, { ...row.state, stoppedByUser: true });
      await ctx.runtime.kill(id, String(number));
      // A frozen process cannot act on a signal; SIGKILL thaws it so it dies now (as Docker does).
      if (number === 9 && canTransition('unpause', row.state.status)) await ctx.runtime.resume(id).catch(() => {});
      ctx.events.emit({ type: 'container', action: 'kill', id, attributes: eventAttributes(row, { signal: String(number) }) });
    });
  } catch (err) {
    exited?.cancel();
    throw err;
  }
  if (exited && !(await exited.within(KILL_WAIT_MS))) {
    exited.cancel();
    ctx.log.warn({ id }, `container did not exit within ${KILL_WAIT_MS} ms of SIGKILL`);
  }
}

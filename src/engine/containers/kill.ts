/** Kill: deliver one signal to a running container. */
import { withContainerLock } from '../locks.js';
import type { ContainerContext } from './context.js';
import { deliverSignal } from './deliver-signal.js';
import { conflict, isEngineError, notFound } from '../errors.js';
import { canTransition, isAwaitingRestart } from '../model/lifecycle.js';
import { findContainer } from './resolve.js';
import { parseSignal } from './signals.js';
import { stopAwaitingRestart, waitForExit } from './stop.js';

const TERMINATING = new Set([9, 15]);

/** dockerd words a missing container for kill as "Cannot kill container: <ref>: No such container: <ref>". */
function findToKill(ctx: ContainerContext, ref: string): { id: string } {
  try {
    return findContainer(ctx, ref);
  } catch (err) {
    if (isEngineError(err, 'not-found')) throw notFound('BERTH_CONTAINER_NOT_FOUND', `Cannot kill container: ${ref}: ${err.message}`);
    throw err;
  }
}
/** How long kill waits for a SIGKILLed container's exit to be recorded. */
const KILL_WAIT_MS = 10_000;

/**
 * signal: name or number, default KILL. KILL, TERM and the container's stop
 * signal count as the user stopping it (no restart by policy); others
 * (USR1…) do not (dockerd counts every signal when the container names no
 * stop signal, moby#11065/#41302: a deliberate difference, TESTING.md). A
 * paused container is thawed as dockerd thaws it (deliver-signal.ts).
 * After SIGKILL it resolves only once the
 * exit is recorded (bounded by KILL_WAIT_MS), as dockerd does: an inspect
 * right after `docker kill` sees the container exited. A container waiting
 * out its restart backoff is stopped without a signal (dockerd: 204).
 */
export async function killContainer(ctx: ContainerContext, ref: string, signal = 'KILL'): Promise<void> {
  const number = parseSignal(signal || 'KILL');
  const { id } = findToKill(ctx, ref);
  // Subscribed before the signal goes out, so the `die` cannot be missed; awaited after the lock is released.
  const exited = number === 9 ? waitForExit(ctx, id) : undefined;
  try {
    const stopped = await withContainerLock(ctx.mutex, id, async (lock) => {
      const row = findContainer(ctx, id);
      // Waiting out its restart backoff: dockerd cancels the restart and signals nothing (no event either).
      if (isAwaitingRestart(row.state.status)) {
        ctx.live.cancelRestart(id);
        stopAwaitingRestart(ctx, row);
        return true;
      }
      // dockerd's wording, naming the container as the client did and by its full ID.
      if (!canTransition('kill', row.state.status))
        throw conflict('BERTH_CONTAINER_KILL_CONFLICT', `Cannot kill container: ${ref}: Container ${id} is not running`);
      const stopsIt = TERMINATING.has(number) || number === parseSignal(row.spec.stopSignal || 'TERM');
      const state = stopsIt && !row.state.stoppedByUser ? { ...row.state, stoppedByUser: true } : row.state;
      if (state !== row.state) ctx.repo.saveState(id, state);
      await deliverSignal(ctx, lock, { ...row, state }, number);
      return false;
    });
    if (stopped) {
      exited?.cancel();
      return;
    }
  } catch (err) {
    exited?.cancel();
    throw err;
  }
  if (exited && !(await exited.within(KILL_WAIT_MS))) {
    exited.cancel();
    ctx.log.warn({ id }, `container did not exit within ${KILL_WAIT_MS} ms of SIGKILL`);
  }
}

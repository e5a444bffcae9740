/**
 * Start: created/exited → running, or initialized (an attach had the
 * runtime create it already) → running by the runtime's start alone. Under
 * the lock: check the table, disarm a pending restart, launch and commit
 * (start-locked.ts). A failed start leaves the container in its previous
 * status with State.Error and the exit code Docker records; an AutoRemove
 * container whose start failed is removed, as Docker does. A start refused
 * before it is tried (a status that cannot start, a Mounts bind whose source
 * went: dockerd's settings check) leaves the container as it was, State and
 * all, AutoRemove or not: dockerd keeps such a container too.
 */
import { withContainerLock } from '../locks.js';
import { ensureMountsBindSources } from './bind-sources.js';
import type { ContainerContext } from './context.js';
import { autoRemove } from './exit-path.js';
import { ensureTransition } from '../model/lifecycle.js';
import { findContainer } from './resolve.js';
import { startLocked } from './start-locked.js';

export async function startContainer(ctx: ContainerContext, ref: string): Promise<void> {
  const { id } = findContainer(ctx, ref);
  let tried = false;
  await withContainerLock(ctx.mutex, id, async (lock) => {
    const row = findContainer(ctx, id);
    ensureTransition('start', row.state.status, id);
    await ensureMountsBindSources(row.spec.mounts);
    ctx.live.cancelRestart(id);
    tried = true;
    await startLocked(ctx, lock, row, { stoppedByUser: false });
  }).catch(async (err) => {
    if (tried && ctx.repo.get(id)?.spec.autoRemove) await autoRemove(ctx, id);
    throw err;
  });
}

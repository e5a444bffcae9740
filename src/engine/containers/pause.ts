/** Pause and unpause: freeze and thaw the container's cgroup through the runtime. */
import { withContainerLock } from '../locks.js';
import { eventAttributes, type ContainerContext } from './context.js';
import { ensureTransition } from '../model/lifecycle.js';
import { findContainer } from './resolve.js';

export async function pauseContainer(ctx: ContainerContext, ref: string): Promise<void> {
  await setFrozen(ctx, ref, true);
}

export async function unpauseContainer(ctx: ContainerContext, ref: string): Promise<void> {
  await setFrozen(ctx, ref, false);
}

async function setFrozen(ctx: ContainerContext, ref: string, frozen: boolean): Promise<void> {
  const { id } = findContainer(ctx, ref);
  await withContainerLock(ctx.mutex, id, async () => {
    const row = findContainer(ctx, id);
    ensureTransition(frozen ? 'pause' : 'unpause', row.state.status, id);
    await (frozen ? ctx.runtime.pause(id) : ctx.runtime.resume(id));
    ctx.repo.saveState(id, { ...row.state, status: frozen ? 'paused' : 'running' });
    ctx.events.emit({ type: 'container', action: frozen ? 'pause' : 'unpause', id, attributes: eventAttributes(row) });
  });
}

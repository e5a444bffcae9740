/**
 * `docker update`: under the container's lock, merge the request into the
 * spec (update-resources.ts), apply the new limits to a running or paused
 * container with `runc update` first, then store the spec (so a runtime
 * failure changes nothing), then emit `update`.
 */
import { EngineError, systemError } from '../errors.js';
import { ensureTransition, isRunning } from '../model/lifecycle.js';
import { withContainerLock } from '../locks.js';
import { eventAttributes, type ContainerContext } from './context.js';
import { findContainer } from './resolve.js';
import { buildUpdateResources, mergeUpdate } from './update-resources.js';
import type { ContainerUpdateOptions } from '../api/update.js';

export async function updateContainer(ctx: ContainerContext, ref: string, opts: ContainerUpdateOptions): Promise<{ warnings: string[] }> {
  const { id } = findContainer(ctx, ref);
  return withContainerLock(ctx.mutex, id, async () => {
    const row = findContainer(ctx, id);
    ensureTransition('update', row.state.status, id);
    const merged = mergeUpdate(row.spec, opts);
    if (isRunning(row.state.status)) {
      try {
        await ctx.runtime.update(id, buildUpdateResources(merged.resources, ctx.settings.defaultPidsLimit));
      } catch (err) {
        const detail = err instanceof Error ? err.message : String(err);
        throw err instanceof EngineError && err.kind !== 'system' ? err : systemError('BERTH_UPDATE_RUNTIME', `Cannot update container ${id}: ${detail}`, err);
      }
    }
    ctx.repo.updateSpec(id, { ...row.spec, ...merged });
    ctx.events.emit({ type: 'container', action: 'update', id, attributes: eventAttributes(row) });
    return { warnings: [] };
  });
}

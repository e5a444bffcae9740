/**
 * The storage half of a removal, for a container whose process is gone
 * (caller holds the lock): the remove verb after it killed a forced
 * container, AutoRemove on the exit path, and startup reconciliation of an
 * interrupted removal. Order: the record is marked `removing` (with its
 * options, so a crash half-way is finished at startup), the runtime's
 * leftovers are torn down, the root unmounted, the directory deleted, and
 * only then does the row go; `destroy` is emitted after that commit and the
 * container's live state is dropped. A container that holds no runtime and
 * keeps its volumes takes the shorter way (destroyUnmarked).
 */
import { removeTree } from '../host/remove-tree.js';
import type { LockedContainer } from '../locks.js';
import { eventAttributes, type ContainerContext, type Row } from './context.js';
import { teardownRuntime } from './launch.js';
import { mayHoldRuntime } from '../model/lifecycle.js';
import { releaseHostMounts } from './mount.js';
import { removeAnonymous } from '../volumes/container-mounts.js';
import { faultPoint } from '../fault.js';

export async function destroyLocked(ctx: ContainerContext, lock: LockedContainer, row: Row, volumes: boolean): Promise<void> {
  markRemoving(ctx, row, volumes);
  // The mark reaches the disk before anything is torn down: after a power loss startup must finish the removal, not find a container without its directory.
  await ctx.repo.durable();
  faultPoint('remove.after-mark');
  if (mayHoldRuntime(row.state.status)) await teardownRuntime(ctx, lock, row);
  faultPoint('remove.after-teardown');
  await releaseHostMounts(ctx, row.id);
  await removeTree(ctx.paths.containerDir(row.id));
  faultPoint('remove.after-rm-dir');
  const destroyed = () => ctx.events.emit({ type: 'container', action: 'destroy', id: row.id, attributes: eventAttributes(row) });
  // Without volumes to remove, the event commits with the row (one sync); with them it follows
  // their removal, as Docker orders it (volume destroy events before the container's).
  ctx.repo.atomically(() => {
    ctx.repo.delete(row.id);
    if (!volumes) destroyed();
  });
  faultPoint('remove.after-record');
  // After the row (and with it its volume mount rows) is gone: only then is a volume unused.
  if (volumes) await removeAnonymous(ctx.volumes, row.spec.mounts);
  ctx.live.drop(row.id);
  if (volumes) destroyed();
}

/**
 * The removal of a container that holds no runtime (created, or exited:
 * the exit path tore it down) and whose volumes stay (caller holds the
 * lock): the row goes with `destroy` in one commit, then the directory.
 * A crash in between leaves a directory without a row, which startup
 * removes as it does after a create cut short (reconcile.ts), so the
 * `removing` mark, a commit of its own, is not needed. The directory is
 * not the container any more: failing to remove it is logged, not thrown.
 */
export async function destroyUnmarked(ctx: ContainerContext, row: Row): Promise<void> {
  await releaseHostMounts(ctx, row.id);
  ctx.repo.atomically(() => {
    ctx.repo.delete(row.id);
    ctx.events.emit({ type: 'container', action: 'destroy', id: row.id, attributes: eventAttributes(row) });
  });
  faultPoint('remove.after-record');
  ctx.live.drop(row.id);
  // The row's removal reaches the disk before the directory goes (a power loss must not bring back a row without it).
  await ctx.repo.durable();
  await removeTree(ctx.paths.containerDir(row.id)).catch((err) => ctx.log.warn({ err, id: row.id }, 'removing the directory of a removed container'));
}

/** Records the removal intent; user-stopped, so no restart policy fires for the exit a forced removal causes. */
export function markRemoving(ctx: ContainerContext, row: Row, volumes: boolean): Row {
  const marked = { ...row, state: { ...row.state, status: 'removing' as const, removeVolumes: volumes, stoppedByUser: true } };
  ctx.repo.saveState(row.id, marked.state);
  return marked;
}

/**
 * Remove: an active container is a conflict unless forced (the table's
 * `remove` / `remove-forced` rows). The record is marked `removing` first
 * (with its options), so a crash half-way is finished by startup
 * reconciliation. A live container is killed through the runtime and its
 * exit recorded for waiters (exit-path.ts); then the storage goes and
 * finally the row (destroy.ts).
 */
import { withContainerLock, type LockedContainer } from '../locks.js';
import type { ContainerContext, Row } from './context.js';
import { deliverSignal } from './deliver-signal.js';
import { destroyLocked, destroyUnmarked, markRemoving } from './destroy.js';
import { recordExit } from './exit-path.js';
import { teardownRuntime } from './launch.js';
import { ensureTransition, isActive, isInitialized, mayHoldRuntime } from '../model/lifecycle.js';
import { findContainer } from './resolve.js';
import { faultPoint } from '../fault.js';
import { pollUntil } from '../time.js';
import type { ExitRecord } from '../runtime/exit-watcher.js';

const EXIT_FILE_WAIT_MS = 5_000;

export async function removeContainer(ctx: ContainerContext, ref: string, opts: { force: boolean; volumes: boolean }): Promise<void> {
  const { id } = findContainer(ctx, ref);
  await withContainerLock(ctx.mutex, id, async (lock) => {
    const row = findContainer(ctx, id);
    ensureTransition(opts.force ? 'remove-forced' : 'remove', row.state.status, id);
    ctx.live.cancelRestart(id);
    // An initialized container never ran its command: it is torn down without an exit (no die, no disconnect), as a created one.
    await removeLocked(ctx, lock, row, opts.volumes, isActive(row.state.status) && !isInitialized(row.state.status));
  });
}

/**
 * Finishes a removal (caller holds the lock); also used by startup
 * reconciliation for `removing` rows. `live`: the container's process may
 * still run and must be killed first.
 */
export async function removeLocked(ctx: ContainerContext, lock: LockedContainer, row: Row, volumes: boolean, live: boolean): Promise<void> {
  if (!live) return volumes || mayHoldRuntime(row.state.status) ? destroyLocked(ctx, lock, row, volumes) : destroyUnmarked(ctx, row);
  const stopped = await killForRemoval(ctx, lock, markRemoving(ctx, row, volumes), row);
  await destroyLocked(ctx, lock, stopped, volumes);
}

/**
 * Kills the process (`SIGKILL`); conmon then writes the exit file, whose
 * code waiters get. `row` is marked removing, `before` is as the removal
 * found it (a paused one is thawed to die). Returns the row as the
 * recorded exit left it.
 */
async function killForRemoval(ctx: ContainerContext, lock: LockedContainer, row: Row, before: Row): Promise<Row> {
  // A delivered SIGKILL is logged as dockerd's forced removal logs it.
  await deliverSignal(ctx, lock, before, 9).catch((err) => ctx.log.debug({ err, id: row.id }, 'SIGKILL not delivered'));
  faultPoint('remove.after-kill');
  const exit = await waitForExitFile(ctx, row.id);
  await teardownRuntime(ctx, lock, row);
  faultPoint('remove.after-kill-teardown');
  const outcome = await recordExit(ctx, row, exit?.exitCode ?? 137, exit?.finishedAtNs ?? exit?.finishedAt ?? new Date(), '');
  return { ...row, state: outcome.state };
}

async function waitForExitFile(ctx: ContainerContext, id: string) {
  let exit: ExitRecord | undefined;
  await pollUntil(async () => (exit = await ctx.exitWatcher.read(id)) !== undefined, { everyMs: 10, timeoutMs: EXIT_FILE_WAIT_MS });
  return exit;
}

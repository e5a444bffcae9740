/**
 * Remove: a running container is a conflict unless forced. The record is
 * marked `removing` first (with its options), so a crash half-way is
 * finished by startup reconciliation. Then the runtime is deleted (which
 * kills a forced container), the exit is recorded for waiters, storage is
 * unmounted and deleted, and finally the row goes.
 */
import fs from 'node:fs/promises';
import { conflict } from '../errors.js';
import { withContainerLock, type LockedContainer } from '../locks.js';
import { eventAttributes, type ContainerContext, type Row } from './context.js';
import { teardownRuntime } from './launch.js';
import { releaseHostMounts } from './mount.js';
import { isActive } from './lifecycle.js';
import { findContainer } from './resolve.js';
import { cancelRestartTimer } from './start.js';
import { recordExit } from './handle-exit.js';
import { removeAnonymous } from '../volumes/container-mounts.js';

const EXIT_FILE_WAIT_MS = 5_000;

export async function removeContainer(ctx: ContainerContext, ref: string, opts: { force: boolean; volumes: boolean }): Promise<void> {
  const { id } = findContainer(ctx, ref);
  await withContainerLock(ctx.mutex, id, async (lock) => {
    const row = findContainer(ctx, id);
    const live = isActive(row.state.status);
    // initialized: runc created it (an attach before start) but its process never ran; Docker shows it as created, removable without force.
    if (live && !opts.force && row.state.status !== 'initialized') {
      const what = row.state.status === 'paused' ? 'paused' : 'running';
      throw conflict('BERTH_CONTAINER_RUNNING', `You cannot remove a ${what} container ${id}. Stop the container before attempting removal or force remove`);
    }
    cancelRestartTimer(ctx, id);
    await removeLocked(ctx, lock, row, opts.volumes, live);
  });
}

/** Finishes a removal; also used by startup reconciliation for `removing` rows. */
export async function removeLocked(ctx: ContainerContext, lock: LockedContainer, row: Row, volumes: boolean, live: boolean): Promise<void> {
  const marked = { ...row, state: { ...row.state, status: 'removing' as const, removeVolumes: volumes, stoppedByUser: true } };
  ctx.repo.saveState(row.id, marked.state);
  if (live) await killForRemoval(ctx, lock, marked);
  // created: never launched; exited: torn down when the exit was recorded. Anything else may hold runtime state.
  else if (row.state.status !== 'created' && row.state.status !== 'exited') await teardownRuntime(ctx, lock, row);
  await releaseHostMounts(ctx, row.id);
  await fs.rm(ctx.paths.containerDir(row.id), { recursive: true, force: true });
  ctx.repo.delete(row.id);
  // After the row (and with it its volume mount rows) is gone: only then is a volume unused.
  if (volumes) await removeAnonymous(ctx.volumes, row.spec.mounts);
  ctx.events.emit({ type: 'container', action: 'destroy', id: row.id, attributes: eventAttributes(row) });
}

/** `runc delete --force` kills the process; conmon then writes the exit file, whose code waiters get. */
async function killForRemoval(ctx: ContainerContext, lock: LockedContainer, row: Row): Promise<void> {
  await ctx.runtime.kill(row.id, '9').catch(() => {});
  const exit = await waitForExitFile(ctx, row.id);
  await teardownRuntime(ctx, lock, row);
  await recordExit(ctx, row, exit?.exitCode ?? 137, exit?.finishedAtNs ?? exit?.finishedAt ?? new Date(), '');
}

async function waitForExitFile(ctx: ContainerContext, id: string) {
  const deadline = Date.now() + EXIT_FILE_WAIT_MS;
  while (Date.now() < deadline) {
    const exit = await ctx.exitWatcher.read(id);
    if (exit) return exit;
    await new Promise((r) => setTimeout(r, 10));
  }
  return undefined;
}

/**
 * Startup reconciliation, before the API socket opens. For every container
 * the database calls live:
 *   - after a reboot: exited with 255 ("host rebooted"), policies applied;
 *   - conmon left an exit file: handled here as the exit watcher would
 *     (real exit code and finish time), before berthd serves;
 *   - conmon still alive: adopted as it is (same pid);
 *   - conmon gone without an exit file: the container is killed if its
 *     process survived, and recorded exited with -1 (podman #19629).
 * Interrupted removals are finished; a container that was waiting out its
 * restart backoff is torn down (in case the crash came before its exit's
 * teardown) and started.
 */
import fs from 'node:fs/promises';
import { withContainerLock } from '../locks.js';
import { containerFiles } from '../paths.js';
import type { ContainerContext, Row } from './context.js';
import { afterExit, handleExit, recordExit } from './exit-path.js';
import { teardownRuntime, watchLog } from './launch.js';
import { canTransition, isActive, isRemovalPending, isUp } from '../model/lifecycle.js';
import { removeLocked } from './remove.js';
import { startLocked } from './start-locked.js';
import { pausedForCommitMarker } from './commit.js';
import { unpauseContainer } from './pause.js';

export async function reconcileContainers(ctx: ContainerContext, opts: { rebooted: boolean }): Promise<void> {
  const rows = ctx.repo.all();
  const known = new Set(rows.map((r) => r.id));
  const inRuntime = opts.rebooted ? [] : await ctx.runtime.list().catch((err) => (ctx.log.warn({ err }, 'reading the runtime root'), []));
  await Promise.all(rows.map((row) => reconcileOne(ctx, row, opts.rebooted).catch((err) => ctx.log.error({ err, id: row.id }, 'reconcile failed'))));
  await finishTeardowns(ctx, inRuntime, known);
  await collectOrphanDirs(ctx, known);
}

/**
 * Runtime records of containers that are not live: an exit recorded just
 * before a crash, before its teardown; or a container runc knows and the
 * database does not (a create that never committed).
 */
async function finishTeardowns(ctx: ContainerContext, runtimeIds: string[], known: Set<string>): Promise<void> {
  for (const id of runtimeIds) {
    const row = ctx.repo.get(id);
    if (row && isUp(row.state.status)) continue;
    if (row) await withContainerLock(ctx.mutex, id, (lock) => teardownRuntime(ctx, lock, row));
    else if (!known.has(id)) await ctx.runtime.delete(id).catch((err) => ctx.log.warn({ err, id }, 'deleting an unknown runtime container'));
  }
}

async function reconcileOne(ctx: ContainerContext, row: Row, rebooted: boolean): Promise<void> {
  if (isRemovalPending(row.state.status)) {
    const live = !rebooted && (await ctx.runtime.monitorAlive(row.id, row.state.conmonPid));
    await withContainerLock(ctx.mutex, row.id, (lock) => removeLocked(ctx, lock, row, row.state.removeVolumes, live));
    return;
  }
  if (canTransition('restart-by-policy', row.state.status)) {
    await withContainerLock(ctx.mutex, row.id, async (lock) => {
      // A crash right after the exit was recorded skipped its teardown: the runtime would refuse the create.
      await teardownRuntime(ctx, lock, row);
      await startLocked(ctx, lock, row, { stoppedByUser: false, restartCount: row.state.restartCount + 1 });
    });
    return;
  }
  if (!isActive(row.state.status)) return;
  const monitorAlive = !rebooted && (await ctx.runtime.monitorAlive(row.id, row.state.conmonPid));
  // Its conmon died while the exit command tore the container down: the exit file it wrote is the truth.
  if (!rebooted && !monitorAlive) await ctx.exitWatcher.adopt(row.id);
  if (!rebooted && (await ctx.exitWatcher.read(row.id))) {
    // It ended while berthd was down: tear down and record it now, before berthd serves, so that
    // nobody sees it running (the watcher's sweep would do the same, but only after the start).
    await handleExit(ctx, row.id);
    return;
  }
  if (monitorAlive) {
    watchLog(ctx, row);
    await thawAfterInterruptedCommit(ctx, row);
    await forgetExecSessions(ctx, row);
    return;
  }
  const outcome = await withContainerLock(ctx.mutex, row.id, async (lock) => {
    if (!rebooted && row.state.pid > 0) ctx.runtime.killOrphan(row.state.pid);
    await teardownRuntime(ctx, lock, row).catch((err) => ctx.log.warn({ err, id: row.id }, 'teardown of a lost container'));
    const why = rebooted ? 'host rebooted' : 'conmon died without writing an exit file';
    return recordExit(ctx, row, rebooted ? 255 : -1, new Date(), why);
  });
  await afterExit(ctx, outcome);
}

/** A commit that was cut short left its container paused: thaw it, as the commit would have. */
async function thawAfterInterruptedCommit(ctx: ContainerContext, row: Row): Promise<void> {
  const marker = pausedForCommitMarker(ctx, row.id);
  if (!(await fs.stat(marker).catch(() => undefined))) return;
  if (canTransition('unpause', row.state.status)) await unpauseContainer(ctx, row.id);
  await fs.rm(marker, { force: true });
}

/**
 * Exec sessions do not outlive berthd (exec/service.ts): what they and the
 * container's spare conmon left in its bundle goes. A detached session's
 * process runs on to its end under its conmon; nobody can reach it any more.
 */
async function forgetExecSessions(ctx: ContainerContext, row: Row): Promise<void> {
  await fs
    .rm(ctx.paths.execSessionsDir(row.id), { recursive: true, force: true })
    .catch((err) => ctx.log.warn({ err, id: row.id }, 'removing old exec sessions'));
}

/**
 * Container directories without a row: a create that crashed before its
 * insert (or one whose root is still mounted). The root is unmounted first:
 * a recursive delete must never descend into a mount, and a failure here
 * is logged, not fatal to startup.
 */
async function collectOrphanDirs(ctx: ContainerContext, known: Set<string>): Promise<void> {
  const base = ctx.paths.containerDir('');
  const names = await fs.readdir(base).catch(() => [] as string[]);
  for (const name of names) {
    if (/^[0-9a-f]{64}$/.test(name) && !known.has(name)) {
      ctx.log.info({ id: name }, 'removing the directory of a container that was never recorded');
      const dir = ctx.paths.containerDir(name);
      await ctx.rootMounts
        .unmount(containerFiles(dir).merged)
        .then(() => fs.rm(dir, { recursive: true, force: true }))
        .catch((err) => ctx.log.warn({ err, id: name }, 'removing an unrecorded container directory'));
    }
  }
}

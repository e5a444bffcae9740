/**
 * Startup reconciliation, before the API socket opens. For every container
 * the database calls live:
 *   - after a reboot: exited with 255 ("host rebooted"), policies applied;
 *   - conmon left an exit file: handled by the exit watcher's first sweep
 *     (real exit code and finish time);
 *   - conmon still alive: adopted as it is (same pid);
 *   - conmon gone without an exit file: the container is killed if its
 *     process survived, and recorded exited with -1 (podman #19629).
 * Interrupted removals are finished; restart timers are re-armed.
 */
import fs from 'node:fs/promises';
import { withContainerLock } from '../locks.js';
import type { ContainerContext, Row } from './context.js';
import { afterExit, recordExit } from './handle-exit.js';
import { teardownRuntime } from './launch.js';
import { isActive } from './lifecycle.js';
import { removeLocked } from './remove.js';
import { startLocked } from './start.js';
import { pausedForCommitMarker } from './commit.js';
import { unpauseContainer } from './pause.js';

export async function reconcileContainers(ctx: ContainerContext, opts: { rebooted: boolean }): Promise<void> {
  const rows = ctx.repo.all();
  const known = new Set(rows.map((r) => r.id));
  const inRuntime = opts.rebooted ? [] : await ctx.runtime.ids().catch((err) => (ctx.log.warn({ err }, 'reading the runtime root'), []));
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
    if (row && (isActive(row.state.status) || row.state.status === 'restarting')) continue;
    if (row) await withContainerLock(ctx.mutex, id, (lock) => teardownRuntime(ctx, lock, row));
    else if (!known.has(id)) await ctx.runtime.delete(id, true).catch((err) => ctx.log.warn({ err, id }, 'deleting an unknown runtime container'));
  }
}

async function reconcileOne(ctx: ContainerContext, row: Row, rebooted: boolean): Promise<void> {
  if (row.state.status === 'removing') {
    const live = !rebooted && (await conmonAlive(row));
    await withContainerLock(ctx.mutex, row.id, (lock) => removeLocked(ctx, lock, row, row.state.removeVolumes, live));
    return;
  }
  if (row.state.status === 'restarting') {
    await withContainerLock(ctx.mutex, row.id, (lock) => startLocked(ctx, lock, row, { stoppedByUser: false, restartCount: row.state.restartCount + 1 }));
    return;
  }
  if (!isActive(row.state.status)) return;
  if (!rebooted && (await ctx.exitWatcher.read(row.id))) return; // the watcher's sweep records it
  if (!rebooted && (await conmonAlive(row))) {
    await thawAfterInterruptedCommit(ctx, row);
    return;
  }
  const outcome = await withContainerLock(ctx.mutex, row.id, async (lock) => {
    if (!rebooted && row.state.pid > 0) killQuietly(row.state.pid);
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
  if (row.state.status === 'paused') await unpauseContainer(ctx, row.id);
  await fs.rm(marker, { force: true });
}

/** True when the recorded conmon pid is still a conmon for this container (pids get reused). */
async function conmonAlive(row: Row): Promise<boolean> {
  if (row.state.conmonPid <= 0) return false;
  const cmdline = await fs.readFile(`/proc/${row.state.conmonPid}/cmdline`, 'latin1').catch(() => '');
  return cmdline.includes('conmon') && cmdline.includes(row.id);
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Container directories without a row: a create that crashed before its insert. */
async function collectOrphanDirs(ctx: ContainerContext, known: Set<string>): Promise<void> {
  const base = ctx.paths.containerDir('');
  const names = await fs.readdir(base).catch(() => [] as string[]);
  for (const name of names) {
    if (/^[0-9a-f]{64}$/.test(name) && !known.has(name)) {
      ctx.log.info({ id: name }, 'removing the directory of a container that was never recorded');
      await fs.rm(ctx.paths.containerDir(name), { recursive: true, force: true });
    }
  }
}

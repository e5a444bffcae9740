/**
 * A container's monitor (conmon) as the teardown sees it. conmon runs its
 * exit command (runtime/exit-command.ts) after the container's process
 * ended and exits only once that command is done: so "conmon is gone" is
 * "no teardown of that run can still touch the container's runtime state,
 * root mount or bundle", which a new run must be able to rely on.
 */
import { conmonFiles, readConmonPidFile } from '../runtime/conmon.js';
import type { ContainerContext } from './context.js';
import { pollUntil } from '../time.js';

const POLL_MS = 5;
/** conmon's exit command takes milliseconds; past this a hung one is logged and left behind. */
const WAIT_MS = 10_000;

/** Whether the conmon recorded for `id` has exited (a container without a row has none to wait for). */
export async function monitorGone(ctx: ContainerContext, id: string): Promise<boolean> {
  const row = ctx.repo.get(id);
  return !row || !(await ctx.runtime.monitorAlive(id, row.state.conmonPid));
}

/** The pid in the bundle's conmon pid file; undefined when there is none (the exit command removed the bundle, or no conmon ran). */
export function bundleMonitorPid(bundleDir: string): number | undefined {
  return readConmonPidFile(conmonFiles(bundleDir).conmonPidFile);
}

/** Resolves once conmon `pid` of container `id` has exited, or after WAIT_MS (logged). */
export async function untilMonitorGone(ctx: ContainerContext, id: string, pid: number): Promise<void> {
  const gone = await pollUntil(async () => !(await ctx.runtime.monitorAlive(id, pid)), { everyMs: POLL_MS, timeoutMs: WAIT_MS });
  if (!gone) ctx.log.warn({ id, pid }, 'conmon still runs its exit command; going on without it');
}

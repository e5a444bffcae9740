/**
 * Waiting for an engine to be idle before its RSS is read: at least
 * SETTLE_MS without requests (a garbage-collected runtime gives memory back
 * only after a quiet while), and for berthd also until its spawn helper has
 * exited. The helper (src/engine/host/spawner.ts) is a second node process
 * that leaves 30 s after its last request; read before that, an "idle"
 * berthd would count it.
 */
import { engineProcesses } from './proc.js';

/** How long every engine sits without requests before its idle RSS is read. */
export const SETTLE_MS = 15_000;
/** The longest wait for berthd's spawn helper to leave, from the start of the settle (its idle exit is at 30 s). */
const HELPER_EXIT_BOUND_MS = 45_000;
const POLL_MS = 250;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether a node process other than `root` runs in root's process tree (berthd's spawn helper). */
function helperRuns(root: number): boolean {
  return engineProcesses(root).some((p) => p.pid !== root && p.comm === 'node');
}

/**
 * Resolves after SETTLE_MS, and once berthd (`berthdPid()`; undefined for
 * another engine) has no spawn helper, or after HELPER_EXIT_BOUND_MS at
 * the latest. Returns false when the bound was hit with a helper still there.
 */
export async function settle(berthdPid: () => number | undefined): Promise<boolean> {
  const t0 = Date.now();
  await sleep(SETTLE_MS);
  for (;;) {
    const root = berthdPid();
    if (root === undefined || !helperRuns(root)) return true;
    if (Date.now() - t0 >= HELPER_EXIT_BOUND_MS) return false;
    await sleep(POLL_MS);
  }
}

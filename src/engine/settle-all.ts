/**
 * Runs `fn` on all of `items` at once and waits for every one to settle;
 * rejects with the first failure only then, so nothing is still running
 * when a caller's cleanup starts (a removal racing a write that is still
 * in flight fails with ENOTEMPTY and hides the real error).
 */
export async function settleAll<T>(items: readonly T[], fn: (item: T) => Promise<unknown>): Promise<void> {
  const failed = (await Promise.allSettled(items.map(fn))).find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

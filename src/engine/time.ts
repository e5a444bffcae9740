/** Time stamps in Docker's formats. */

/** RFC 3339 with nanoseconds, UTC, as Docker prints times. A bigint is nanoseconds since the epoch. */
export function rfc3339Nano(time: Date | bigint = new Date()): string {
  if (typeof time === 'bigint') {
    const seconds = new Date(Number(time / 1_000_000_000n) * 1000).toISOString().slice(0, 19);
    return `${seconds}.${String(time % 1_000_000_000n).padStart(9, '0')}Z`;
  }
  return time.toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
}

/**
 * Checks `done` at once and then every `everyMs` until it answers true
 * (resolves true) or `timeoutMs` has passed (resolves false). For the few
 * waits on facts the kernel or another process changes without telling.
 */
export async function pollUntil(done: () => boolean | Promise<boolean>, opts: { everyMs: number; timeoutMs: number }): Promise<boolean> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    if (await done()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, opts.everyMs));
  }
}

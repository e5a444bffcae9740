/** Time stamps in Docker's formats. */

/** RFC 3339 with nanoseconds, UTC, as Docker prints times. A bigint is nanoseconds since the epoch. */
export function rfc3339Nano(time: Date | bigint = new Date()): string {
  if (typeof time === 'bigint') {
    const seconds = new Date(Number(time / 1_000_000_000n) * 1000).toISOString().slice(0, 19);
    return `${seconds}.${String(time % 1_000_000_000n).padStart(9, '0')}Z`;
  }
  return time.toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
}

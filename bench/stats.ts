/**
 * Small, dependency-free statistics for the benchmark: percentiles by linear
 * interpolation between closest ranks (so p50 of an even count is the mean
 * of the two middle values), and the median with min–max over rounds.
 */

/** The q-th percentile (0 ≤ q ≤ 100) of `values`; NaN for an empty list. Does not modify the input. */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (Math.min(Math.max(q, 0), 100) / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
}

export interface Spread {
  median: number;
  min: number;
  max: number;
  n: number;
}

/** Median, min and max of the per-round values (NaN entries, i.e. failed rounds, are dropped). */
export function spread(values: readonly number[]): Spread {
  const ok = values.filter((v) => Number.isFinite(v));
  if (ok.length === 0) return { median: NaN, min: NaN, max: NaN, n: 0 };
  return { median: percentile(ok, 50), min: Math.min(...ok), max: Math.max(...ok), n: ok.length };
}

/** p50/p90/p99 of one sample set, as a metric map with the given prefix. */
export function percentiles(prefix: string, samples: readonly number[]): Record<string, number> {
  return {
    [`${prefix} p50`]: percentile(samples, 50),
    [`${prefix} p90`]: percentile(samples, 90),
    [`${prefix} p99`]: percentile(samples, 99),
  };
}

/** Milliseconds since `start` (a process.hrtime.bigint() value). */
export function msSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

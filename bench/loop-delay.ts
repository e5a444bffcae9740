/**
 * Preloaded into the benchmark's berthd (`node --import …/loop-delay.js`)
 * when BERTH_BENCH_LOOP_DELAY names a file: the daemon's event-loop delay
 * (perf_hooks.monitorEventLoopDelay). On SIGUSR2 it writes the histogram
 * since the last signal as one JSON object {seq, p50, p99, max, mean} (ms)
 * with the process's memory (`heap`: V8's used heap, `native`: external
 * and array buffers, in MiB) to the file and starts a new one; the benchmark signals before and after
 * the span it measures (berth-daemon.ts loopDelay). Does nothing without
 * the variable.
 */
import fs from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const file = process.env.BERTH_BENCH_LOOP_DELAY;

if (file) {
  const h = monitorEventLoopDelay({ resolution: 10 });
  let seq = 0;
  const ms = (ns: number) => Math.round(ns / 1e4) / 100;
  process.on('SIGUSR2', () => {
    // Sampling starts with the first span: before it berthd runs as it would without the preload
    // (no 10 ms timer waking it, which the idle memory figure and berthd's idle trim would see).
    h.enable();
    seq += 1;
    const mem = process.memoryUsage();
    const mib = (bytes: number) => Math.round(bytes / 10485.76) / 100;
    const memory = { heap: mib(mem.heapUsed), native: mib(mem.external + mem.arrayBuffers) };
    const out = { seq, p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max), mean: ms(h.mean), memory };
    h.reset();
    fs.writeFileSync(file, JSON.stringify(out));
  });
}

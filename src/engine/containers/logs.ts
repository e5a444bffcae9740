/**
 * Logs: the container's k8s-file log as whole lines, filtered by stream and
 * time, optionally only the last N, optionally followed until the container
 * stops or the client leaves. Takes no lock.
 */
import fsp from 'node:fs/promises';
import type { LogEntry, LogsOptions } from '../api.js';
import type { ContainerContext } from './context.js';
import { parseLogLine, PartialJoiner, type LogRecord } from './k8s-log.js';
import { isUp } from './lifecycle.js';
import { readLogBatches } from './log-reader.js';
import { findContainer } from './resolve.js';

export async function containerLogs(
  ctx: ContainerContext,
  ref: string,
  opts: LogsOptions,
  signal: AbortSignal,
): Promise<{ tty: boolean; batches: AsyncIterable<LogEntry[]> }> {
  const row = findContainer(ctx, ref);
  const path = ctx.paths.logFile(row.id);
  const keep = recordFilter(opts);
  const stillRunning = () => {
    const status = ctx.repo.get(row.id)?.state.status;
    return status !== undefined && isUp(status);
  };
  async function* batches(): AsyncGenerator<LogEntry[]> {
    let from = 0;
    if (opts.tail !== 'all') {
      const tail = await lastRecords(path, opts.tail);
      from = tail.offset;
      yield tail.records.filter(keep);
    }
    const reads = readLogBatches(path, {
      from,
      follow: opts.follow && stillRunning(),
      joinPartials: true,
      isDone: () => !stillRunning(),
      changed: (s) => ctx.events.next('die', row.id, s),
      signal,
    });
    const until = opts.until > 0 ? untilNs(opts.until) : 0n;
    for await (const records of reads) {
      const entries = records.filter(keep);
      if (entries.length > 0) yield entries;
      if (until && records.length > 0 && records[records.length - 1].timeNs > until) return;
    }
  }
  return { tty: row.spec.tty, batches: batches() };
}

function recordFilter(opts: LogsOptions): (r: LogRecord) => boolean {
  const since = opts.since > 0 ? BigInt(Math.floor(opts.since * 1e9)) : 0n;
  const until = opts.until > 0 ? untilNs(opts.until) : 0n;
  return (r) => (r.stream === 'stdout' ? opts.stdout : opts.stderr) && r.timeNs >= since && (until === 0n || r.timeNs <= until);
}

function untilNs(until: number): bigint {
  return BigInt(Math.floor(until * 1e9));
}

/**
 * The last `n` whole lines of the log and the byte offset just after them.
 * Reads the file once; the log is capped (--log-size-max), so this is bounded.
 */
async function lastRecords(path: string, n: number): Promise<{ records: LogRecord[]; offset: number }> {
  const data = await fsp.readFile(path).catch(() => Buffer.alloc(0));
  const end = data.lastIndexOf(0x0a) + 1;
  if (n <= 0) return { records: [], offset: end };
  const joiner = new PartialJoiner();
  const ring: LogRecord[] = [];
  let start = 0;
  while (start < end) {
    const stop = data.indexOf(0x0a, start);
    const record = parseLogLine(data, start, stop + 1);
    start = stop + 1;
    const whole = record && joiner.push(record);
    if (!whole) continue;
    ring.push(whole);
    if (ring.length > n) ring.shift();
  }
  return { records: ring, offset: end };
}

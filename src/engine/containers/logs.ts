/**
 * Logs: the container's log files (ctr.log and the kept rotated ones, in
 * order) as whole lines, filtered by stream and time, optionally only the
 * last N, optionally followed until the container stops or the client
 * leaves. Takes no lock. A container whose LogConfig is `none` has no
 * readable log: Docker's 501.
 */
import { EngineError } from '../errors.js';
import type { LogEntry, LogsOptions } from '../api/containers.js';
import type { ContainerContext } from './context.js';
import type { LogRecord } from './k8s-log.js';
import { isUp } from '../model/lifecycle.js';
import { LogCursor } from './log-cursor.js';
import { logLimits } from './log-files.js';
import { readLogBatches } from './log-reader.js';
import { lastRecords } from './log-tail.js';
import { findContainer } from './resolve.js';

export async function containerLogs(
  ctx: ContainerContext,
  ref: string,
  opts: LogsOptions,
  signal: AbortSignal,
): Promise<{ tty: boolean; batches: AsyncIterable<LogEntry[]> }> {
  const row = findContainer(ctx, ref);
  if (!logLimits(row.spec.logConfig, ctx.settings.logSizeMax).readable) {
    throw new EngineError('not-implemented', 'BERTH_LOGS_NOT_READABLE', 'configured logging driver does not support reading');
  }
  const path = ctx.paths.logFile(row.id);
  const keep = recordFilter(opts);
  const stillRunning = () => {
    const status = ctx.repo.get(row.id)?.state.status;
    return status !== undefined && isUp(status);
  };
  async function* batches(): AsyncGenerator<LogEntry[]> {
    let from: LogCursor | 'oldest' = 'oldest';
    if (opts.tail !== 'all') {
      // The cursor is opened first: the tail ends where it stands, so following resumes there.
      const cursor = await LogCursor.open(path, 'end', ctx.logKeeper.pins);
      if (!cursor) return;
      yield (await lastRecords(path, cursor, opts.tail)).filter(keep);
      from = cursor;
    }
    const reads = readLogBatches(path, {
      from,
      pins: ctx.logKeeper.pins,
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

/**
 * Reads a container's k8s-file log from a byte offset, optionally following
 * it as conmon appends. Following stops when `isDone()` turns true (checked
 * after each time the reader catches up with the file) or `signal` aborts.
 * Memory stays bounded by one read chunk plus one partial line.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { parseLogLine, PartialJoiner, type LogRecord } from './k8s-log.js';

const CHUNK = 256 * 1024;
const POLL_MS = 250;

export interface ReadLogOptions {
  /** Byte offset to start at ('end' = only what is written from now on). */
  from: number | 'end';
  follow: boolean;
  /** Join `P` pieces into whole lines (logs) or pass them through at once (attach). */
  joinPartials: boolean;
  /** Called when the reader is at the end of the file; true ends a follow. */
  isDone: () => boolean;
  /** Resolves when there may be something new (a write, an exit); the reader also polls. */
  changed?: (signal: AbortSignal) => Promise<unknown>;
  signal: AbortSignal;
}

/** One record at a time (attach); see readLogBatches for the contract. */
export async function* readLog(path: string, opts: ReadLogOptions): AsyncGenerator<LogRecord> {
  for await (const batch of readLogBatches(path, opts)) yield* batch;
}

/** The records of each read, in file order: one await per chunk of the file, not per line. */
export async function* readLogBatches(path: string, opts: ReadLogOptions): AsyncGenerator<LogRecord[]> {
  const handle = await fsp.open(path, 'r').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (!handle) return;
  const joiner = opts.joinPartials ? new PartialJoiner() : undefined;
  try {
    let position = opts.from === 'end' ? (await handle.stat()).size : opts.from;
    let carry: Buffer = Buffer.alloc(0);
    const buffer = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, CHUNK, position);
      if (bytesRead > 0) {
        position += bytesRead;
        const data: Buffer = carry.length ? Buffer.concat([carry, buffer.subarray(0, bytesRead)]) : Buffer.from(buffer.subarray(0, bytesRead));
        const lastNewline = data.lastIndexOf(0x0a);
        carry = lastNewline < 0 ? data : data.subarray(lastNewline + 1);
        if (lastNewline >= 0) yield [...records(data.subarray(0, lastNewline + 1), joiner)];
        continue;
      }
      if (opts.signal.aborted) return;
      if (!opts.follow) break;
      // Decide before the final read so nothing written before the exit is missed.
      const done = opts.isDone();
      if (done) {
        const more = await handle.read(buffer, 0, CHUNK, position);
        if (more.bytesRead > 0) continue;
        break;
      }
      await waitForChange(path, opts);
      if (opts.signal.aborted) return;
    }
    if (joiner) yield joiner.flush();
  } finally {
    await handle.close();
  }
}

/** `data` holds whole lines, each ending with its newline. */
function* records(data: Buffer, joiner: PartialJoiner | undefined): Generator<LogRecord> {
  let start = 0;
  while (start < data.length) {
    let end = data.indexOf(0x0a, start);
    if (end < 0) end = data.length - 1;
    const record = parseLogLine(data.subarray(start, end + 1));
    start = end + 1;
    if (!record) continue;
    if (!joiner) {
      yield record;
      continue;
    }
    const whole = joiner.push(record);
    if (whole) yield whole;
  }
}

/** Waits for a write to the file, an engine hint, the poll interval, or abort. */
async function waitForChange(path: string, opts: ReadLogOptions): Promise<void> {
  const local = new AbortController();
  const onAbort = () => local.abort();
  opts.signal.addEventListener('abort', onAbort, { once: true });
  let watcher: fs.FSWatcher | undefined;
  try {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, POLL_MS);
      local.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
      try {
        watcher = fs.watch(path, () => resolve());
        watcher.on('error', () => resolve());
      } catch {
        // The file may have been removed; polling covers it.
      }
      opts.changed?.(local.signal).then(() => resolve(), () => resolve());
    });
  } finally {
    watcher?.close();
    local.abort();
    opts.signal.removeEventListener('abort', onAbort);
  }
}

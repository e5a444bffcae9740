/**
 * Reads a container's k8s-file log from a byte offset, optionally following
 * it as conmon appends. Following stops when `isDone()` turns true (checked
 * after each time the reader catches up with the file) or `signal` aborts.
 * Memory stays bounded by one read chunk plus one partial line.
 */
import fs from 'node:fs';
import { parseLogLine, PartialJoiner, type LogRecord } from './k8s-log.js';
import { LogCursor, type LogStart } from './log-cursor.js';
import type { LogPins } from './log-pins.js';

const CHUNK = 256 * 1024;
const POLL_MS = 250;

export interface ReadLogOptions {
  /**
   * Where to start: the oldest kept file, 'end' (only what is written from
   * now on), an offset in the current file, or a cursor the caller opened.
   */
  from: LogStart | LogCursor;
  /** Readers' pins, so that rotation keeps the files this reader has yet to read. */
  pins?: LogPins;
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

/**
 * The records of each read, in file order: one await per chunk of the file, not per line.
 *
 * berth rotates the log by renaming ctr.log away (log-rotation.ts). At the
 * end of each file the reader asks the cursor whether a newer file exists;
 * then it reads the old one to its end once more (it is final) and goes on
 * with the next file in seq order, so it reads every kept file once, in
 * order, also without follow. A file that became smaller than the position
 * (truncated in place) is read again from 0. A reader that stalls so long
 * that rotation had to delete files it had not read ends (overrun) rather
 * than skip them silently.
 */
export async function* readLogBatches(path: string, opts: ReadLogOptions): AsyncGenerator<LogRecord[]> {
  const cursor = opts.from instanceof LogCursor ? opts.from : await LogCursor.open(path, opts.from, opts.pins);
  if (!cursor) return;
  const joiner = opts.joinPartials ? new PartialJoiner() : undefined;
  let waiter: ChangeWaiter | undefined;
  try {
    let carry: Buffer = Buffer.alloc(0);
    for (;;) {
      // A fresh buffer per read: the records handed out point into it (no copy), and may outlive this step.
      const buffer = Buffer.allocUnsafeSlow(CHUNK);
      const bytesRead = await cursor.read(buffer);
      if (bytesRead > 0) {
        const data: Buffer = carry.length ? Buffer.concat([carry, buffer.subarray(0, bytesRead)]) : buffer.subarray(0, bytesRead);
        const lastNewline = data.lastIndexOf(0x0a);
        carry = lastNewline < 0 ? data : data.subarray(lastNewline + 1);
        if (lastNewline >= 0) yield [...records(data.subarray(0, lastNewline + 1), joiner)];
        continue;
      }
      if (opts.signal.aborted) return;
      // Decide before the final read so nothing written before the exit is missed.
      const done = !opts.follow || opts.isDone();
      const next = await cursor.followReplacement();
      if (next === 'overrun') return;
      // conmon writes whole lines: a piece left over from the old file cannot continue in the new one.
      if (next === 'restart') carry = Buffer.alloc(0);
      if (next !== 'none') {
        waiter?.watch(); // the path names another file now
        continue;
      }
      if (!opts.follow) break;
      if (done) {
        if ((await cursor.read(buffer, false)) > 0) continue;
        break;
      }
      await (waiter ??= new ChangeWaiter(path, opts)).wait();
      if (opts.signal.aborted) return;
    }
    if (joiner) yield joiner.flush();
  } finally {
    waiter?.close();
    await cursor.close();
  }
}

/** `data` holds whole lines, each ending with its newline. */
function* records(data: Buffer, joiner: PartialJoiner | undefined): Generator<LogRecord> {
  let start = 0;
  while (start < data.length) {
    let end = data.indexOf(0x0a, start);
    if (end < 0) end = data.length - 1;
    const record = parseLogLine(data, start, end + 1);
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

/**
 * What wakes a reader that has caught up with the file: a write to it, an
 * engine hint (`changed`, re-armed after each), the poll interval, or
 * abort. Made once per follow, not per wait (a fast writer makes the
 * reader catch up thousands of times): one fs.watch, renewed by watch()
 * when the path names another file, and one hint subscription. A change
 * that comes while the reader is reading is kept, so the next wait returns
 * at once and nothing is missed between a read and a wait.
 */
class ChangeWaiter {
  #changed = false;
  #wake: (() => void) | null = null;
  #watcher: fs.FSWatcher | undefined;
  readonly #stop = new AbortController();

  constructor(
    private readonly path: string,
    private readonly opts: ReadLogOptions,
  ) {
    opts.signal.addEventListener('abort', this.#notify, { once: true });
    this.watch();
    this.#armHint();
  }

  readonly #notify = (): void => {
    this.#changed = true;
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  };

  #armHint(): void {
    this.opts.changed?.(this.#stop.signal).then(
      () => {
        this.#notify();
        if (!this.#stop.signal.aborted) this.#armHint();
      },
      () => {},
    );
  }

  /** Watches the path (again): call when it names another file. */
  watch(): void {
    this.#watcher?.close();
    try {
      this.#watcher = fs.watch(this.path, this.#notify);
      this.#watcher.on('error', this.#notify);
    } catch {
      this.#watcher = undefined; // the file may be gone; polling covers it
    }
  }

  /** Resolves at the next change or after POLL_MS; at once when a change came since the last wait. */
  async wait(): Promise<void> {
    if (!this.#changed) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.#wake = null;
          resolve();
        }, POLL_MS);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    this.#changed = false;
  }

  close(): void {
    this.#watcher?.close();
    this.#stop.abort();
    this.opts.signal.removeEventListener('abort', this.#notify);
    this.#notify();
  }
}

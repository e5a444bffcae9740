/**
 * Reads a container's k8s-file log from a byte offset, optionally following
 * it as conmon appends. Following stops when `isDone()` turns true (checked
 * after each time the reader catches up with the file) or `signal` aborts.
 * Memory stays bounded by one read chunk plus one partial line.
 */
import fs from 'node:fs';
import { basename, dirname } from 'node:path';
import { parseLogLine, PartialJoiner, type LogRecord } from './k8s-log.js';
import { LogCursor, type LogStart } from './log-cursor.js';
import type { LogPins } from './log-pins.js';

const CHUNK = 256 * 1024;
const POLL_MS = 250;
/** How long a woken follower lets output gather before it reads. */
const GATHER_MS = 2;

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

/**
 * One record at a time, each with its own copy of the bytes (tests and
 * simple callers); see readLogBatches for the contract.
 */
export async function* readLog(path: string, opts: ReadLogOptions): AsyncGenerator<LogRecord> {
  for await (const batch of readLogBatches(path, opts)) for (const r of batch) yield { ...r, data: Buffer.from(r.data) };
}

/**
 * The records of each read, in file order: one await per chunk of the file, not per line.
 * A batch's records point into the reader's buffer, which the next read reuses: the
 * caller consumes (or copies) them before it asks for the next batch.
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
    const lines = new LineBuffer();
    for (;;) {
      const bytesRead = await lines.fill(cursor);
      if (bytesRead > 0) {
        const whole = lines.wholeLines();
        if (whole) yield records(whole, joiner);
        continue;
      }
      if (opts.signal.aborted) return;
      // Decide before the final read so nothing written before the exit is missed.
      const done = !opts.follow || opts.isDone();
      const next = await cursor.followReplacement();
      if (next === 'overrun') return;
      // conmon writes whole lines: a piece left over from the old file cannot continue in the new one.
      if (next === 'restart') lines.dropCarry();
      if (next !== 'none') continue;
      if (!opts.follow) break;
      if (done) {
        if (await cursor.hasMore()) continue;
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

/**
 * One reusable read buffer: each fill reads after the unfinished line the
 * previous read left (moved to the front), so a follow allocates nothing
 * per read. Grows only for a line longer than the buffer.
 */
class LineBuffer {
  #buffer = Buffer.allocUnsafeSlow(CHUNK);
  /** Bytes in use from 0: the unfinished line, then what the last fill read. */
  #end = 0;
  /** Where the unfinished line starts once wholeLines() handed out the rest. */
  #rest = 0;

  async fill(cursor: LogCursor): Promise<number> {
    this.#buffer.copy(this.#buffer, 0, this.#rest, this.#end);
    this.#end -= this.#rest;
    this.#rest = 0;
    if (this.#end === this.#buffer.length) {
      const bigger = Buffer.allocUnsafeSlow(this.#buffer.length * 2);
      this.#buffer.copy(bigger, 0, 0, this.#end);
      this.#buffer = bigger;
    }
    const bytesRead = await cursor.read(this.#buffer.subarray(this.#end));
    this.#end += bytesRead;
    return bytesRead;
  }

  /** The whole lines read and not yet handed out (valid until the next fill), or undefined. */
  wholeLines(): Buffer | undefined {
    const lastNewline = this.#buffer.lastIndexOf(0x0a, this.#end - 1);
    if (lastNewline < this.#rest) return undefined;
    const start = this.#rest;
    this.#rest = lastNewline + 1;
    return this.#buffer.subarray(start, this.#rest);
  }

  dropCarry(): void {
    this.#end = 0;
    this.#rest = 0;
  }
}

/** `data` holds whole lines, each ending with its newline. */
function records(data: Buffer, joiner: PartialJoiner | undefined): LogRecord[] {
  const out: LogRecord[] = [];
  for (let start = 0; start < data.length;) {
    const end = data.indexOf(0x0a, start) + 1;
    const record = parseLogLine(data, start, end);
    start = end;
    if (!record) continue;
    const whole = joiner ? joiner.push(record) : record;
    if (whole) out.push(whole);
  }
  return out;
}

/**
 * What wakes a reader that has caught up with the file: a write to one of
 * the log's files, an engine hint (`changed`, re-armed after each), the
 * poll interval, or abort. Made once per follow, not per wait (a fast
 * writer makes the reader catch up thousands of times). It watches the
 * directory, not the file: the watch then sees conmon's fresh ctr.log
 * after a rotation (a watch on the file stays on the renamed inode), and
 * it shares the one inotify watch the rotator (log-rotation.ts) has on the
 * same directory, so that a burst of writes queues one event, not two
 * alternating ones per write. A change that comes while the reader is
 * reading is kept, so the next wait returns at once and nothing is missed
 * between a read and a wait.
 */
class ChangeWaiter {
  #changed = false;
  #wake: (() => void) | null = null;
  #watcher: fs.FSWatcher | undefined;
  readonly #stop = new AbortController();

  constructor(
    logPath: string,
    private readonly opts: ReadLogOptions,
  ) {
    opts.signal.addEventListener('abort', this.#notify, { once: true });
    const base = basename(logPath);
    try {
      this.#watcher = fs.watch(dirname(logPath), (_event, name) => {
        if (name === null || name.startsWith(base)) this.#notify();
      });
      this.#watcher.on('error', this.#notify);
    } catch {
      this.#watcher = undefined; // the directory may be gone; polling covers it
    }
    this.#armHint();
  }

  readonly #notify = (): void => {
    this.#changed = true;
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  };

  /**
   * Asks for the next hint with a signal of its own, aborted once the hint
   * came (or the reader stops): a hint that races several events leaves no
   * losing listener behind, however many runs a long follow sees.
   */
  #armHint(): void {
    if (!this.opts.changed) return;
    const hint = new AbortController();
    const relay = () => hint.abort();
    this.#stop.signal.addEventListener('abort', relay, { once: true });
    this.opts
      .changed(hint.signal)
      .then(
        () => {
          this.#notify();
          if (!this.#stop.signal.aborted) this.#armHint();
        },
        () => {},
      )
      .finally(() => {
        this.#stop.signal.removeEventListener('abort', relay);
        hint.abort();
      });
  }

  /**
   * Resolves at the next change or after POLL_MS (at once when a change came
   * since the last wait), then after GATHER_MS more: a writer's burst then
   * makes one read of a few ms of its output, not one read (with its stat
   * and state check) per write of conmon's, which writes every line apart.
   */
  async wait(): Promise<void> {
    await this.#next();
    if (!this.opts.signal.aborted) await new Promise((resolve) => setTimeout(resolve, GATHER_MS));
  }

  async #next(): Promise<void> {
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

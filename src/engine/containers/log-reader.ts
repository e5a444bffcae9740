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

/**
 * The records of each read, in file order: one await per chunk of the file, not per line.
 *
 * conmon caps the log (--log-size-max) by renaming a fresh file over it.
 * The open handle keeps the old file readable, so at its end the reader
 * checks the path: when it names another file, the old one is read to its
 * end once more (conmon closed it before the rename, so it is final) and
 * reading continues at the start of the new one. A file that became
 * smaller than the position (truncated in place) is read again from 0.
 * A reader that falls more than one whole file behind loses the files in
 * between; attach keeps its readers close (a slow client is dropped).
 */
export async function* readLogBatches(path: string, opts: ReadLogOptions): AsyncGenerator<LogRecord[]> {
  const cursor = await LogCursor.open(path, opts.from);
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
      if (!opts.follow) break;
      // Decide before the final read so nothing written before the exit is missed.
      const done = opts.isDone();
      const next = await cursor.followReplacement();
      // conmon writes whole lines: a piece left over from the old file cannot continue in the new one.
      if (next === 'restart') carry = Buffer.alloc(0);
      if (next !== 'none') {
        waiter?.watch(); // the path names another file now
        continue;
      }
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

/** An open log file, the position in it, and whether the path still names it. */
export class LogCursor {
  /** The path named another file at the last check: read the old one to its end, then switch. */
  #replaced = false;

  private constructor(
    private readonly path: string,
    private handle: fsp.FileHandle,
    private ino: number,
    /** Byte offset of the next read in the open file. */
    public position: number,
  ) {}

  /** Opens `path` at `from`; undefined when there is no file (nothing was ever logged). */
  static async open(path: string, from: number | 'end'): Promise<LogCursor | undefined> {
    const handle = await fsp.open(path, 'r').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
    if (!handle) return undefined;
    const st = await handle.stat();
    // An offset past the end means the file was replaced since the caller measured it.
    const position = from === 'end' ? st.size : from > st.size ? 0 : from;
    return new LogCursor(path, handle, st.ino, position);
  }

  /** Reads at the position into `buffer`; `advance` false peeks without moving. Returns the byte count. */
  async read(buffer: Buffer, advance = true): Promise<number> {
    const { bytesRead } = await this.handle.read(buffer, 0, buffer.length, this.position);
    if (advance) this.position += bytesRead;
    return bytesRead;
  }

  /**
   * Called at the end of the open file. 'tail': the path names a new file,
   * read the old one to its end (then call again); 'restart': now at 0 of
   * the new file, or of a file that shrank below the position; 'none':
   * nothing changed (or the path is gone).
   */
  async followReplacement(): Promise<'none' | 'tail' | 'restart'> {
    if (this.#replaced) {
      this.#replaced = false;
      return this.#reopen();
    }
    const current = await fsp.stat(this.path).catch(() => undefined);
    // Gone (container removed): nothing new will come under this path.
    if (!current) return 'none';
    if (current.ino !== this.ino) {
      this.#replaced = true;
      return 'tail';
    }
    if (current.size < this.position) {
      this.position = 0;
      return 'restart';
    }
    return 'none';
  }

  async #reopen(): Promise<'none' | 'restart'> {
    const next = await fsp.open(this.path, 'r').catch(() => undefined);
    if (!next) return 'none';
    await this.handle.close();
    this.handle = next;
    this.ino = (await next.stat()).ino;
    this.position = 0;
    return 'restart';
  }

  close(): Promise<void> {
    return this.handle.close();
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

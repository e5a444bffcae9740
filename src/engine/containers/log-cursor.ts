/**
 * A reader's place in a container's log files (log-files.ts): which file
 * is open, the position in it, and which file comes next.
 */
import fsp from 'node:fs/promises';
import { listRotated, type RotatedFile } from './log-files.js';
import type { LogPin, LogPins } from './log-pins.js';

/** Where a reader starts: the oldest kept file, the end of the log, or an offset in the current file. */
export type LogStart = 'oldest' | 'end' | number;

interface Opened {
  handle: fsp.FileHandle;
  ino: number;
  size: number;
}

async function inodeOf(file: string): Promise<number | undefined> {
  return (await fsp.stat(file).catch(() => undefined))?.ino;
}

async function tryOpen(file: string): Promise<Opened | undefined> {
  const handle = await fsp.open(file, 'r').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (!handle) return undefined;
  const st = await handle.stat();
  return { handle, ino: st.ino, size: st.size };
}

/**
 * An open file of a container's log (log-files.ts: ctr.log and the rotated
 * ctr.log.<seq>), the position in it, and where the reader goes next. The
 * open file is known by its inode: while it is the current file its seq is
 * unknown but greater than `floor` (the newest rotated seq when it was
 * opened). It is final (conmon writes no more to it) once a newer file
 * exists, because berth renames the current file away only while it is
 * ctr.log, and conmon makes a new ctr.log only after closing the old one.
 * The reader then reads it to its end and opens the next seq, never
 * skipping one: its pin keeps the files it has not read from deletion.
 */
export class LogCursor {
  /** The open file is final and read to its end once more: open the next one at the following call. */
  #replaced = false;

  private constructor(
    private readonly path: string,
    private file: Opened,
    /** Byte offset of the next read in the open file. */
    public position: number,
    /** The open file's seq; undefined while it is (or was, unnoticed) the current file. */
    private seq: number | undefined,
    private floor: number,
    private readonly pin: LogPin | undefined,
  ) {
    this.#updatePin();
  }

  /** Opens the log at `from`; undefined when there is no file (nothing was ever logged). */
  static async open(path: string, from: LogStart, pins?: LogPins): Promise<LogCursor | undefined> {
    const pin = pins?.pin(path);
    if (pin) pin.need = 0; // nothing goes while we look
    try {
      const cursor = await LogCursor.#openAt(path, from, pin);
      if (!cursor) pin?.close();
      return cursor;
    } catch (err) {
      pin?.close();
      throw err;
    }
  }

  static async #openAt(path: string, from: LogStart, pin: LogPin | undefined): Promise<LogCursor | undefined> {
    // The current file first, then the list: a rotation in between shows as the current file among the rotated.
    const current = await tryOpen(path);
    const rotated = listRotated(path);
    const newest = rotated.at(-1);
    // The seq of the file opened as ctr.log when it was rotated in between (one of the newest few).
    let currentSeq: number | undefined;
    for (const r of current ? rotated.slice(-3) : []) if ((await inodeOf(r.path)) === current?.ino) currentSeq = r.seq;
    if (from === 'oldest') {
      for (const r of rotated) {
        if (r.seq === currentSeq) break;
        const file = await tryOpen(r.path);
        if (!file) continue;
        await current?.handle.close();
        return new LogCursor(path, file, 0, r.seq, r.seq, pin);
      }
    }
    const at = (file: Opened) => (from === 'oldest' ? 0 : from === 'end' ? file.size : from > file.size ? 0 : from);
    if (current) {
      const floor = (currentSeq === undefined ? newest?.seq : rotated.filter((r) => r.seq < currentSeq).at(-1)?.seq) ?? 0;
      return new LogCursor(path, current, at(current), currentSeq, floor, pin);
    }
    // No ctr.log: renamed away and not yet reopened by conmon (or the container ended then).
    const file = newest && (await tryOpen(newest.path));
    return file && newest ? new LogCursor(path, file, at(file), newest.seq, newest.seq, pin) : undefined;
  }

  /** Rotated files with a smaller seq than this are older than the open file. */
  get oldestAfter(): number {
    return this.seq ?? this.floor + 1;
  }

  /** The open file from 0 to the position; the position moves back to just after its last newline. */
  async readPrefix(): Promise<Buffer> {
    const buffer = Buffer.allocUnsafe(this.position);
    const { bytesRead } = await this.file.handle.read(buffer, 0, this.position, 0);
    const data = buffer.subarray(0, bytesRead);
    this.position = data.lastIndexOf(0x0a) + 1;
    return data.subarray(0, this.position);
  }

  /** Reads at the position into `buffer` and moves past what it read. Returns the byte count. */
  async read(buffer: Buffer): Promise<number> {
    const { bytesRead } = await this.file.handle.read(buffer, 0, buffer.length, this.position);
    this.position += bytesRead;
    return bytesRead;
  }

  /** Whether the open file has bytes past the position (a peek: the position stays). */
  async hasMore(): Promise<boolean> {
    const { bytesRead } = await this.file.handle.read(Buffer.alloc(1), 0, 1, this.position);
    return bytesRead > 0;
  }

  /**
   * Called at the end of the open file. 'tail': the file is final, read it
   * to its end (then call again); 'restart': now at 0 of the next file, or
   * of a file that shrank below the position; 'none': nothing changed;
   * 'overrun': rotation deleted files this reader had not read (it stalled
   * too long), so it must end.
   */
  async followReplacement(): Promise<'none' | 'tail' | 'restart' | 'overrun'> {
    if (this.pin?.overrun) return 'overrun';
    if (this.#replaced) {
      this.#replaced = false;
      return this.#openNext();
    }
    const current = await fsp.stat(this.path).catch(() => undefined);
    if (current?.ino === this.file.ino) {
      if (current.size >= this.position) return 'none';
      this.position = 0;
      return 'restart';
    }
    const rotated = listRotated(this.path);
    this.seq ??= await this.#ownSeq(rotated);
    const seq = this.seq ?? this.floor;
    if (!current && !rotated.some((r) => r.seq > seq)) return 'none'; // conmon may still write to it
    this.seq = seq;
    this.#replaced = true;
    return 'tail';
  }

  /** The seq the open file was rotated to, found by its inode among those newer than `floor`. */
  async #ownSeq(rotated: RotatedFile[]): Promise<number | undefined> {
    for (const r of rotated) {
      if (r.seq <= this.floor) continue;
      if ((await inodeOf(r.path)) === this.file.ino) return r.seq;
    }
    return undefined;
  }

  /** Opens the file after `seq`: the oldest newer rotated one, else ctr.log when no rotation slipped in. */
  async #openNext(): Promise<'none' | 'restart'> {
    const after = this.seq ?? this.floor;
    for (;;) {
      for (const r of listRotated(this.path)) {
        if (r.seq <= after) continue;
        const file = await tryOpen(r.path);
        if (file) return this.#switch(file, r.seq, r.seq);
      }
      const current = await tryOpen(this.path);
      if (!current) return 'none';
      const newer = listRotated(this.path).filter((r) => r.seq > after);
      if (newer.length === 0) return this.#switch(current, undefined, after);
      // The file just opened was rotated meanwhile: it is the only newer one, known by its inode.
      if (newer.length === 1 && (await inodeOf(newer[0].path)) === current.ino) return this.#switch(current, newer[0].seq, newer[0].seq);
      await current.handle.close(); // a rotation came between the two looks: read the rotated file first
    }
  }

  async #switch(file: Opened, seq: number | undefined, floor: number): Promise<'restart'> {
    await this.file.handle.close();
    this.file = file;
    this.position = 0;
    this.seq = seq;
    this.floor = floor;
    this.#updatePin();
    return 'restart';
  }

  #updatePin(): void {
    if (this.pin) this.pin.need = (this.seq ?? this.floor) + 1;
  }

  async close(): Promise<void> {
    this.pin?.close();
    await this.file.handle.close();
  }
}

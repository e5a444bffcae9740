/**
 * Berth-side log rotation (conmon's own --log-size-max unlinks the file it
 * replaces, which loses lines, so conmon's cap is only a backstop far above
 * max-size: log-files.ts `logBackstop`). While a container
 * runs, a watch on its directory checks ctr.log's size after writes; at
 * max-size the file is renamed to `ctr.log.<next seq>` and conmon is asked
 * to reopen its log (ctl fifo message 2), which makes a fresh ctr.log.
 * What conmon writes between the rename and the reopen lands in the renamed
 * file, so nothing is lost. Rotated files beyond max-file are deleted,
 * except those a reader still needs (log-pins.ts).
 *
 * Crash safety: the rename is the only step that moves lines, and it is
 * atomic. A kill -9 after it and before the reopen leaves conmon writing
 * to the rotated file with no ctr.log; `watch` (at the next start of
 * berthd) sees that and asks for the reopen. Nothing is copied, so
 * nothing is duplicated.
 */
import fs, { constants } from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type pino from 'pino';
import { faultPoint } from '../fault.js';
import { lstatOrNull } from '../host/read-sync.js';
import { listRotated, rotatedPath, type LogLimits } from './log-files.js';
import { filesToDelete, LogPins } from './log-pins.js';

/** conmon's ctl fifo message asking it to reopen its log files. */
const REOPEN_LOGS = '2 0 0\n';
const REOPEN_GRACE_MS = 1000;

export interface WatchedLog {
  /** The container's ctr.log. */
  logPath: string;
  /** conmon's ctl fifo. */
  ctlPath: string;
  limits: LogLimits;
}

/** Every running container's rotator and every reader's pins; one per engine. */
export class LogKeeper {
  readonly pins = new LogPins();
  readonly #rotators = new Map<string, Rotator>();

  constructor(private readonly log: pino.Logger) {}

  /** Starts rotating `id`'s log (replacing an earlier watch); checks the size at once. */
  watch(id: string, target: WatchedLog): void {
    this.unwatch(id);
    if (target.limits.maxSize <= 0) return;
    const rotator = new Rotator(target, this.pins, this.log.child({ id }));
    this.#rotators.set(id, rotator);
    rotator.start();
  }

  /** Stops rotating (the container's conmon is gone); files readers held back go when the last one leaves. */
  unwatch(id: string): void {
    const rotator = this.#rotators.get(id);
    rotator?.stop();
    this.#rotators.delete(id);
    // Without rotated files (the start's listing found none and none was made since) there is nothing to prune.
    if (rotator?.mayHaveRotated) this.pins.whenFree(rotator.logPath, () => void rotator.pruneNow());
  }

  /** Resolves when `id`'s rotator has no check in flight (tests and shutdown). */
  async settled(id: string): Promise<void> {
    await this.#rotators.get(id)?.idle();
  }

  close(): void {
    for (const id of [...this.#rotators.keys()]) this.unwatch(id);
  }
}

class Rotator {
  #watcher: fs.FSWatcher | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = false;
  #graceTimer: NodeJS.Timeout | undefined;
  /** False once a listing found no rotated file, until this rotator makes one. */
  #mayHaveRotated = true;

  constructor(
    private readonly t: WatchedLog,
    private readonly pins: LogPins,
    private readonly log: pino.Logger,
  ) {}

  start(): void {
    const base = path.basename(this.t.logPath);
    try {
      // The directory, not the file: the watch must survive the file being renamed away.
      this.#watcher = fs.watch(path.dirname(this.t.logPath), (_event, name) => {
        if (name === base) this.#schedule();
      });
      this.#watcher.on('error', () => this.#schedule());
    } catch (err) {
      this.log.warn({ err }, 'cannot watch the log directory; the log is not rotated');
    }
    this.#schedule(true);
  }

  stop(): void {
    this.#stopped = true;
    this.#watcher?.close();
    clearTimeout(this.#graceTimer);
  }

  get logPath(): string {
    return this.t.logPath;
  }

  /** Whether rotated files may exist: no listing has shown there are none, or one was made since. */
  get mayHaveRotated(): boolean {
    return this.#mayHaveRotated;
  }

  /** Deletes what max-file no longer keeps and no reader needs. */
  async pruneNow(): Promise<void> {
    const seqs = listRotated(this.t.logPath).map((r) => r.seq);
    if (seqs.length === 0) this.#mayHaveRotated = false;
    await this.#prune(seqs).catch((err: unknown) => this.log.warn({ err }, 'log pruning failed'));
  }

  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  /** One check at a time; writes during a check ask for one more. */
  #schedule(first = false): void {
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.#loop(first).finally(() => (this.#running = undefined));
  }

  async #loop(first: boolean): Promise<void> {
    do {
      this.#again = false;
      await this.#check(first).catch((err: unknown) => this.log.warn({ err }, 'log rotation failed'));
      first = false;
    } while (this.#again && !this.#stopped);
  }

  async #check(first: boolean): Promise<void> {
    // Synchronous, as every read of the container's directory here: a check follows each write of conmon's.
    const st = lstatOrNull(this.t.logPath);
    if (!st) {
      // Renamed away by a berthd that died before conmon reopened: ask once, after a grace time for a
      // reopen that may still be on its way (a second reopen would replace the fresh file, and its lines).
      if (first) this.#graceTimer = setTimeout(() => void this.#reopenIfMissing(), REOPEN_GRACE_MS);
      return;
    }
    if (st.size < this.t.limits.maxSize || this.#stopped) {
      // Files a reader held back past max-file go once it has left (checked at start). Only then:
      // a check runs after every write of conmon's, and one stat is all it needs.
      if (first) await this.pruneNow();
      return;
    }
    const rotated = listRotated(this.t.logPath);
    // Only while conmon listens: a file renamed away after its exit would never be followed by a new one.
    const ctl = await this.#openCtl();
    if (!ctl) return;
    const seq = (rotated.at(-1)?.seq ?? 0) + 1;
    const to = rotatedPath(this.t.logPath, seq);
    try {
      this.#mayHaveRotated = true;
      await fsp.rename(this.t.logPath, to);
      faultPoint('logs.after-rename');
      await ctl.write(REOPEN_LOGS).catch(async (err: unknown) => {
        // conmon ended in between: nobody makes a new ctr.log, so the file goes back to its name.
        await fsp.rename(to, this.t.logPath);
        throw err;
      });
    } finally {
      await ctl.close();
    }
    await this.#prune([...rotated.map((r) => r.seq), seq]);
  }

  async #reopenIfMissing(): Promise<void> {
    if (this.#stopped || lstatOrNull(this.t.logPath)) return;
    if (listRotated(this.t.logPath).length > 0) await this.#reopen().catch((err: unknown) => this.log.warn({ err }, 'log reopen failed'));
  }

  async #reopen(): Promise<void> {
    const ctl = await this.#openCtl();
    if (!ctl) return;
    try {
      await ctl.write(REOPEN_LOGS);
    } finally {
      await ctl.close();
    }
  }

  /** conmon's ctl fifo for writing; undefined when no conmon reads it (ENXIO) or it is gone. */
  async #openCtl(): Promise<fsp.FileHandle | undefined> {
    return fsp.open(this.t.ctlPath, constants.O_WRONLY | constants.O_NONBLOCK).catch((err: NodeJS.ErrnoException) => {
      this.log.debug({ err }, 'conmon ctl fifo not open; log not rotated');
      return undefined;
    });
  }

  async #prune(seqs: number[]): Promise<void> {
    const { remove, overrun } = filesToDelete(seqs, this.t.limits.maxFile, this.pins.lowestNeed(this.t.logPath));
    for (const seq of overrun) {
      this.pins.overrun(this.t.logPath, seq);
      this.log.warn({ seq }, 'a log reader fell too far behind; it is ended');
    }
    await Promise.all(remove.map((seq) => fsp.rm(rotatedPath(this.t.logPath, seq), { force: true })));
  }
}

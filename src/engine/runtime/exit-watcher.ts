/**
 * Watches conmon's exit directory. conmon writes `<exitDir>/<containerId>`
 * holding the exit status as decimal text once the container has ended and
 * its output has been flushed. That file is the truth about an exit; the
 * runtime is never polled for state.
 *
 * inotify can drop events under load, so a slow sweep backs the watch up.
 * The handler must be idempotent: it may be called more than once per file.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { removeFile } from '../host/remove-tree.js';

const ID = /^[0-9a-f]{64}$/;
const SWEEP_MS = 2_000;

export interface ExitRecord {
  exitCode: number;
  /** When conmon wrote the file: the container's finish time. */
  finishedAt: Date;
  /** The same with nanoseconds since the epoch, when known. */
  finishedAtNs?: bigint;
}

export class ExitWatcher {
  #dir: string;
  #onExit: (id: string) => void;
  #watcher: fs.FSWatcher | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(dir: string, onExit: (id: string) => void) {
    this.#dir = dir;
    this.#onExit = onExit;
  }

  /** Starts watching and reports every exit file already present. */
  start(): void {
    fs.mkdirSync(this.#dir, { recursive: true });
    this.#watcher = fs.watch(this.#dir, (_event, name) => {
      if (name && ID.test(name)) this.#onExit(name);
    });
    this.#watcher.on('error', () => {});
    this.#timer = setInterval(() => void this.sweep(), SWEEP_MS);
    this.#timer.unref();
    void this.sweep();
  }

  stop(): void {
    this.#watcher?.close();
    if (this.#timer) clearInterval(this.#timer);
  }

  async sweep(): Promise<void> {
    const names = await fsp.readdir(this.#dir).catch(() => [] as string[]);
    for (const name of names) if (ID.test(name)) this.#onExit(name);
  }

  /** Reads an exit file; undefined when there is none. Retries briefly while conmon is still writing it. */
  async read(id: string): Promise<ExitRecord | undefined> {
    const file = path.join(this.#dir, id);
    for (let attempt = 0; attempt < 20; attempt++) {
      let text: string;
      let stat: fs.BigIntStats;
      // Synchronous: one tiny file per exit, cheaper on the loop than two thread-pool round trips (a read never waits for the journal).
      try {
        text = fs.readFileSync(file, 'utf8');
        stat = fs.statSync(file, { bigint: true });
      } catch {
        return undefined;
      }
      const code = Number.parseInt(text.trim(), 10);
      if (text.trim() !== '' && Number.isFinite(code))
        return { exitCode: clampExitCode(code), finishedAt: new Date(Number(stat.mtimeMs)), finishedAtNs: stat.mtimeNs };
      await new Promise((r) => setTimeout(r, 10));
    }
    return { exitCode: -1, finishedAt: new Date() };
  }

  async remove(id: string): Promise<void> {
    await removeFile(path.join(this.#dir, id));
  }
}

/** The state table allows -1..255; conmon reports 128+signal for signalled processes. */
function clampExitCode(code: number): number {
  if (code < -1) return -1;
  return code > 255 ? 255 : code;
}

/**
 * Watches the exit directory. conmon writes `<monitorDir>/<containerId>`
 * holding the exit status as decimal text once the container has ended and
 * its output has been flushed; its exit command (exit-command.ts) tears the
 * runtime down and moves the file into `<dir>`, watched here. That file is
 * the truth about an exit; the runtime is never polled for state.
 *
 * inotify can drop events under load, so a slow sweep backs the watch up.
 * The sweep also adopts a file left in the monitor directory for longer
 * than any teardown takes (ADOPT_AFTER_MS) whose conmon is gone (it or its
 * command died; a live one may still be tearing down): it moves it on
 * itself, and the exit path tears down what is left.
 * The handler must be idempotent: it may be called more than once per file.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { removeFile, unlinkFile } from '../host/remove-tree.js';
import { pollUntil } from '../time.js';
import { oomMarkerPath } from './exit-command.js';

const ID = /^[0-9a-f]{64}$/;
const SWEEP_MS = 2_000;
/** A teardown takes milliseconds; one still unfinished after this long has died. */
const ADOPT_AFTER_MS = 10_000;

export interface ExitRecord {
  exitCode: number;
  /** When conmon wrote the file: the container's finish time. */
  finishedAt: Date;
  /** The same with nanoseconds since the epoch, when known. */
  finishedAtNs?: bigint;
  /** The exit command found an OOM kill in the cgroup it then deleted (exit-command.ts). */
  oomKilled?: boolean;
}

export class ExitWatcher {
  #dir: string;
  #monitorDir: string;
  #adoptAfterMs: number;
  #monitorGone: (id: string) => Promise<boolean>;
  #onExit: (id: string) => void;
  #watcher: fs.FSWatcher | undefined;
  #timer: NodeJS.Timeout | undefined;

  /**
   * opts.monitorGone: whether the conmon of a container has exited (a sweep
   * adopts only then); opts.adoptAfterMs: how old a file in monitorDir must
   * be first (tests shorten it).
   */
  constructor(dir: string, monitorDir: string, onExit: (id: string) => void, opts: { monitorGone: (id: string) => Promise<boolean>; adoptAfterMs?: number }) {
    this.#dir = dir;
    this.#monitorDir = monitorDir;
    this.#adoptAfterMs = opts.adoptAfterMs ?? ADOPT_AFTER_MS;
    this.#monitorGone = opts.monitorGone;
    this.#onExit = onExit;
  }

  /** Starts watching and reports every exit file already present. */
  start(): void {
    for (const dir of [this.#dir, this.#monitorDir]) fs.mkdirSync(dir, { recursive: true });
    this.#watcher = fs.watch(this.#dir, (_event, name) => {
      // inotify reports the exit path's own removal of the file too ('rename' either way): only a file
      // that is there is an exit to handle (one synchronous access, where a handler would take the lock).
      if (name && ID.test(name) && fs.existsSync(path.join(this.#dir, name))) this.#onExit(name);
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
    await this.#adoptStale();
    const names = await fsp.readdir(this.#dir).catch(() => [] as string[]);
    for (const name of names) if (ID.test(name)) this.#onExit(name);
  }

  /**
   * Moves the exit file conmon wrote for `id` into the watched directory,
   * if it is still where conmon wrote it: for a container whose conmon is
   * known to be gone (startup reconciliation), whose exit command then
   * never finished.
   */
  async adopt(id: string): Promise<void> {
    await fsp.rename(path.join(this.#monitorDir, id), path.join(this.#dir, id)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }

  async #adoptStale(): Promise<void> {
    const names = await fsp.readdir(this.#monitorDir).catch(() => [] as string[]);
    for (const name of names.filter((n) => ID.test(n))) {
      const stat = await fsp.stat(path.join(this.#monitorDir, name)).catch(() => undefined);
      if (stat && Date.now() - stat.mtimeMs > this.#adoptAfterMs && (await this.#monitorGone(name))) await this.adopt(name).catch(() => {});
    }
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
      if (text.trim() !== '' && Number.isFinite(code)) {
        const oomKilled = fs.existsSync(oomMarkerPath(file));
        return { exitCode: clampExitCode(code), finishedAt: new Date(Number(stat.mtimeMs)), finishedAtNs: stat.mtimeNs, oomKilled };
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    return { exitCode: -1, finishedAt: new Date() };
  }

  /**
   * Resolves once no exit file of `id` waits in the monitor directory (its
   * exit command has moved it on, so it is done), or after `timeoutMs`.
   */
  async untilMoved(id: string, timeoutMs = 10_000): Promise<void> {
    const file = path.join(this.#monitorDir, id);
    await pollUntil(() => !fs.existsSync(file), { everyMs: 5, timeoutMs });
  }

  /** Removes the (watched) exit file of `id`, which `read` has just read, and its OOM marker when `read` reported one. */
  async remove(id: string, oomMarker = false): Promise<void> {
    const file = path.join(this.#dir, id);
    await Promise.all([unlinkFile(file), oomMarker ? removeFile(oomMarkerPath(file)) : undefined]);
  }

  /**
   * Removes any exit file of `id`, also one conmon's exit command never
   * moved: before a new run. Usually there is none, which costs three
   * synchronous lstat calls (removeFile).
   */
  async clear(id: string): Promise<void> {
    const file = path.join(this.#dir, id);
    await Promise.all([file, oomMarkerPath(file), path.join(this.#monitorDir, id)].map(removeFile));
  }
}

/** The state table allows -1..255; conmon reports 128+signal for signalled processes. */
function clampExitCode(code: number): number {
  if (code < -1) return -1;
  return code > 255 ? 255 : code;
}

/**
 * One conmon per exec session (libpod-internals.md §1.7). conmon runs
 * `runc exec --process <spec> --detach <ctr>` and reports on the sync pipe
 * twice: {"data": <pid>} once the process runs (or -1 and a message when
 * runc failed), then {"data": <exit code>} when it ends.
 *
 * Handshake with an attach socket: start byte 1 → conmon creates the
 * attach socket and writes {"data": 0} on the attach pipe → we connect →
 * start byte 2 → conmon's child execs runc. The second byte exists so that
 * the first output of a fast command is not lost before anyone attached.
 */
import { sharedConmonArgs } from './conmon.js';
import path from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { spawnConmon, type ConmonProcess } from '../host/conmon-process.js';
import { EngineError } from '../errors.js';

export interface ExecConmonInput {
  containerId: string;
  sessionId: string;
  runtimePath: string;
  runtimeRoot: string;
  /** The session's own directory: process spec, pid files, attach socket, ctl fifo, logs. */
  bundleDir: string;
  terminal: boolean;
  stdin: boolean;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
}

/** Bytes of an exec session's log (conmon truncates past it). */
export const EXEC_LOG_MAX = 1024 * 1024;

/** Files of an exec session's directory. */
export function execFiles(bundleDir: string) {
  return {
    processSpec: path.join(bundleDir, 'process.json'),
    pidFile: path.join(bundleDir, 'exec_pid'),
    conmonPidFile: path.join(bundleDir, 'conmon.pid'),
    runtimeLog: path.join(bundleDir, 'oci-log'),
    ctl: path.join(bundleDir, 'ctl'),
    log: path.join(bundleDir, 'exec.log'),
  };
}

/** conmon's argv for an exec session with an attach socket. Pure. */
export function buildExecConmonArgs(input: ExecConmonInput): string[] {
  const files = execFiles(input.bundleDir);
  return [
    ...sharedConmonArgs({
      cid: input.containerId,
      cuuid: input.sessionId,
      runtimePath: input.runtimePath,
      runtimeRoot: input.runtimeRoot,
      bundleDir: input.bundleDir,
      pidFile: files.pidFile,
      conmonPidFile: files.conmonPidFile,
      // No exit file: the exit code comes on the sync pipe, and writing the file delayed that report by
      // a file creation (about 0.5 ms on ext4); sessions do not outlive berthd, so nothing reads it later.
      // The log is a safety net for output the attach socket missed (see run-session.ts).
      logPath: files.log,
      logSizeMax: EXEC_LOG_MAX,
      runtimeLog: files.runtimeLog,
      terminal: input.terminal,
      stdin: input.stdin,
      logLevel: input.logLevel,
    }),
    '-e',
    '--exec-attach',
    '--exec-process-spec',
    files.processSpec,
  ];
}

export interface SyncMessage {
  data?: number;
  message?: string;
}

/**
 * Reads newline-terminated JSON messages from a pipe. Node gives conmon a
 * stream socketpair, so two messages may arrive in one chunk or one message
 * in several. next() rejects when the pipe ends first or `timeoutMs` passes.
 */
export class SyncReader {
  #buffered = '';
  #messages: SyncMessage[] = [];
  #ended = false;
  #waiter: (() => void) | null = null;
  readonly #endWaiters: Array<() => void> = [];

  constructor(pipe: Readable) {
    pipe.on('data', (chunk: Buffer) => {
      this.#buffered += chunk.toString();
      for (let nl = this.#buffered.indexOf('\n'); nl >= 0; nl = this.#buffered.indexOf('\n')) {
        const line = this.#buffered.slice(0, nl).trim();
        this.#buffered = this.#buffered.slice(nl + 1);
        if (line) this.#messages.push(parseSync(line));
      }
      this.#wake();
    });
    const end = () => {
      this.#ended = true;
      this.#wake();
      this.#endWaiters.splice(0).forEach((w) => w());
    };
    pipe.on('end', end);
    pipe.on('close', end);
    pipe.on('error', end);
  }

  /** Whether conmon's end of the pipe is closed (conmon exited, or never ran). */
  get ended(): boolean {
    return this.#ended;
  }

  #wake(): void {
    const w = this.#waiter;
    this.#waiter = null;
    w?.();
  }

  /**
   * Resolves when conmon's end of the pipe is closed (it holds it until it
   * exits), or after `timeoutMs` at the latest. Never rejects.
   */
  closed(timeoutMs: number): Promise<void> {
    if (this.#ended) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.#endWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** The next message; `timeoutMs` may be Infinity. */
  async next(timeoutMs: number, what: string): Promise<SyncMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const msg = this.#messages.shift();
      if (msg) return msg;
      if (this.#ended) throw new EngineError('system', 'BERTH_CONMON_FAILED', `conmon closed the pipe before reporting ${what}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new EngineError('system', 'BERTH_CONMON_TIMEOUT', `conmon did not report ${what} in time`);
      await new Promise<void>((resolve) => {
        // Infinity = wait as long as the process runs (setTimeout would fire at once).
        const timer = Number.isFinite(left) ? setTimeout(resolve, left) : undefined;
        this.#waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }
}

function parseSync(line: string): SyncMessage {
  try {
    return JSON.parse(line) as SyncMessage;
  } catch {
    return { data: -1, message: `unreadable message from conmon: ${line}` };
  }
}

export interface ExecConmon {
  sync: SyncReader;
  attach: SyncReader;
  /** Writes one start byte (call twice: before and after attaching). */
  release(): void;
  /** Lets go of conmon's pipes (conmon may already be gone). */
  close(): void;
  stderr(): string;
}

/**
 * Starts conmon for an exec session with sync (3), start (4) and attach (5)
 * pipes, by posix_spawn from berthd itself (host/conmon-process.ts): no
 * fork anywhere but conmon's own. Synchronous for the caller: the spawn
 * completes on a later tick (libc is bound at the first use), the pipes'
 * readers are there at once, and start bytes asked for before it are
 * written once it is done. conmon carries on if berthd dies.
 */
export function spawnExecConmon(conmonPath: string, input: ExecConmonInput): ExecConmon {
  const pipes = { sync: new PassThrough(), attach: new PassThrough() };
  const env = { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', _OCI_SYNCPIPE: '3', _OCI_STARTPIPE: '4', _OCI_ATTACHPIPE: '5' };
  let conmon: ConmonProcess | undefined;
  let failure = '';
  let startBytes = 0;
  let closed = false;
  // conmon's cwd: where it writes files of its own (an `oom` marker), inside the session's directory.
  spawnConmon(conmonPath, buildExecConmonArgs(input), { cwd: input.bundleDir, env, attach: true }).then(
    (c) => {
      if (closed) return c.close();
      conmon = c;
      forward(c.sync, pipes.sync);
      forward(c.attach!, pipes.attach);
      for (; startBytes > 0; startBytes--) c.release();
    },
    (err: Error) => {
      failure = `cannot run conmon: ${err.message}`;
      Object.values(pipes).forEach(endOf);
    },
  );
  return {
    sync: new SyncReader(pipes.sync),
    attach: new SyncReader(pipes.attach),
    release: () => (conmon ? conmon.release() : startBytes++),
    close: () => {
      closed = true;
      conmon?.close();
      Object.values(pipes).forEach((p) => p.destroy());
    },
    stderr: () => (conmon?.stderr() ?? '') + failure,
  };
}

/** What conmon writes on `from` goes to `to`, which ends when `from` is closed (conmon exited, or an error). */
function forward(from: Readable, to: PassThrough): void {
  from.on('data', (chunk: Buffer) => to.destroyed || to.write(chunk));
  from.once('close', () => endOf(to));
}

function endOf(stream: PassThrough): void {
  if (!stream.destroyed && !stream.writableEnded) stream.end();
}

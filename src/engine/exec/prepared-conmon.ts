/**
 * An exec session's conmon started ahead of the session's start: spawned
 * when the exec is created (or kept as its container's spare,
 * spare-conmons.ts) and given its first start byte at once, so that
 * conmon's startup (its spawn, dynamic linking, attach socket: 5–10 ms)
 * is over before the client's start arrives. The start then only writes
 * the process spec, connects and sends the second byte (run-session.ts).
 *
 * conmon runs nothing in the container before the second byte, and its
 * process spec is written only by the start: a prepared conmon that is
 * never used is killed (its process group: conmon and its waiting child,
 * by the pid read once its attach socket listened, since a container's
 * teardown may have removed the pid file) before it could run the
 * runtime. If berthd dies first, conmon sees its start pipe end and runs
 * `runc exec` on the spec file that is still empty, which fails
 * without touching the container.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ContainerContext } from '../containers/context.js';
import { execFiles, type ExecConmon, type SyncMessage } from '../runtime/conmon-exec.js';
import { readConmonPidFile } from '../runtime/conmon.js';

/** How long conmon may take to set up its attach socket. */
export const HANDSHAKE_TIMEOUT_MS = 60_000;

export interface PrepareInput {
  containerId: string;
  sessionId: string;
  bundleDir: string;
  terminal: boolean;
  /** conmon's -i: the process's stdin is a pipe held open for an attached client. */
  stdin: boolean;
}

export interface PreparedConmon {
  readonly conmon: ExecConmon;
  readonly terminal: boolean;
  readonly stdin: boolean;
  /** conmon's attach-pipe message ({data: 0} once its attach socket listens); rejects when conmon failed first or timed out. */
  readonly ready: Promise<SyncMessage>;
  /** performance.now() at the spawn, and when the attach socket was reported (for the step trace). */
  readonly times: { spawned: number; ready?: number };
  /** False once conmon is known to be gone or failed (its pipe ended, or it reported no attach socket): a start on it would fail. */
  readonly usable: boolean;
  /**
   * Ends a conmon that will not be used: kills it before it ran anything,
   * lets go of its pipes and removes the session directory. Idempotent;
   * synchronous as far as the kill goes (berthd may be about to exit).
   */
  discard(): void;
}

/** Spawns the session's conmon and sends its first start byte. */
export function prepareConmon(ctx: ContainerContext, input: PrepareInput): PreparedConmon {
  makeSessionDir(input.bundleDir);
  // The start overwrites it: creating a file can cost a millisecond on a disk (ext4 with journal), truncating
  // one a few microseconds. Empty, it is no spec: a conmon child that runs `runc exec` on it runs nothing.
  writeFileSync(execFiles(input.bundleDir).processSpec, '');
  const conmon = ctx.runtime.exec({
    containerId: input.containerId,
    sessionId: input.sessionId,
    bundleDir: input.bundleDir,
    terminal: input.terminal,
    stdin: input.stdin,
    // conmon's exec child prints debug lines on the process's own stderr: never ask it for debug.
    logLevel: ctx.settings.logLevel === 'debug' ? 'info' : ctx.settings.logLevel,
  });
  conmon.release();
  const times: PreparedConmon['times'] = { spawned: performance.now() };
  const ready = conmon.attach.next(HANDSHAKE_TIMEOUT_MS, 'the attach socket');
  let listening = false;
  let failed = false;
  // conmon's pid file is written before it reports its attach socket.
  let pid: number | null = null;
  ready.then(
    (m) => {
      times.ready = performance.now();
      listening = m.data === 0;
      failed = !listening;
      if (listening) pid = readConmonPid(input.bundleDir);
    },
    () => (failed = true),
  );
  let discarded = false;
  return {
    conmon,
    terminal: input.terminal,
    stdin: input.stdin,
    ready,
    times,
    get usable() {
      return !discarded && !failed && !conmon.sync.ended;
    },
    discard() {
      if (discarded) return;
      discarded = true;
      // conmon forks its runtime child right after its attach socket listens; before that, closing its
      // pipes ends it (a child forked while the report was in flight runs `runc exec` on the spec file
      // that is still empty, which fails).
      if (listening) killConmonGroup(pid ?? readConmonPid(input.bundleDir), input.sessionId);
      conmon.close();
      // Best effort: a conmon still starting up may create files meanwhile; the container's removal takes what is left.
      try {
        rmSync(input.bundleDir, { recursive: true, force: true });
      } catch (err) {
        ctx.log.warn({ err, exec: input.sessionId }, 'removing an unused exec conmon directory');
      }
    },
  };
}

/**
 * Creates the session directory in the container's bundle, never the
 * bundle itself: a container whose bundle is gone (torn down after its
 * exit) gets no conmon, and no directory of a container that went comes
 * back. Synchronous: a thread-pool round trip costs more than two mkdirs.
 */
function makeSessionDir(bundleDir: string): void {
  try {
    mkdirSync(path.dirname(bundleDir), { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  // A directory left by a discard that could not finish is taken over.
  mkdirSync(bundleDir, { recursive: true, mode: 0o700 });
}

/** The pid in a session's conmon pid file; null when there is none (yet, or any more). */
export function readConmonPid(bundleDir: string): number | null {
  return readConmonPidFile(execFiles(bundleDir).conmonPidFile) ?? null;
}

/**
 * SIGKILL to the process group of a session's conmon (conmon calls setsid,
 * so the group is conmon and the child waiting for the second start byte),
 * after checking that `pid` still is that session's conmon (pids get
 * reused). No pid, or a process already gone: nothing to do (closing the
 * pipes ends a conmon that was not listening yet, see the module doc).
 */
export function killConmonGroup(pid: number | null, sessionId: string): void {
  if (pid === null) return;
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    if (!argv.includes(sessionId)) return;
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

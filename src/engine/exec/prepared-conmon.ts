/**
 * An exec session's conmon started ahead of the session's start: spawned
 * when the exec is created and given its first start byte at once, so that
 * conmon's startup (its spawn, dynamic linking, attach socket: 5–10 ms)
 * runs while the create answer travels and the client sends its start.
 * The start then only writes the process spec, connects and sends the
 * second byte (run-session.ts).
 *
 * conmon runs nothing in the container before the second byte, and its
 * process spec is written only by the start: a prepared conmon that is
 * never used is killed (its process group: conmon and its waiting child)
 * before it could run the runtime. If berthd dies first, conmon sees its
 * start pipe end and runs `runc exec` on the spec file that was never
 * written, which fails without touching the container.
 */
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import type { ContainerContext } from '../containers/context.js';
import { execFiles, type ExecConmon, type SyncMessage } from '../runtime/conmon-exec.js';

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
  /**
   * Ends a conmon that will not be used: kills it before it ran anything,
   * lets go of its pipes and removes the session directory. Idempotent;
   * synchronous as far as the kill goes (berthd may be about to exit).
   */
  discard(): void;
}

/** Spawns the session's conmon and sends its first start byte. */
export function prepareConmon(ctx: ContainerContext, input: PrepareInput): PreparedConmon {
  // Synchronously: a thread-pool round trip costs more than the mkdir calls.
  mkdirSync(input.bundleDir, { recursive: true, mode: 0o700 });
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
  ready.then(
    (m) => {
      times.ready = performance.now();
      listening = m.data === 0;
    },
    () => {},
  );
  let discarded = false;
  return {
    conmon,
    terminal: input.terminal,
    stdin: input.stdin,
    ready,
    times,
    discard() {
      if (discarded) return;
      discarded = true;
      // conmon forks its runtime child right after its attach socket listens; before that, closing its
      // pipes ends it (a child forked while the report was in flight runs `runc exec` on the spec file
      // that was never written, which fails).
      if (listening) killConmonGroup(input.bundleDir, input.sessionId);
      conmon.close();
      rmSync(input.bundleDir, { recursive: true, force: true });
    },
  };
}

/**
 * SIGKILL to the process group of the session's conmon (conmon calls
 * setsid, so the group is conmon and the child waiting for the second
 * start byte), after checking that the pid in its pid file is that
 * session's conmon (pids get reused).
 */
export function killConmonGroup(bundleDir: string, sessionId: string): void {
  try {
    const pid = Number(readFileSync(execFiles(bundleDir).conmonPidFile, 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 1) return;
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    if (!argv.includes(sessionId)) return;
    process.kill(-pid, 'SIGKILL');
  } catch {
    // No pid file or already gone: closing the pipes ends it (see the module doc).
  }
}

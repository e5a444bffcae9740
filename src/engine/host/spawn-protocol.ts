/**
 * The messages between berthd (spawner.ts) and its spawn helper
 * (spawn-helper.ts), over node's IPC channel (JSON). Every request carries
 * an id that its one reply repeats. Types only: the helper must not load
 * anything else.
 */

/** Run a program to its end and collect its output (execa's subset that mount and the runtime verbs use). */
export interface RunRequest {
  id: number;
  op: 'run';
  /** Absolute path (host/binaries.ts). */
  file: string;
  args: string[];
  cwd?: string;
  /** Written to stdin, which is then closed; without it stdin is /dev/null. */
  input?: string;
  /** Added to the helper's environment (berthd's own) for this program. */
  env?: Record<string, string>;
  /**
   * stdout goes to /dev/null (the reply's stdout is ''): for callers that
   * read only stderr and the exit status. A pipe fewer per run costs the
   * helper about a sixth less CPU per spawn.
   */
  discardStdout?: boolean;
  /** SIGKILL after this long. */
  timeoutMs: number;
}

export interface RunReply {
  id: number;
  /** null when killed by a signal or never started. */
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** Set when the program could not be started (ENOENT, EACCES …). */
  failure?: string;
}

/**
 * Start an exec session's conmon (runtime/conmon-exec.ts) with sync (3), start
 * (4) and attach (5) pipes and hand those over to berthd, one ExecPipe
 * message each, carrying the socket as its handle (host/exec-pipes.ts);
 * conmon's stderr comes back as ExecEvents. The one reply (ExecEnd) comes
 * once conmon's stderr is closed (conmon exited), or at once when conmon
 * could not be started (no pipes then), or after ExecControl 'exec-close'.
 */
export interface ExecConmonRequest {
  id: number;
  op: 'exec-conmon';
  file: string;
  args: string[];
  env: Record<string, string>;
}

/** To the exec-conmon request `id`: let go of conmon's stderr (the request ends). No reply. */
export interface ExecControl {
  id: number;
  op: 'exec-close';
}

/** From the exec-conmon request `id`: one of conmon's pipes, as the message's handle (a socket). */
export interface ExecPipe {
  id: number;
  pipe: 'sync' | 'start' | 'attach';
}

/**
 * Text read from one of conmon's pipes: from the helper, conmon's stderr;
 * berthd's exec-pipes.ts reports sync and attach the same way.
 */
export interface ExecEvent {
  id: number;
  event: 'sync' | 'attach' | 'stderr';
  data: string;
}

export interface ExecEnd {
  id: number;
  /** Set when conmon could not be started (ENOENT, EACCES …). */
  failure?: string;
}

export type HelperRequest = RunRequest | ExecConmonRequest | ExecControl;
export type HelperReply = RunReply | ExecEnd;

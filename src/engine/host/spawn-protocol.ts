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

export type HelperRequest = RunRequest;
export type HelperReply = RunReply;

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

/** Start conmon and pass its handshake (runtime/conmon.ts). */
export interface ConmonRequest {
  id: number;
  op: 'conmon';
  file: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  /** Give up waiting for the sync message after this long. */
  timeoutMs: number;
}

export interface ConmonReply {
  id: number;
  /** conmon's sync message, the JSON line as written; absent when it wrote none. */
  line?: string;
  /** conmon's stderr so far. */
  stderr: string;
  /** The spawned conmon's exit status (it has exited when `line` is present), null when it had not exited. */
  exitCode: number | null;
  timedOut?: boolean;
  failure?: string;
}

export type HelperRequest = RunRequest | ConmonRequest;
export type HelperReply = RunReply | ConmonReply;

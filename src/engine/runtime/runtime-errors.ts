/**
 * Sorts the OCI runtime's error text into EngineError kinds, and reads a
 * failed start as dockerd does (one classifier, translateStartFailure: the
 * exit code — 127 not found, 126 not executable, else 128 — and whether it
 * is the client's error).
 */
import { EngineError } from '../errors.js';

/** runc's JSON log lines look like {"level":"error","msg":"...","time":"..."}; plain text is kept as is. */
export function runtimeMessage(raw: string): string {
  const messages: string[] = [];
  for (const line of raw.split('\n')) {
    const trimmed = line.trim();
    if (!trimmed) continue;
    try {
      const parsed = JSON.parse(trimmed) as { level?: string; msg?: string };
      if (parsed.msg && (parsed.level === undefined || parsed.level === 'error' || parsed.level === 'fatal')) messages.push(parsed.msg);
    } catch {
      messages.push(trimmed);
    }
  }
  return messages.join(': ');
}

/** How dockerd records a runtime failure of a container's start: the exit code, its text, whether it is the client's error (400). */
export interface StartFailure {
  exitCode: number;
  message: string;
  invalid: boolean;
}

const ENOTDIR_HINT = ': Are you trying to mount a directory onto a file (or vice-versa)? Check if the specified host path exists and is the expected type';

/**
 * dockerd 20.10's reading of a failed start (translateContainerdStartErr):
 * 127 when the text names the command `cmd` and says it does not exist,
 * 126 when something was not permitted, 127 with a hint about bind mounts
 * for "not a directory" (a file mounted onto a directory or the reverse),
 * in that order, later rules winning; anything else is exit code 128 and
 * not the client's error. Pure.
 */
export function translateStartFailure(message: string, cmd: string): StartFailure {
  const lower = message.toLowerCase();
  let out: StartFailure = { exitCode: 128, message, invalid: false };
  if (lower.includes(cmd.toLowerCase()) && /no such file or directory|executable file not found/.test(lower)) out = { ...out, exitCode: 127, invalid: true };
  if (lower.includes('permission denied')) out = { ...out, exitCode: 126, invalid: true };
  if (lower.includes('not a directory')) out = { exitCode: 127, message: message + ENOTDIR_HINT, invalid: true };
  return out;
}

export function classifyRuntimeError(verb: string, detail: string): EngineError {
  const message = runtimeMessage(detail) || `runtime ${verb} failed`;
  if (/does not exist|container not found/i.test(message)) {
    return new EngineError('not-found', 'BERTH_RUNTIME_NOT_FOUND', message);
  }
  if (/not running|is not paused|container not running|already stopped/i.test(message)) {
    return new EngineError('conflict', 'BERTH_RUNTIME_NOT_RUNNING', message);
  }
  if (translateStartFailure(message, '').invalid) {
    return new EngineError('invalid-parameter', 'BERTH_RUNTIME_EXEC_FAILED', message);
  }
  return new EngineError('system', 'BERTH_RUNTIME_FAILED', message);
}

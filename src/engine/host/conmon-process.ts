/**
 * conmon's start handshake (runtime/conmon.ts), with conmon started by
 * berthd itself through posix_spawn (posix-spawn.ts): fds 3 (sync) and 4
 * (start) are pipes, fd 2 its stderr. One byte on the start pipe releases
 * conmon, which forks its monitor and writes one JSON line on the sync pipe.
 * The line is passed back unparsed once the spawned process has exited: it
 * writes conmon.pid and exits while its monitor runs `runc create` and
 * writes the line, so only after that exit is the pid file complete
 * (podman waits for it the same way).
 */
import { setTimeout as delay } from 'node:timers/promises';
import { spawnProcess, type SpawnedProcess } from './posix-spawn.js';

/** conmon's stderr kept: its messages are a few lines. */
const MAX_STDERR = 1 << 20;
/** After a conmon that wrote no sync line exited: time for the rest of its stderr to be read (a forked child may hold it open). */
const STDERR_GRACE_MS = 20;

export interface ConmonHandshake {
  /** conmon's sync message, the JSON line as written; absent when it wrote none. */
  line?: string;
  /** conmon's stderr so far. */
  stderr: string;
  /** The spawned conmon's exit status (it has exited when `line` is present), null when it had not exited or died of a signal. */
  exitCode: number | null;
  /** No line and no end of the sync pipe within the time: the spawned process is killed. */
  timedOut?: boolean;
  /** conmon could not be started (the errno's text). */
  failure?: string;
}

/** Starts conmon and passes its handshake; never rejects (a failure is in the result). */
export async function runConmon(
  file: string,
  args: readonly string[],
  opts: { cwd: string; env: Record<string, string>; timeoutMs: number },
): Promise<ConmonHandshake> {
  let proc: SpawnedProcess;
  try {
    proc = await spawnProcess({ file, args, env: opts.env, cwd: opts.cwd, pipes: { 2: 'out', 3: 'out', 4: 'in' }, newSession: true });
  } catch (err) {
    return { stderr: '', exitCode: null, failure: (err as Error).message };
  }
  return handshake(proc, opts.timeoutMs);
}

function handshake(proc: SpawnedProcess, timeoutMs: number): Promise<ConmonHandshake> {
  const [stderr, sync, start] = [2, 3, 4].map((fd) => proc.pipes.get(fd)!);
  let exitCode: number | null = null;
  let reaped = false;
  const exited = proc.exited.then((status) => {
    reaped = true;
    exitCode = status.code;
  });
  const stderrClosed = new Promise((resolve) => stderr.once('close', resolve));
  return new Promise((resolve) => {
    let text = '';
    let buffered = '';
    let answered = false;
    const finish = (extra: Partial<ConmonHandshake>) => {
      if (answered) return;
      answered = true;
      clearTimeout(timer);
      for (const pipe of [sync, start, stderr]) pipe.destroy();
      resolve({ stderr: text, exitCode, ...extra });
    };
    const timer = setTimeout(() => {
      // A first process still there holds a pool thread in waitpid: its end frees it. One already reaped is
      // left alone (its pid may belong to another process by now); the caller's runtime delete cleans up.
      if (!reaped) {
        try {
          process.kill(proc.pid, 'SIGKILL');
        } catch {
          // Ended meanwhile.
        }
      }
      finish({ timedOut: true });
    }, timeoutMs);
    for (const pipe of [sync, start, stderr]) pipe.on('error', () => {});
    stderr.setEncoding('utf8');
    stderr.on('data', (s: string) => {
      if (text.length < MAX_STDERR) text += s;
    });
    sync.setEncoding('utf8');
    sync.on('data', (s: string) => {
      buffered += s;
      const newline = buffered.indexOf('\n');
      if (newline >= 0) void exited.then(() => finish({ line: buffered.slice(0, newline) }));
    });
    // conmon closed the pipe without a message: it failed; its exit and the rest of its stderr follow.
    sync.on('end', () => void exited.then(() => Promise.race([stderrClosed, delay(STDERR_GRACE_MS)])).then(() => finish({})));
    start.write(Buffer.from([0]));
  });
}

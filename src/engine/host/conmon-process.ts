/**
 * conmon started by berthd itself through posix_spawn (posix-spawn.ts),
 * for a container (runConmon) and for an exec session
 * (runtime/conmon-exec.ts), with the same pipes: fds 3 (sync) and 4
 * (start), 5 (attach) for an exec, fd 2 its stderr. No fork on berthd's
 * event loop and none in the spawn helper.
 *
 * A container's handshake (runConmon): one byte on the start pipe releases
 * conmon, which forks its monitor and writes one JSON line on the sync
 * pipe. The line is passed back unparsed once the spawned process has
 * exited: it writes conmon.pid and exits while its monitor runs `runc
 * create` and writes the line, so only after that exit is the pid file
 * complete (podman waits for it the same way).
 */
import type { Socket } from 'node:net';
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

/** A spawned conmon and berthd's ends of its pipes. */
export interface ConmonProcess {
  process: SpawnedProcess;
  sync: Socket;
  start: Socket;
  /** Present when asked for (an exec session's conmon). */
  attach?: Socket;
  /** conmon's stderr so far (its first MAX_STDERR characters). */
  stderr(): string;
  /** Resolves when conmon's stderr is closed (its first process and everything it forked let go of it). */
  stderrClosed: Promise<void>;
  /** One byte on the start pipe. */
  release(): void;
  /** Lets go of every pipe; conmon carries on without them if it still runs. */
  close(): void;
}

/**
 * Spawns conmon in a session of its own with its sync, start and (when
 * `attach`) attach pipes and collects its stderr; rejects with the errno's
 * text when it cannot be started. A pipe's error only ends that pipe.
 */
export async function spawnConmon(
  file: string,
  args: readonly string[],
  opts: { cwd: string; env: Record<string, string>; attach?: boolean },
): Promise<ConmonProcess> {
  const pipes: Record<number, 'out' | 'in'> = { 2: 'out', 3: 'out', 4: 'in' };
  if (opts.attach) pipes[5] = 'out';
  const proc = await spawnProcess({ file, args, env: opts.env, cwd: opts.cwd, pipes, newSession: true });
  const [stderr, sync, start, attach] = [2, 3, 4, 5].map((fd) => proc.pipes.get(fd));
  for (const pipe of proc.pipes.values()) pipe.on('error', () => pipe.destroy());
  let text = '';
  stderr!.setEncoding('utf8');
  stderr!.on('data', (s: string) => {
    if (text.length < MAX_STDERR) text += s;
  });
  return {
    process: proc,
    sync: sync!,
    start: start!,
    attach,
    stderr: () => text,
    stderrClosed: new Promise((resolve) => stderr!.once('close', resolve)),
    release: () => void (start!.destroyed || start!.write(Buffer.from([0]))),
    close: () => proc.pipes.forEach((pipe) => pipe.destroy()),
  };
}

/** Starts conmon and passes its handshake; never rejects (a failure is in the result). */
export async function runConmon(
  file: string,
  args: readonly string[],
  opts: { cwd: string; env: Record<string, string>; timeoutMs: number },
): Promise<ConmonHandshake> {
  let conmon: ConmonProcess;
  try {
    conmon = await spawnConmon(file, args, opts);
  } catch (err) {
    return { stderr: '', exitCode: null, failure: (err as Error).message };
  }
  return handshake(conmon, opts.timeoutMs);
}

function handshake(conmon: ConmonProcess, timeoutMs: number): Promise<ConmonHandshake> {
  const { sync } = conmon;
  let exitCode: number | null = null;
  const exited = conmon.process.exited.then((status) => {
    exitCode = status.code;
  });
  return new Promise((resolve) => {
    let buffered = '';
    let answered = false;
    const finish = (extra: Partial<ConmonHandshake>) => {
      if (answered) return;
      answered = true;
      clearTimeout(timer);
      conmon.close();
      resolve({ stderr: conmon.stderr(), exitCode, ...extra });
    };
    const timer = setTimeout(() => {
      // Only a first process still there (not reaped: its pid is still ours) is killed; one already reaped
      // leaves its monitor to the caller's runtime delete.
      conmon.process.kill('SIGKILL');
      finish({ timedOut: true });
    }, timeoutMs);
    sync.setEncoding('utf8');
    sync.on('data', (s: string) => {
      buffered += s;
      const newline = buffered.indexOf('\n');
      if (newline >= 0) void exited.then(() => finish({ line: buffered.slice(0, newline) }));
    });
    // conmon closed the pipe without a message: it failed; its exit and the rest of its stderr follow.
    sync.on('end', () => void exited.then(() => Promise.race([conmon.stderrClosed, delay(STDERR_GRACE_MS)])).then(() => finish({})));
    conmon.release();
  });
}

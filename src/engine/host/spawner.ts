/**
 * The way berthd starts most host programs (the OCI runtime's verbs, the
 * network tools, mount(8) for volumes): through one long-lived
 * spawn helper (spawn-helper.ts), so that no fork happens on berthd's
 * event loop. A fork copies the forking process's page tables and Node
 * forks synchronously; from the small helper it costs about half of what
 * it costs from berthd, and berthd's loop only writes and reads one IPC
 * message per program. conmon (a container's and an exec session's) is
 * started without it, by posix_spawn (conmon-process.ts), which costs
 * less than either fork.
 *
 * The helper is started at the first request and again at the first
 * request after it died. Its death fails the requests in flight with
 * BERTH_HOST_SPAWN_HELPER: their outcome is unknown to berthd, as after a
 * timeout. Nothing else depends on it: exits are learnt from conmon's exit
 * files, and conmon double-forks away from it.
 *
 * Going through it, berthd's own process never loads execa: only tar's buffered
 * runs (host/tar.ts) and `berthd check` use execa-on-demand.ts, and tar's
 * streamed runs use child_process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { EngineError } from '../errors.js';
import type { HelperReply, RunReply, RunRequest } from './spawn-protocol.js';

export type { RunReply } from './spawn-protocol.js';

/**
 * Where tsc puts the helper beside this module (dist/src/engine/host/), and
 * where the bundle script puts it beside dist/berthd.mjs: in both, next to
 * the file that holds this code.
 */
const HELPER = fileURLToPath(new URL('./spawn-helper.js', import.meta.url));
/**
 * A young generation of 1 MiB: the helper allocates little, and a smaller
 * heap makes its forks cheaper. The old-space limit is a ceiling, not a
 * reservation: a program's output (up to 16 MiB per stream) is held a few
 * times over while it is collected and sent, and must not kill the helper.
 */
const HELPER_NODE_FLAGS = ['--max-semi-space-size=1', '--max-old-space-size=128'];
/** An idle helper is let go after this long: an idle berthd keeps no second node process resident. */
const IDLE_EXIT_MS = 30_000;

type Pending = Map<number, { resolve: (r: HelperReply) => void; reject: (e: Error) => void; what: string }>;
type Request = Omit<RunRequest, 'id'>;

class Spawner {
  #child: ChildProcess | undefined;
  /** The requests awaiting an answer from #child. */
  #pending: Pending = new Map();
  #nextId = 1;
  #idleTimer: NodeJS.Timeout | undefined;

  /** The running helper's pid, if one runs. */
  get pid(): number | undefined {
    return this.#child?.connected ? this.#child.pid : undefined;
  }

  /** Sends one request; resolves to its reply. */
  request(req: Request): Promise<HelperReply> {
    clearTimeout(this.#idleTimer);
    const child = this.#ensure();
    const pending = this.#pending;
    const id = this.#nextId++;
    const what = `${req.file} ${req.args[0] ?? ''}`.trim();
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject, what });
      // The channel keeps berthd alive only while an answer is awaited.
      child.channel?.ref();
      child.send({ ...req, id }, (err) => {
        if (err) this.#settle(pending, id, undefined, helperError(`could not send to the spawn helper (${what}): ${err.message}`));
      });
    });
  }

  #ensure(): ChildProcess {
    if (this.#child?.connected) return this.#child;
    const child = spawn(process.execPath, [...HELPER_NODE_FLAGS, HELPER], {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      serialization: 'json',
      // Its own process group: a Ctrl-C meant for berthd leaves it to finish what berthd asked.
      detached: true,
    });
    const pending: Pending = new Map();
    this.#child = child;
    this.#pending = pending;
    child.on('message', (msg: HelperReply) => this.#settle(pending, msg.id, msg));
    child.on('error', (err) => this.#lost(child, pending, err.message));
    child.on('exit', (code, signal) => this.#lost(child, pending, `exited (${signal ?? code ?? 'unknown'})`));
    child.on('disconnect', () => this.#lost(child, pending, 'closed its channel'));
    child.unref();
    child.channel?.unref();
    return child;
  }

  #settle(pending: Pending, id: number, reply: HelperReply | undefined, err?: Error): void {
    const entry = pending.get(id);
    if (!entry) return;
    pending.delete(id);
    if (pending.size === 0 && pending === this.#pending) {
      this.#child?.channel?.unref();
      this.#idle();
    }
    if (reply) entry.resolve(reply);
    else entry.reject(err!);
  }

  /** Nothing awaited: the helper goes if nothing comes. */
  #idle(): void {
    const child = this.#child;
    clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => {
      // Disconnecting makes the helper exit (spawn-helper.ts); the next request starts another.
      if (this.#child === child && child?.connected) child.disconnect();
    }, IDLE_EXIT_MS);
    this.#idleTimer.unref();
  }

  /** The helper is gone: whatever it was running has an unknown outcome. */
  #lost(child: ChildProcess, pending: Pending, why: string): void {
    if (this.#child === child) this.#child = undefined;
    for (const [id, entry] of pending)
      this.#settle(pending, id, undefined, helperError(`the spawn helper ${why} while running ${entry.what}: its outcome is unknown`));
  }
}

function helperError(message: string): EngineError {
  return new EngineError('system', 'BERTH_HOST_SPAWN_HELPER', message);
}

let spawner: Spawner | undefined;

/** Runs `file` with `args` (no shell) to its end, through the spawn helper; never rejects for the program's own failure. */
export function runHost(
  file: string,
  args: readonly string[],
  opts: { cwd?: string; input?: string; env?: Record<string, string>; timeoutMs: number; discardStdout?: boolean },
): Promise<RunReply> {
  spawner ??= new Spawner();
  return spawner.request({ op: 'run', file, args: [...args], ...opts });
}

/** The pid of the spawn helper, when one runs (tests kill it to see a restart). */
export function spawnHelperPid(): number | undefined {
  return spawner?.pid;
}

/** A one-line account of a failed run, as execa's short message words it: stderr first. */
export function runFailureText(file: string, res: RunReply): string {
  const stderr = res.stderr.trim();
  if (stderr !== '') return stderr;
  if (res.failure !== undefined) return `${file}: ${res.failure}`;
  if (res.timedOut) return `${file} timed out`;
  if (res.signal !== null) return `${file} was killed with ${res.signal}`;
  return res.exitCode === 0 ? '' : `${file} failed with exit code ${res.exitCode ?? 'unknown'}`;
}

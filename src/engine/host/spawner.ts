/**
 * The way berthd starts most host programs (the OCI runtime's verbs, the
 * network tools, mount(8) for volumes, exec sessions' conmon): through one long-lived
 * spawn helper (spawn-helper.ts), so that no fork happens on berthd's
 * event loop. A fork copies the forking process's page tables and Node
 * forks synchronously; from the small helper it costs about half of what
 * it costs from berthd, and berthd's loop only writes and reads one IPC
 * message per program. A container's own conmon is started without it,
 * by posix_spawn (conmon-process.ts), which costs less than either fork.
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
import type { Socket } from 'node:net';
import { ExecPipes } from './exec-pipes.js';
import type { ExecConmonRequest, ExecControl, ExecEnd, ExecEvent, ExecPipe, HelperReply, RunReply, RunRequest } from './spawn-protocol.js';

export type { ExecEvent, RunReply } from './spawn-protocol.js';

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

type Pending = Map<number, { resolve: (r: HelperReply) => void; reject: (e: Error) => void; what: string; keepsAlive: boolean }>;
type Request = Omit<RunRequest, 'id'> | Omit<ExecConmonRequest, 'id'>;

class Spawner {
  #child: ChildProcess | undefined;
  /** The requests awaiting an answer from #child. */
  #pending: Pending = new Map();
  #nextId = 1;
  #idleTimer: NodeJS.Timeout | undefined;
  /** The event handlers of exec-conmon requests in flight. */
  readonly #listeners = new Map<number, (e: ExecEvent | ExecPipe, handle?: Socket) => void>();

  /** The running helper's pid, if one runs. */
  get pid(): number | undefined {
    return this.#child?.connected ? this.#child.pid : undefined;
  }

  /**
   * Sends one request; resolves to its reply (R: the reply type of that
   * request's op). `onEvent` takes the ExecEvents of an exec-conmon request;
   * such a request does not keep berthd alive (an exec may run for days).
   */
  request<R extends HelperReply>(req: Request, onEvent?: (e: ExecEvent | ExecPipe, handle?: Socket) => void): { id: number; reply: Promise<R> } {
    clearTimeout(this.#idleTimer);
    const child = this.#ensure();
    const pending = this.#pending;
    const id = this.#nextId++;
    const what = `${req.file} ${req.args[0] ?? ''}`.trim();
    if (onEvent) this.#listeners.set(id, onEvent);
    const reply = new Promise<R>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (r: HelperReply) => void, reject, what, keepsAlive: !onEvent });
      // The channel keeps berthd alive only while an answer is awaited.
      if (!onEvent) child.channel?.ref();
      child.send({ ...req, id }, (err) => {
        if (err) this.#settle(pending, id, undefined, helperError(`could not send to the spawn helper (${what}): ${err.message}`));
      });
    });
    return { id, reply };
  }

  /** A message about request `id` that has no reply, to the helper that runs it (dropped if that one is gone). */
  control(msg: ExecControl): void {
    if (this.#pending.has(msg.id) && this.#child?.connected) this.#child.send(msg, () => {});
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
    child.on('message', (msg: HelperReply | ExecEvent | ExecPipe, handle?: Socket) =>
      'event' in msg || 'pipe' in msg ? this.#listeners.get(msg.id)?.(msg, handle) : this.#settle(pending, msg.id, msg),
    );
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
    this.#listeners.delete(id);
    if (pending === this.#pending && ![...pending.values()].some((p) => p.keepsAlive)) this.#child?.channel?.unref();
    if (pending.size === 0 && pending === this.#pending) this.#idle();
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
  return spawner.request<RunReply>({ op: 'run', file, args: [...args], ...opts }).reply;
}

/** An exec session's conmon started by the spawn helper, its pipes held by berthd (ExecConmonRequest, exec-pipes.ts). */
export interface ExecConmonRelay {
  /** One byte on conmon's start pipe. */
  release(): void;
  /** Lets go of conmon's pipes (conmon may already be gone). */
  close(): void;
  /**
   * Resolves when the sync and attach pipes are closed and the helper let
   * go of conmon (its failure to start conmon, if any, in `failure`).
   * Rejects with BERTH_HOST_SPAWN_HELPER if the helper died before it
   * handed the pipes over; after that the session does not need it.
   */
  ended: Promise<ExecEnd>;
}

/**
 * Starts an exec session's conmon through the spawn helper; `onEvent` gets
 * what it writes on its sync, attach and stderr pipes, `onPipeEnd` the
 * close of its sync and attach pipes as berthd sees it (before `ended`).
 */
export function runExecConmon(
  file: string,
  args: readonly string[],
  env: Record<string, string>,
  onEvent: (e: ExecEvent) => void,
  onPipeEnd: (pipe: 'sync' | 'attach') => void = () => {},
): ExecConmonRelay {
  const s = (spawner ??= new Spawner());
  const pipes = new ExecPipes(onEvent, onPipeEnd);
  const { id, reply } = s.request<ExecEnd>({ op: 'exec-conmon', file, args: [...args], env }, (e, handle) => {
    if ('event' in e) onEvent(e);
    else if (handle) pipes.take(e.pipe, handle);
  });
  pipes.id = id;
  // The reply comes after the last of conmon's stderr; a helper that dies once the pipes are in hand costs the session nothing.
  const ended = reply.then(
    async (end) => (pipes.received ? pipes.closed.then(() => end) : end),
    async (err: unknown) => {
      if (!pipes.received) throw err;
      await pipes.closed;
      return { id };
    },
  );
  return {
    release: () => pipes.release(),
    close: () => {
      pipes.destroy();
      s.control({ id, op: 'exec-close' });
    },
    ended,
  };
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

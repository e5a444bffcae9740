/**
 * The OCI runtime's verbs (runc or a compatible binary). Thin: no state
 * logic; every call has a timeout and its stderr is classified into an
 * EngineError. `create` is not here: conmon runs it (see conmon.ts). The
 * verbs run through berthd's spawn helper (host/spawner.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { runHost } from '../host/spawner.js';
import type { OciResources } from './oci-types.js';
import { classifyRuntimeError } from './runtime-errors.js';
import { EngineError } from '../errors.js';
import { execFifoPath, startThroughFifo } from './exec-fifo.js';

const CALL_TIMEOUT_MS = 30_000;

export class OciRuntime {
  readonly path: string;
  readonly root: string;

  /** runc 1.x (its start reads the exec fifo; 1.2's poststart hooks are never in berth's specs). */
  readonly #startsThroughFifo: boolean;

  /** path: the runtime binary; root: its state directory (runc --root), private to this daemon. */
  constructor(runtimePath: string, root: string) {
    this.path = runtimePath;
    this.root = root;
    this.#startsThroughFifo = path.basename(runtimePath) === 'runc';
  }

  /**
   * Runs the command of a created container whose init process is `initPid`:
   * for runc itself through its exec fifo (exec-fifo.ts: no process spawned),
   * else with the `start` verb. Only runc: crun keeps an exec.fifo too, with
   * the other end's protocol (its start writes, its init reads).
   */
  async start(id: string, initPid: number): Promise<void> {
    const fifo = this.#startsThroughFifo && initPid > 0 ? execFifoPath(this.root, id) : undefined;
    if (fifo) {
      await startThroughFifo(fifo, initPid, CALL_TIMEOUT_MS).catch((err: Error) => {
        throw classifyRuntimeError('start', err.message);
      });
    } else {
      await this.#run(['start', id], undefined, true);
    }
  }

  /** signal: a name without SIG ("TERM") or a number. `all` signals every process of the container. */
  async kill(id: string, signal: string, all = false): Promise<void> {
    await this.#run(['kill', ...(all ? ['--all'] : []), id, signal], undefined, true);
  }

  async pause(id: string): Promise<void> {
    await this.#run(['pause', id]);
  }

  async resume(id: string): Promise<void> {
    await this.#run(['resume', id]);
  }

  /**
   * Removes the runtime's record of the container; `force` kills it first.
   * Missing container is not an error, and costs no process: runc keeps one
   * directory per container under its root (see `ids`).
   */
  async delete(id: string, force = true): Promise<void> {
    if (!fs.existsSync(path.join(this.root, id))) return;
    try {
      await this.#run(['delete', ...(force ? ['--force'] : []), id], undefined, true);
    } catch (err) {
      if (isNotExist(err)) return;
      throw err;
    }
  }

  /** Host pids of every process in the container. */
  async pids(id: string): Promise<number[]> {
    const out = await this.#run(['ps', '--format', 'json', id]);
    const parsed = JSON.parse(out || '[]') as number[] | null;
    return parsed ?? [];
  }

  /**
   * Ids the runtime keeps state for under our root, read without running it:
   * runc (and crun) keep one directory per container there, which is all that
   * `runc list` reads. Used at startup, where a process and its launcher cost
   * more than the answer.
   */
  async ids(): Promise<string[]> {
    const entries = await fs.promises.readdir(this.root, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return [];
      throw err;
    });
    return entries.filter((e) => e.isDirectory()).map((e) => e.name);
  }

  /** `runc update --resources -`: applies cgroup limits to a running container (zero values leave a limit as it is). */
  async update(id: string, resources: OciResources): Promise<void> {
    await this.#run(['update', '--resources', '-', id], JSON.stringify(resources));
  }

  /** `quiet`: the verb's stdout is not read (runc writes its errors to stderr), so it is not piped. */
  async #run(args: string[], input?: string, quiet = false): Promise<string> {
    const result = await runHost(this.path, ['--root', this.root, ...args], { timeoutMs: CALL_TIMEOUT_MS, input, discardStdout: quiet });
    if (result.exitCode !== 0 || result.timedOut) {
      const detail = result.timedOut ? `timed out after ${CALL_TIMEOUT_MS} ms` : (result.stderr || result.stdout || (result.failure ?? '')).trim();
      throw goneIsNotRunning(classifyRuntimeError(`${args[0]}`, detail));
    }
    return result.stdout;
  }
}

/**
 * The verbs run on containers berth holds as active; the runtime forgetting
 * one means it just ended and conmon's exit command deleted it, before the
 * exit reached berth: a conflict (not running), not a missing container.
 */
function goneIsNotRunning(err: EngineError): EngineError {
  return err.code === 'BERTH_RUNTIME_NOT_FOUND' ? new EngineError('conflict', 'BERTH_RUNTIME_NOT_RUNNING', err.message) : err;
}

function isNotExist(err: unknown): boolean {
  return err instanceof Error && /does not exist|not found/i.test(err.message);
}

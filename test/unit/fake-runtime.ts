/**
 * A fake host for the engine unit tests: a RuntimePort that keeps its
 * containers in memory and writes exit files into the engine's exits
 * directory exactly as conmon does (the container id as the name, the exit
 * code as decimal text), and RootMounts that only remember what is
 * "mounted". The host outlives an engine, as the kernel and conmon outlive
 * berthd: a test can crash an engine, boot another on the same files and
 * host, and see what it reconciles.
 *
 * It also checks what a real runtime would refuse: a create whose root is
 * not mounted or whose bundle has no config.json, a second create of an
 * id the runtime still knows (a missing teardown), a signal to a process
 * that is gone.
 */
import fs from 'node:fs';
import path from 'node:path';
import { EngineError, notImplemented } from '../../src/engine/errors.js';
import type { CodeOfKind } from '../../src/engine/error-codes.js';
import type { ExecConmon } from '../../src/engine/runtime/conmon-exec.js';
import type { MountRootfsInput } from '../../src/engine/images/rootfs.js';
import type { CreateRequest, Created, RootMounts, RuntimePort } from '../../src/engine/runtime/port.js';
import type { OciResources } from '../../src/engine/runtime/oci-types.js';

/** `stopped`: the process is gone; the runtime keeps its record until delete. */
export type ProcState = 'created' | 'running' | 'paused' | 'stopped';

export interface FakeProc {
  state: ProcState;
  pid: number;
  monitorPid: number;
  /** False once the "conmon" died (no exit file will ever come). */
  monitorAlive: boolean;
  bundleDir: string;
  /** Signals a frozen process receives when thawed (all but SIGKILL). */
  pending: number[];
  timer?: NodeJS.Timeout;
}

/** How a container behaves once started. */
export interface Behaviour {
  /** Exits on its own this long after start (undefined: runs until signalled). */
  exitAfterMs?: number;
  /** Its own exit code. */
  exitCode?: number;
  /** Signals it ignores (a shell ignoring SIGTERM); SIGKILL is never ignored. */
  ignores?: number[];
}

export type RuntimeMethod = 'create' | 'start' | 'kill' | 'pause' | 'resume' | 'delete' | 'mount' | 'unmount' | 'update';

export class FakeHost {
  readonly procs = new Map<string, FakeProc>();
  readonly mounted = new Set<string>();
  /** Resources handed to `update`, in order. */
  readonly updates: Array<{ id: string; resources: OciResources }> = [];
  /** "method id" for every call, in order. */
  readonly calls: string[] = [];
  /** Per container id; `defaultBehaviour` otherwise. */
  readonly behaviours = new Map<string, Behaviour>();
  defaultBehaviour: Behaviour = {};
  /** Pids killed by killOrphan. */
  readonly orphansKilled: number[] = [];
  readonly exitsDir: string;
  #nextPid = 100_000;
  #crash: { method: RuntimeMethod; when: 'before' | 'after'; reached: () => void } | undefined;
  #failures = new Map<RuntimeMethod, Error>();

  constructor(exitsDir: string) {
    this.exitsDir = exitsDir;
  }

  /**
   * The next call of `method` never returns, as if the daemon died right
   * before (`before`: the call has no effect) or right after it took effect
   * (`after`). Resolves when that call is reached.
   */
  crashAt(method: RuntimeMethod, when: 'before' | 'after'): Promise<void> {
    return new Promise((reached) => (this.#crash = { method, when, reached }));
  }

  /** The next call of `method` fails with `err` (and has no effect). */
  failNext(method: RuntimeMethod, err: Error): void {
    this.#failures.set(method, err);
  }

  /** The process ends on its own with `code`: conmon writes the exit file. */
  exit(id: string, code: number): void {
    const proc = this.procs.get(id);
    if (!proc || !isAlive(proc)) return;
    clearTimeout(proc.timer);
    proc.state = 'stopped';
    if (proc.monitorAlive) fs.writeFileSync(path.join(this.exitsDir, id), String(code));
  }

  /** conmon dies without writing an exit file; the process itself may live on. */
  loseMonitor(id: string): void {
    const proc = this.procs.get(id);
    if (proc) proc.monitorAlive = false;
  }

  /** A machine reboot: processes, mounts and the (tmpfs) exits directory are gone. */
  reboot(): void {
    for (const proc of this.procs.values()) clearTimeout(proc.timer);
    this.procs.clear();
    this.mounted.clear();
    fs.rmSync(this.exitsDir, { recursive: true, force: true });
  }

  /** Ids whose process runs (created, running or paused). */
  alive(): string[] {
    return [...this.procs].filter(([, p]) => isAlive(p)).map(([id]) => id);
  }

  /**
   * Logs the call, throws a planned failure, and handles a planned crash:
   * `before` hangs here; `after` returns a function the method calls once
   * its effect is done, which hangs there. The crash counts as reached only
   * when the hang begins.
   */
  async #enter(method: RuntimeMethod, id: string): Promise<() => Promise<void>> {
    this.calls.push(`${method} ${id}`);
    const failure = this.#failures.get(method);
    if (failure) {
      this.#failures.delete(method);
      throw failure;
    }
    const crash = this.#crash;
    if (crash?.method !== method) return async () => {};
    this.#crash = undefined;
    const hang = () => {
      crash.reached();
      return never();
    };
    if (crash.when === 'before') await hang();
    return hang;
  }

  readonly runtime: RuntimePort = {
    create: async (req: CreateRequest): Promise<Created> => {
      const done = await this.#enter('create', req.id);
      if (this.procs.has(req.id)) throw runtimeError(`OCI runtime create failed: container with id ${req.id} exists already`);
      const config = JSON.parse(fs.readFileSync(path.join(req.bundleDir, 'config.json'), 'utf8')) as { root: { path: string } };
      if (!this.mounted.has(config.root.path)) throw runtimeError(`OCI runtime create failed: rootfs ${config.root.path} is not mounted`);
      // conmon's ctl fifo: a plain file here, so a test can read what was written to it.
      fs.writeFileSync(path.join(req.bundleDir, 'ctl'), '');
      const proc: FakeProc = { state: 'created', pid: this.#nextPid++, monitorPid: this.#nextPid++, monitorAlive: true, bundleDir: req.bundleDir, pending: [] };
      this.procs.set(req.id, proc);
      await done();
      return { pid: proc.pid, monitorPid: proc.monitorPid };
    },
    start: async (id) => {
      const done = await this.#enter('start', id);
      const proc = this.#proc(id);
      if (proc.state !== 'created') throw runtimeError(`cannot start a container that has stopped`);
      proc.state = 'running';
      const b = this.behaviours.get(id) ?? this.defaultBehaviour;
      if (b.exitAfterMs !== undefined) proc.timer = setTimeout(() => this.exit(id, b.exitCode ?? 0), b.exitAfterMs);
      await done();
    },
    kill: async (id, signal) => {
      const done = await this.#enter('kill', id);
      const proc = this.#proc(id);
      if (!isAlive(proc)) throw runtimeError('container not running');
      this.#signal(id, proc, Number(signal));
      await done();
    },
    pause: async (id) => {
      await this.#enter('pause', id);
      const proc = this.#proc(id);
      if (proc.state !== 'running') throw runtimeError('container not running');
      proc.state = 'paused';
    },
    update: async (id, resources) => {
      await this.#enter('update', id);
      const proc = this.#proc(id);
      if (!isAlive(proc)) throw runtimeError('container not running');
      this.updates.push({ id, resources });
    },
    resume: async (id) => {
      await this.#enter('resume', id);
      const proc = this.#proc(id);
      if (proc.state !== 'paused') throw runtimeError('container not paused');
      proc.state = 'running';
      for (const signal of proc.pending.splice(0)) this.#signal(id, proc, signal);
    },
    delete: async (id) => {
      const done = await this.#enter('delete', id);
      const proc = this.procs.get(id);
      if (proc && isAlive(proc)) this.exit(id, 137); // --force kills it; conmon reports the exit
      this.procs.delete(id);
      await done();
    },
    pids: async (id) => {
      const proc = this.procs.get(id);
      return proc && isAlive(proc) ? [proc.pid] : [];
    },
    list: async () => [...this.procs.keys()],
    monitorAlive: async (id, monitorPid) => {
      const proc = this.procs.get(id);
      return !!proc && proc.monitorAlive && proc.monitorPid === monitorPid && isAlive(proc);
    },
    killOrphan: (pid) => {
      this.orphansKilled.push(pid);
      for (const proc of this.procs.values()) {
        if (proc.pid !== pid) continue;
        clearTimeout(proc.timer);
        proc.state = 'stopped';
      }
    },
    exec: (): ExecConmon => {
      // A test-only code: the catalogue (error-codes.ts) lists the codes of src/.
      throw notImplemented('BERTH_TEST_NO_EXEC' as CodeOfKind<'not-implemented'>, 'the fake runtime does not run exec sessions');
    },
  };

  readonly mounts: RootMounts = {
    mount: async (input: MountRootfsInput) => {
      const done = await this.#enter('mount', input.mergedDir);
      this.mounted.add(input.mergedDir);
      await done();
    },
    unmount: async (merged: string) => {
      const done = await this.#enter('unmount', merged);
      this.mounted.delete(merged);
      await done();
    },
    isMounted: async (merged: string) => this.mounted.has(merged),
  };

  #proc(id: string): FakeProc {
    const proc = this.procs.get(id);
    if (!proc) throw runtimeError(`container ${id} does not exist`);
    return proc;
  }

  #signal(id: string, proc: FakeProc, signal: number): void {
    // SIGKILL ends even a frozen process (removing a paused container does not wait for a thaw);
    // any other signal waits until the process is thawed.
    if (proc.state === 'paused' && signal !== 9) {
      proc.pending.push(signal);
      return;
    }
    const b = this.behaviours.get(id) ?? this.defaultBehaviour;
    if (signal !== 9 && b.ignores?.includes(signal)) return;
    this.exit(id, 128 + signal);
  }
}

function isAlive(proc: FakeProc): boolean {
  return proc.state === 'created' || proc.state === 'running' || proc.state === 'paused';
}

function runtimeError(message: string): EngineError {
  return new EngineError('system', 'BERTH_RUNTIME_FAILED', message);
}

function never(): Promise<never> {
  return new Promise(() => {});
}

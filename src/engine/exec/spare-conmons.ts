/**
 * One exec conmon kept ready per running container that has had a plain
 * exec (no TTY, no stdin: health probes, `docker exec ctr cmd`, test
 * frameworks' exec calls). conmon's startup (its spawn, dynamic linking,
 * attach socket: 5–10 ms) then never sits between a client's exec start
 * and its process: the next plain exec created in that container takes the
 * spare as its own (the spare's session id becomes the exec's id), and a
 * new spare is spawned while that exec's runtime runs.
 *
 * A spare is a prepared conmon (prepared-conmon.ts) that no session owns
 * yet: it has had its first start byte and runs nothing before its second,
 * and its process spec file stays empty until a start writes it. Costs:
 * two idle processes (conmon and its waiting child: 2.8 MiB resident, 0.9
 * MiB proportional, the rest shared libraries) and four pipe fds in berthd
 * per container that had an exec in the last SPARE_IDLE_MS (a container
 * probed for health more often keeps one as long as it runs). A spare goes
 * when its container stops or is removed, when it was idle that long, and
 * with the daemon's shutdown; if the daemon dies, the spare ends on its own
 * (see prepared-conmon.ts).
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { ContainerContext } from '../containers/context.js';
import { canTransition } from '../model/lifecycle.js';
import { prepareConmon, type PreparedConmon } from './prepared-conmon.js';

/** How long a container's spare waits for an exec before it is discarded. */
export const SPARE_IDLE_MS = 60_000;

/** A spare taken by an exec create: the session's id, directory and conmon. */
export interface TakenSpare {
  id: string;
  bundleDir: string;
  prepared: PreparedConmon;
}

interface Spare extends TakenSpare {
  expiry: NodeJS.Timeout;
}

/** Whether an exec can run on a spare: spares are spawned without a terminal and without stdin. */
export function fitsSpare(opts: { tty: boolean; attachStdin: boolean }): boolean {
  return !opts.tty && !opts.attachStdin;
}

export class SpareConmons {
  readonly #spares = new Map<string, Spare>();
  readonly #ctx: ContainerContext;
  #closed = false;

  constructor(ctx: ContainerContext) {
    this.#ctx = ctx;
  }

  /** The container's spare, now owned by the caller; null when it has none (or only one whose conmon died or failed). */
  take(containerId: string): TakenSpare | null {
    const spare = this.#spares.get(containerId);
    if (!spare) return null;
    this.#spares.delete(containerId);
    clearTimeout(spare.expiry);
    if (!spare.prepared.usable) {
      spare.prepared.discard();
      return null;
    }
    return { id: spare.id, bundleDir: spare.bundleDir, prepared: spare.prepared };
  }

  /**
   * Spawns a spare for the container unless it has one, could not run an
   * exec now, or its process is gone (its exit is being recorded). Best
   * effort, never throws: a conmon that cannot be spawned only means the
   * next exec spawns its own.
   */
  replenish(containerId: string): void {
    if (this.#closed || this.#spares.has(containerId)) return;
    let prepared: PreparedConmon;
    const id = randomBytes(32).toString('hex');
    const bundleDir = path.join(this.#ctx.paths.execSessionsDir(containerId), id);
    try {
      const row = this.#ctx.repo.get(containerId);
      if (!row || !canTransition('exec', row.state.status) || !processAlive(row.state.pid)) return;
      prepared = prepareConmon(this.#ctx, { containerId, sessionId: id, bundleDir, terminal: false, stdin: false });
    } catch (err) {
      this.#ctx.log.debug({ container: containerId, err }, 'exec: no spare conmon');
      return;
    }
    const expiry = setTimeout(() => this.drop(containerId), SPARE_IDLE_MS);
    expiry.unref();
    this.#spares.set(containerId, { id, bundleDir, prepared, expiry });
  }

  /** Discards the container's spare (its container stopped or went). */
  drop(containerId: string): void {
    const spare = this.#spares.get(containerId);
    if (!spare) return;
    this.#spares.delete(containerId);
    clearTimeout(spare.expiry);
    spare.prepared.discard();
  }

  /** Discards every spare (the daemon shuts down); spawns none after. */
  close(): void {
    this.#closed = true;
    for (const containerId of [...this.#spares.keys()]) this.drop(containerId);
  }
}

/**
 * Whether the container's process still exists. A container whose process
 * exited stays `running` in its record while its runtime is torn down
 * (exit-path.ts), and a spare spawned then would race the bundle's removal.
 */
function processAlive(pid: number): boolean {
  if (pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

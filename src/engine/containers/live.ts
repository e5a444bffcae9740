/**
 * What the engine knows about a container only while it runs, in memory:
 * never in the database, gone with the daemon. One entry per container id,
 * made on first use and dropped when the container is removed, so nothing
 * outlives its container. The whole table sits on the container context
 * (`ctx.live`): one engine, one table, no module globals.
 *
 * After a daemon restart every entry starts empty: a restart backoff starts
 * over, host mounts are owned by startup reconciliation, and a terminal
 * size asked for before a start that never came is forgotten.
 */
import type { OciSpec } from '../runtime/oci-types.js';

export interface LiveState {
  /** A terminal size asked for before start; sent to conmon right after create. */
  pendingSize: { height: number; width: number } | undefined;
  /** Host users holding the container's root mounted (`POST /containers/{id}/mount`). */
  hostMounts: number;
  /** The restart policy's last backoff delay (0 = none yet). */
  backoffMs: number;
  /** The armed restart-policy timer, if the container waits out its backoff. */
  restartTimer: NodeJS.Timeout | undefined;
  /**
   * The process of the container's config.json, read once per start for its
   * execs (the file holds the whole seccomp profile); `startedAt` names the
   * start it belongs to, since each start writes the bundle anew.
   */
  execBase: { startedAt: string; process: OciSpec['process'] } | undefined;
}

export class LiveStates {
  readonly #byId = new Map<string, LiveState>();
  /** Names taken by creates in flight (not yet inserted), so two never draw the same one. */
  readonly pendingNames = new Set<string>();
  /** Restart timers asked for while restarts are held (daemon startup), armed at release. */
  #held: Array<() => void> | undefined;

  /**
   * Holds restart-policy timers until releaseRestarts: a restart armed while
   * the daemon reconciles would set up its network beside the startup's
   * sweep of namespaces and runs that belong to no live container.
   */
  holdRestarts(): void {
    this.#held ??= [];
  }

  /** Arms `arm` now, or at releaseRestarts when restarts are held. */
  whenRestartsAllowed(arm: () => void): void {
    if (this.#held) this.#held.push(arm);
    else arm();
  }

  /** Ends the hold and arms what waited, in order. */
  releaseRestarts(): void {
    const held = this.#held ?? [];
    this.#held = undefined;
    for (const arm of held) arm();
  }

  /** The container's entry, made empty on first use. */
  of(id: string): LiveState {
    let state = this.#byId.get(id);
    if (!state) this.#byId.set(id, (state = { pendingSize: undefined, hostMounts: 0, backoffMs: 0, restartTimer: undefined, execBase: undefined }));
    return state;
  }

  /** The entry if there is one (reads that must not create one). */
  peek(id: string): LiveState | undefined {
    return this.#byId.get(id);
  }

  /** Disarms the restart timer, if any. */
  cancelRestart(id: string): void {
    const state = this.#byId.get(id);
    if (!state?.restartTimer) return;
    clearTimeout(state.restartTimer);
    state.restartTimer = undefined;
  }

  /** Forgets a removed container (its timer is disarmed). */
  drop(id: string): void {
    this.cancelRestart(id);
    this.#byId.delete(id);
  }

  /** Disarms every timer (daemon shutdown). */
  close(): void {
    for (const id of this.#byId.keys()) this.cancelRestart(id);
  }

  /** Ids with an entry (tests check that removal leaves none). */
  ids(): string[] {
    return [...this.#byId.keys()];
  }
}

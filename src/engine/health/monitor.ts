/**
 * Runs health checks: one schedule per running container that has a
 * probe. Each probe is an exec session (stdout and stderr, no stdin); its
 * session is forgotten once its result is read, so a probe leaves no
 * conmon, no exec directory and no ExecID behind. Results go into the
 * container's state row (State.Health) under its lock, so they survive a
 * daemon restart; a status change emits `health_status: <status>`.
 *
 * The schedule follows the container through the event bus — `start`
 * begins it (State.Health back to starting), `die`/`stop`/`destroy` end it
 * — so it does not depend on how the lifecycle verbs are written. At
 * daemon start, running containers resume their schedule with their stored
 * health.
 */
import type { ExecApi } from '../api.js';
import { eventAttributes, type ContainerContext } from '../containers/context.js';
import { rfc3339Nano } from '../time.js';
import type { HealthLogEntry } from '../model/container.js';
import { withContainerLock } from '../locks.js';
import { canTransition, isRunning } from '../model/lifecycle.js';
import { applyResult, goDuration, healthAtStart, MAX_OUTPUT_BYTES, probeOf, type Probe } from './schedule.js';

export interface HealthExec extends ExecApi {
  /** Drops an ended session at once. */
  forget(id: string): void;
}

interface Watch {
  timer: NodeJS.Timeout | null;
  stopped: boolean;
}

export class HealthMonitor {
  #watches = new Map<string, Watch>();
  #unsubscribe: (() => void) | null = null;

  constructor(
    private readonly ctx: ContainerContext,
    private readonly exec: HealthExec,
  ) {}

  /** Subscribes to lifecycle events and resumes the schedules of running containers. */
  start(): void {
    this.#unsubscribe = this.ctx.events.subscribe((e) => {
      if (e.type !== 'container') return;
      if (e.action === 'start') void this.#begin(e.id, true);
      else if (e.action === 'die' || e.action === 'stop' || e.action === 'destroy') this.#end(e.id);
    });
    for (const row of this.ctx.repo.all()) {
      if (isRunning(row.state.status) && probeOf(row.spec.healthcheck)) void this.#begin(row.id, false);
    }
  }

  close(): void {
    this.#unsubscribe?.();
    for (const id of [...this.#watches.keys()]) this.#end(id);
  }

  /** Containers with a live schedule (for tests and leak checks). */
  watching(): string[] {
    return [...this.#watches.keys()];
  }

  async #begin(id: string, reset: boolean): Promise<void> {
    // Most containers have no healthcheck: their start costs no read of the state.
    const probe = probeOf(this.ctx.repo.spec(id)?.healthcheck);
    const row = probe && this.ctx.repo.get(id);
    if (!row || !probe) return;
    this.#end(id);
    const watch: Watch = { timer: null, stopped: false };
    this.#watches.set(id, watch);
    if (reset || !row.state.health) {
      await withContainerLock(this.ctx.mutex, id, async () => {
        const now = this.ctx.repo.get(id);
        if (now && !watch.stopped) this.ctx.repo.saveState(id, { ...now.state, health: healthAtStart(now.state.health) });
      });
    }
    this.#schedule(id, watch, probe);
  }

  #end(id: string): void {
    const watch = this.#watches.get(id);
    if (!watch) return;
    watch.stopped = true;
    if (watch.timer) clearTimeout(watch.timer);
    this.#watches.delete(id);
  }

  #schedule(id: string, watch: Watch, probe: Probe): void {
    if (watch.stopped) return;
    watch.timer = setTimeout(() => {
      watch.timer = null;
      void this.#probe(id, watch, probe)
        .catch((err: unknown) => this.ctx.log.warn({ err, id }, 'health probe failed to run'))
        .finally(() => this.#schedule(id, watch, probe));
    }, probe.intervalMs);
    watch.timer.unref();
  }

  async #probe(id: string, watch: Watch, probe: Probe): Promise<void> {
    const row = this.ctx.repo.get(id);
    // A paused container is not probed (an exec cannot run in it).
    if (!row || !canTransition('exec', row.state.status)) return;
    const result = await this.#run(id, probe);
    if (watch.stopped) return;
    await withContainerLock(this.ctx.mutex, id, async () => {
      const now = this.ctx.repo.get(id);
      if (!now || watch.stopped || !isRunning(now.state.status)) return;
      const before = now.state.health ?? healthAtStart(null);
      const after = applyResult(before, result, probe, Date.parse(now.state.startedAt));
      this.ctx.repo.saveState(id, { ...now.state, health: after });
      if (after.status !== before.status) {
        this.ctx.events.emit({ type: 'container', action: `health_status: ${after.status}`, id, attributes: eventAttributes(now) });
      }
    });
  }

  /** One probe as an exec session; a timeout kills it and reads as exit code -1. */
  async #run(id: string, probe: Probe): Promise<HealthLogEntry> {
    const start = rfc3339Nano();
    const { id: execId } = await this.exec.create(id, {
      cmd: probe.cmd,
      env: [],
      workingDir: '',
      user: '',
      tty: false,
      attachStdin: false,
      attachStdout: true,
      attachStderr: true,
      privileged: false,
      detachKeys: '',
    });
    try {
      const session = await this.exec.start(execId, { detach: false, consoleSize: null });
      const chunks: Buffer[] = [];
      let size = 0;
      const read = (async () => {
        for await (const c of session!.output) {
          if (size < MAX_OUTPUT_BYTES) chunks.push(c.data.subarray(0, MAX_OUTPUT_BYTES - size));
          size += c.data.length;
        }
      })();
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        read.then(() => false),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), probe.timeoutMs))),
      ]).finally(() => clearTimeout(timer));
      if (timedOut) {
        const { pid } = await this.exec.inspect(execId);
        if (pid > 0)
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            /* already gone */
          }
        session!.detach();
        return { start, end: rfc3339Nano(), exitCode: -1, output: `Health check exceeded timeout (${goDuration(probe.timeoutMs)})` };
      }
      const { exitCode } = await this.exec.inspect(execId);
      return { start, end: rfc3339Nano(), exitCode: exitCode ?? -1, output: Buffer.concat(chunks).toString() };
    } finally {
      this.exec.forget(execId);
    }
  }
}

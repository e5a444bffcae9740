/**
 * Events of container verbs that change nothing in the state database
 * (export, archive reads and writes, top, resize), of `docker restart`
 * (after its own stop and start events) and of exec sessions, as
 * dockerd logs them. They wrap the facade instead of living in each verb so
 * that the verbs stay about their one concern; each emits after the verb
 * succeeded. Exec: `exec_create: <cmd>` / `exec_start: <cmd>` with the
 * execID attribute; exec_die is emitted by the exec service when the
 * process ends (execExitEvent).
 */
import type { ContainerFilesApi } from '../api/files.js';
import type { ContainersApi } from '../api/containers.js';
import type { ExecApi } from '../api/exec.js';
import type { ContainerContext } from './context.js';
import { eventAttributes } from './context.js';
import { findContainer } from './resolve.js';
import { isRunning } from '../model/lifecycle.js';
import type { ContainerAction } from '../events/event-bus.js';

/** The container's id, resolved before the verb runs (so a rename meanwhile does not matter); '' when unknown. */
function idOf(ctx: ContainerContext, ref: string): string {
  try {
    return findContainer(ctx, ref).id;
  } catch {
    return '';
  }
}

function emitFor(ctx: ContainerContext, id: string, action: ContainerAction, extra: Record<string, string> = {}): void {
  const row = id ? ctx.repo.get(id) : undefined;
  if (row) ctx.events.emit({ type: 'container', action, id: row.id, attributes: eventAttributes(row, extra) });
}

export function withFileEvents(ctx: ContainerContext, files: ContainerFilesApi): ContainerFilesApi {
  return {
    ...files,
    async export(ref) {
      const id = idOf(ctx, ref);
      const out = await files.export(ref);
      emitFor(ctx, id, 'export');
      return out;
    },
    async getArchive(ref, p) {
      const id = idOf(ctx, ref);
      const out = await files.getArchive(ref, p);
      emitFor(ctx, id, 'archive-path');
      return out;
    },
    async putArchive(ref, p, source, opts) {
      const id = idOf(ctx, ref);
      await files.putArchive(ref, p, source, opts);
      emitFor(ctx, id, 'extract-to-dir');
    },
  };
}

export function withContainerVerbEvents(ctx: ContainerContext, containers: ContainersApi): ContainersApi {
  return {
    ...containers,
    async top(ref, psArgs) {
      const id = idOf(ctx, ref);
      const out = await containers.top(ref, psArgs);
      emitFor(ctx, id, 'top');
      return out;
    },
    async restart(ref, opts) {
      const id = idOf(ctx, ref);
      await containers.restart(ref, opts);
      emitFor(ctx, id, 'restart');
    },
    async resize(ref, height, width) {
      const id = idOf(ctx, ref);
      await containers.resize(ref, height, width);
      const row = ctx.repo.get(id);
      // dockerd resizes (and logs) only running containers.
      if (row && isRunning(row.state.status)) emitFor(ctx, id, 'resize', { height: String(height), width: String(width) });
    },
  };
}

/** dockerd writes the command as its path, a space, then the arguments: "true " for an exec without arguments. */
function execCommand(cmd: string[]): string {
  return `${cmd[0] ?? ''} ${cmd.slice(1).join(' ')}`;
}

export function withExecEvents(ctx: ContainerContext, exec: ExecApi): ExecApi {
  return {
    ...exec,
    async create(ref, opts) {
      const out = await exec.create(ref, opts);
      const view = await exec.inspect(out.id);
      // After this tick, in which the answer usually goes out (one held for the state sync goes later), and
      // before berthd reads the client's next request.
      setImmediate(() => emitFor(ctx, view.containerId, `exec_create: ${execCommand(opts.cmd)}`, { execID: out.id }));
      return out;
    },
    async start(id, opts) {
      const view = await exec.inspect(id);
      const out = await exec.start(id, opts);
      // Not in the way of a short process's output and end (its exit report often comes with the pid);
      // still before its exec_die, which is queued the same way once the process ended.
      setImmediate(() => emitFor(ctx, view.containerId, `exec_start: ${execCommand(view.cmd)}`, { execID: id }));
      return out;
    },
  };
}

/** exec_die, emitted by the exec service once the exit code is recorded. */
export function emitExecDie(ctx: ContainerContext, containerId: string, execId: string, exitCode: number): void {
  emitFor(ctx, containerId, 'exec_die', { execID: execId, exitCode: String(exitCode) });
}

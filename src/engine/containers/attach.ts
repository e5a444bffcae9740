/**
 * Attach. Output: what the container writes from the moment of the attach,
 * by following its log (conmon writes every byte there first), until the
 * container's next run ends or the client detaches. An attach before start
 * therefore loses nothing: the log is followed from the offset at attach
 * time. Partial lines pass through at once (prompts, echo of typed keys).
 * A client that stops reading only stops its own log reader: memory stays
 * bounded and neither the container nor other clients wait for it.
 *
 * Stdin (asked for, and the container has OpenStdin): bytes go to conmon's
 * attach socket through a detach-key matcher. An attach to a container that
 * is not running yet (`docker run -i`, `docker start -ai`) first has conmon
 * run `runc create` (status initialized), so stdin is wired before the
 * process runs and what the client sends early waits in the stdin pipe.
 */
import fs from 'node:fs/promises';
import type { AttachOptions, AttachSession, OutputChunk } from '../api/containers.js';
import { parseDetachKeys } from '../attach/detach-keys.js';
import { openStdinChannel, type StdinChannel } from '../attach/stdin-channel.js';
import { withContainerLock } from '../locks.js';
import { eventAttributes, type ContainerContext, type Row } from './context.js';
import { canTransition, ensureTransition, isActive, statusAfterUninit } from '../model/lifecycle.js';
import type { LogRecord } from './k8s-log.js';
import { readLogBatches } from './log-reader.js';
import { teardownRuntime } from './launch.js';
import { findContainer } from './resolve.js';
import { initLocked } from './start-locked.js';

/** Invalid detach keys are an invalid-parameter error (400), raised before anything is attached. */
export async function attachContainer(ctx: ContainerContext, ref: string, opts: AttachOptions): Promise<AttachSession> {
  const detachKeys = parseDetachKeys(opts.detachKeys);
  const row = findContainer(ctx, ref);
  ensureTransition('attach', row.state.status, row.id);
  const path = ctx.paths.logFile(row.id);
  const offset = opts.logs ? 0 : (await fs.stat(path).catch(() => ({ size: 0 }))).size;
  const detach = new AbortController();
  let channel: AttachStdin | null = null;
  if (opts.stdin && row.spec.openStdin) {
    channel = await connectStdin(ctx, row.id, detachKeys, () => {
      // The detach keys were typed (a client that just goes away is no detach for dockerd).
      ctx.events.emit({ type: 'container', action: 'detach', id: row.id, attributes: eventAttributes(row) });
      detach.abort();
    });
  }
  detach.signal.addEventListener(
    'abort',
    () => {
      channel?.close();
      void revertIfNeverStarted(ctx, row.id, channel?.initializedPid ?? 0);
    },
    { once: true },
  );
  // Done once a run has ended since the attach (an exit records a new finish time), or a start failed: dockerd
  // closes the streams then, and logs no event for it (the engine's internal start-failed says so).
  const finishedAtAttach = row.state.finishedAt;
  const watching = new AbortController();
  detach.signal.addEventListener('abort', () => watching.abort(), { once: true });
  let startFailed = false;
  // Registered before any reader's hint below, so the flag is set by the time a hint wakes the reader.
  void ctx.events.next('start-failed', row.id, watching.signal).then(
    () => void (startFailed = true),
    () => {},
  );
  const isDone = () => {
    const state = ctx.repo.get(row.id)?.state;
    return !state || startFailed || (!isActive(state.status) && state.finishedAt !== finishedAtAttach);
  };
  ctx.events.emit({ type: 'container', action: 'attach', id: row.id, attributes: eventAttributes(row) });
  async function* output(): AsyncGenerator<OutputChunk> {
    const batches = readLogBatches(path, {
      from: offset,
      pins: ctx.logKeeper.pins,
      follow: opts.stream,
      joinPartials: false,
      isDone,
      changed: (s) => ctx.events.nextOf(['die', 'start', 'start-failed'], row.id, s),
      signal: detach.signal,
    });
    try {
      for await (const batch of batches) {
        yield* coalesce(batch.filter((r) => (r.stream === 'stdout' ? opts.stdout : opts.stderr)));
      }
    } finally {
      channel?.close();
      watching.abort();
    }
  }
  return { tty: row.spec.tty, output: output(), stdin: channel?.stdin ?? null, detach: () => detach.abort() };
}

/**
 * One chunk per run of records of the same stream, copied out of the read
 * buffer: a chatty container then costs a few objects per read instead of
 * one per line, and what waits for a slow client pins no read buffers.
 */
function coalesce(records: LogRecord[]): OutputChunk[] {
  const out: OutputChunk[] = [];
  for (let i = 0; i < records.length;) {
    let j = i + 1;
    while (j < records.length && records[j].stream === records[i].stream) j += 1;
    out.push({ stream: records[i].stream, data: Buffer.concat(records.slice(i, j).map((r) => r.data)) });
    i = j;
  }
  return out;
}

/**
 * Wires stdin to conmon, first running `runc create` for a container that
 * has no process yet. Null when that is impossible (the container is
 * restarting, or its create failed: the start that follows reports why).
 */
async function connectStdin(ctx: ContainerContext, id: string, detachKeys: Buffer, onDetach: () => void): Promise<AttachStdin | null> {
  return withContainerLock(ctx.mutex, id, async (lock) => {
    let row: Row = findContainer(ctx, id);
    const wasStopped = canTransition('init', row.state.status);
    if (wasStopped) {
      row = await initLocked(ctx, lock, row).catch((err: unknown) => {
        ctx.log.debug({ err, id }, 'runtime create for an attach failed; start will report it');
        return row;
      });
    }
    if (!canTransition('attach-stdin', row.state.status)) return null;
    return openStdinChannel({
      bundleDir: ctx.paths.bundleDir(id),
      detachKeys,
      closeStdinOnEnd: row.spec.stdinOnce && !row.spec.tty,
      onDetach,
    })
      .then((channel) => ({ ...channel, initializedPid: wasStopped ? row.state.pid : 0 }))
      .catch((err: unknown) => {
        ctx.log.warn({ err, id }, 'could not connect to the attach socket: stdin is not forwarded');
        return null;
      });
  });
}

/** An attach's stdin, and the pid of the process this attach had created (0: it was running already). */
interface AttachStdin extends StdinChannel {
  initializedPid: number;
}

/**
 * A client that initialized a container and left before anyone started it
 * puts it back to what Docker shows (created, removable without force):
 * the runtime's container is deleted and the root unmounted.
 */
async function revertIfNeverStarted(ctx: ContainerContext, id: string, pid: number): Promise<void> {
  if (pid <= 0) return;
  await withContainerLock(ctx.mutex, id, async (lock) => {
    const row = ctx.repo.get(id);
    if (!row || !canTransition('uninit', row.state.status) || row.state.pid !== pid) return;
    await teardownRuntime(ctx, lock, row);
    ctx.repo.saveState(id, { ...row.state, status: statusAfterUninit(row.state), pid: 0, conmonPid: 0 });
  }).catch((err) => ctx.log.warn({ err, id }, 'undoing the runtime create of an abandoned attach'));
}

/**
 * Attach, output side: streams what the container writes from the moment of
 * the attach, by following its log (conmon writes every byte there first),
 * until the container's next run ends or the client detaches. An attach
 * before start therefore loses nothing: the log is followed from the offset
 * at attach time. Partial lines pass through at once (prompts, progress).
 *
 * Stdin and TTY interaction arrive with conmon's attach socket (streams issue).
 */
import fs from 'node:fs/promises';
import type { AttachOptions, AttachSession, OutputChunk } from '../api.js';
import { notImplemented } from '../errors.js';
import { eventAttributes, type ContainerContext } from './context.js';
import { ensureTransition, isActive } from './lifecycle.js';
import { readLog } from './log-reader.js';
import { findContainer } from './resolve.js';

export async function attachContainer(ctx: ContainerContext, ref: string, opts: AttachOptions): Promise<AttachSession> {
  const row = findContainer(ctx, ref);
  ensureTransition('attach', row.state.status, row.id);
  if (opts.stdin && row.spec.openStdin && !opts.stdout && !opts.stderr) {
    throw notImplemented('BERTH_ATTACH_STDIN', 'attaching stdin is not supported yet');
  }
  const path = ctx.paths.logFile(row.id);
  const offset = opts.logs ? 0 : (await fs.stat(path).catch(() => ({ size: 0 }))).size;
  const detach = new AbortController();
  // Done once a run has ended since the attach: an exit or a failed start both record a new finish time.
  const finishedAtAttach = row.state.finishedAt;
  const isDone = () => {
    const state = ctx.repo.get(row.id)?.state;
    return !state || (!isActive(state.status) && state.finishedAt !== finishedAtAttach);
  };
  ctx.events.emit({ type: 'container', action: 'attach', id: row.id, attributes: eventAttributes(row) });
  async function* output(): AsyncGenerator<OutputChunk> {
    const records = readLog(path, {
      from: offset,
      follow: opts.stream,
      joinPartials: false,
      isDone,
      changed: (s) => Promise.race([ctx.events.next('die', row.id, s), ctx.events.next('start', row.id, s)]),
      signal: detach.signal,
    });
    for await (const r of records) {
      if (r.stream === 'stdout' ? opts.stdout : opts.stderr) yield { stream: r.stream, data: r.content };
    }
  }
  return { tty: row.spec.tty, output: output(), stdin: null, detach: () => detach.abort() };
}

/**
 * Resize: writes "1 <height> <width>" to conmon's ctl fifo. Only TTY
 * containers have a terminal to size; for others Docker answers OK and does
 * nothing, and so does berth. A size sent to a `created` container (a
 * client that resizes before start) is remembered and sent to conmon right
 * after `runc create`, and `runc start` waits until the terminal has it
 * (conmon applies ctl messages in its own time), so the process starts with it.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { closeSync, constants, openSync } from 'node:fs';
import tty from 'node:tty';
import { invalid } from '../errors.js';
import type { ContainerContext } from './context.js';
import { canTransition, ensureTransition } from '../model/lifecycle.js';
import { findContainer } from './resolve.js';
import { pollUntil } from '../time.js';

const MAX_DIMENSION = 65535;

export async function resizeContainer(ctx: ContainerContext, ref: string, height: number, width: number): Promise<void> {
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 0 || width < 0 || height > MAX_DIMENSION || width > MAX_DIMENSION) {
    throw invalid('BERTH_RESIZE_BAD_SIZE', `invalid terminal size ${height}x${width}`);
  }
  const row = findContainer(ctx, ref);
  if (row.spec.tty && canTransition('resize-before-start', row.state.status)) {
    ctx.live.of(row.id).pendingSize = { height, width }; // the last one wins
    return;
  }
  ensureTransition('resize', row.state.status, row.id);
  if (!row.spec.tty) return;
  await writeCtl(ctx, row.id, height, width);
}

/** How long start waits for conmon to apply the size remembered before start. */
const INITIAL_SIZE_WAIT_MS = 2_000;

/**
 * Sends the size remembered before start, if any (called with conmon's ctl
 * fifo in place and the container's init, `pid`, waiting on its terminal),
 * and waits until the terminal has it.
 */
export async function applyPendingSize(ctx: ContainerContext, id: string, pid: number): Promise<void> {
  const live = ctx.live.peek(id);
  const size = live?.pendingSize;
  if (!live || !size) return;
  live.pendingSize = undefined;
  try {
    await writeCtl(ctx, id, size.height, size.width);
    if (!(await terminalHasSize(pid, size, INITIAL_SIZE_WAIT_MS))) ctx.log.warn({ id, size }, 'conmon did not apply the initial terminal size in time');
  } catch (err) {
    ctx.log.warn({ err, id }, 'initial terminal size not applied');
  }
}

/** Polls the size of the terminal on `pid`'s stdin (its pty slave) until it is `size`; false after `ms`. */
async function terminalHasSize(pid: number, size: { height: number; width: number }, ms: number): Promise<boolean> {
  return pollUntil(
    () => {
      const now = terminalSize(pid);
      return !now || (now.columns === size.width && now.rows === size.height); // not a terminal: nothing to wait for
    },
    { everyMs: 5, timeoutMs: ms },
  );
}

/** The window size of `pid`'s stdin terminal, read afresh (a tty.WriteStream caches it from its creation). */
function terminalSize(pid: number): { columns: number; rows: number } | undefined {
  const fd = openSync(`/proc/${pid}/fd/0`, constants.O_RDWR | constants.O_NOCTTY | constants.O_NONBLOCK);
  if (!tty.isatty(fd)) {
    closeSync(fd);
    return undefined;
  }
  const term = new tty.WriteStream(fd);
  try {
    const [columns, rows] = term.getWindowSize();
    return { columns, rows };
  } finally {
    term.destroy();
  }
}

async function writeCtl(ctx: ContainerContext, id: string, height: number, width: number): Promise<void> {
  const handle = await fs.open(path.join(ctx.paths.bundleDir(id), 'ctl'), constants.O_WRONLY | constants.O_NONBLOCK);
  try {
    await handle.write(`1 ${height} ${width}\n`);
  } finally {
    await handle.close();
  }
}

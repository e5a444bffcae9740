/**
 * Resize: writes "1 <height> <width>" to conmon's ctl fifo. Only TTY
 * containers have a terminal to size; for others Docker answers OK and does
 * nothing, and so does berth. A size sent to a `created` container (a
 * client that resizes before start) is remembered and sent to conmon right
 * after `runc create`, so the process starts with it.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { constants } from 'node:fs';
import { invalid } from '../errors.js';
import type { ContainerContext } from './context.js';
import { canTransition, ensureTransition } from './lifecycle.js';
import { findContainer } from './resolve.js';

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

/** Sends the size remembered before start, if any (called with conmon's ctl fifo in place). */
export async function applyPendingSize(ctx: ContainerContext, id: string): Promise<void> {
  const live = ctx.live.peek(id);
  const size = live?.pendingSize;
  if (!live || !size) return;
  live.pendingSize = undefined;
  await writeCtl(ctx, id, size.height, size.width).catch((err) => ctx.log.warn({ err, id }, 'initial terminal size not applied'));
}

async function writeCtl(ctx: ContainerContext, id: string, height: number, width: number): Promise<void> {
  const handle = await fs.open(path.join(ctx.paths.bundleDir(id), 'ctl'), constants.O_WRONLY | constants.O_NONBLOCK);
  try {
    await handle.write(`1 ${height} ${width}\n`);
  } finally {
    await handle.close();
  }
}

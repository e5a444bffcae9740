/**
 * Resize: writes "1 <height> <width>" to conmon's ctl fifo. Only TTY
 * containers have a terminal to size; for others Docker answers OK and does
 * nothing, and so does berth.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { constants } from 'node:fs';
import { invalid } from '../errors.js';
import type { ContainerContext } from './context.js';
import { ensureTransition } from './lifecycle.js';
import { findContainer } from './resolve.js';

const MAX_DIMENSION = 65535;

export async function resizeContainer(ctx: ContainerContext, ref: string, height: number, width: number): Promise<void> {
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 0 || width < 0 || height > MAX_DIMENSION || width > MAX_DIMENSION) {
    throw invalid('BERTH_RESIZE_BAD_SIZE', `invalid terminal size ${height}x${width}`);
  }
  const row = findContainer(ctx, ref);
  ensureTransition('resize', row.state.status, row.id);
  if (!row.spec.tty) return;
  const handle = await fs.open(path.join(ctx.paths.bundleDir(row.id), 'ctl'), constants.O_WRONLY | constants.O_NONBLOCK);
  try {
    await handle.write(`1 ${height} ${width}\n`);
  } finally {
    await handle.close();
  }
}

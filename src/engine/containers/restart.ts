/** Restart: stop if running (same rules as stop), then start. */
import { isEngineError } from '../errors.js';
import type { ContainerContext } from './context.js';
import { ensureTransition } from '../model/lifecycle.js';
import { findContainer } from './resolve.js';
import { startContainer } from './start.js';
import { stopContainer, type StopOptions } from './stop.js';

export async function restartContainer(ctx: ContainerContext, ref: string, opts: StopOptions): Promise<void> {
  const row = findContainer(ctx, ref);
  ensureTransition('restart', row.state.status, row.id);
  try {
    await stopContainer(ctx, ref, opts);
  } catch (err) {
    if (!isEngineError(err, 'not-modified')) throw err;
  }
  await startContainer(ctx, ref);
}

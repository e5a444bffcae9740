/**
 * The seed's `Mount()`: mounting a container's root filesystem for the host.
 *
 * The root is the container's own overlay mount at `<containerDir>/merged`
 * (inspect's GraphDriver.Data.MergedDir). Host mounts are counted per
 * container, in memory: `unmount` only drops the mount when the last host
 * user is gone AND the container is not running (its process needs it);
 * the container's own teardown (stop, exit) leaves it mounted while host
 * users remain. Removing the container releases everything. Counts do not
 * survive a daemon restart (startup reconciliation then owns the mounts).
 */
import { withContainerLock } from '../locks.js';
import { isMounted, mountRootfs, unmountRootfs } from '../images/rootfs.js';
import { containerFiles } from '../paths.js';
import type { ContainerContext, Row } from './context.js';
import { findContainer } from './resolve.js';

const counts = new WeakMap<ContainerContext, Map<string, number>>();

function table(ctx: ContainerContext): Map<string, number> {
  let t = counts.get(ctx);
  if (!t) counts.set(ctx, (t = new Map<string, number>()));
  return t;
}

/** How many host users hold the container's root mounted. */
export function hostMountCount(ctx: ContainerContext, id: string): number {
  return table(ctx).get(id) ?? 0;
}

/** The container's process uses the root mount in these states. */
function usesRoot(row: Row): boolean {
  return row.state.status === 'running' || row.state.status === 'paused' || row.state.status === 'initialized';
}

/** Mounts (or reuses) the container's root and counts one more host user. Returns the host path. */
export async function mountContainer(ctx: ContainerContext, ref: string): Promise<string> {
  const { id } = findContainer(ctx, ref);
  return withContainerLock(ctx.mutex, id, async () => {
    const row = findContainer(ctx, id);
    const files = containerFiles(ctx.paths.containerDir(row.id));
    const image = ctx.images.resolve(row.spec.imageId);
    await mountRootfs({ overlayRoot: ctx.images.overlayRoot, lowers: ctx.images.lowerDirs(image), upperDir: files.upper, workDir: files.work, mergedDir: files.merged });
    table(ctx).set(row.id, hostMountCount(ctx, row.id) + 1);
    return files.merged;
  });
}

/** Drops one host user; unmounts when none is left and the container does not run. Not mounted by the host → no-op. */
export async function unmountContainer(ctx: ContainerContext, ref: string): Promise<void> {
  const { id } = findContainer(ctx, ref);
  await withContainerLock(ctx.mutex, id, async () => {
    const row = findContainer(ctx, id);
    const left = Math.max(0, hostMountCount(ctx, row.id) - 1);
    if (left > 0) return void table(ctx).set(row.id, left);
    table(ctx).delete(row.id);
    if (!usesRoot(row)) await unmountRootfs(containerFiles(ctx.paths.containerDir(row.id)).merged);
  });
}

/** For removal (under the container's lock): forgets host users and unmounts the root. */
export async function releaseHostMounts(ctx: ContainerContext, id: string): Promise<void> {
  table(ctx).delete(id);
  const merged = containerFiles(ctx.paths.containerDir(id)).merged;
  if (await isMounted(merged)) await unmountRootfs(merged);
}

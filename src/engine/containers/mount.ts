/**
 * The seed's `Mount()`: mounting a container's root filesystem for the host.
 *
 * The root is the container's own overlay mount at `<containerDir>/merged`
 * (inspect's GraphDriver.Data.MergedDir). Host mounts are counted per
 * container, in memory (`ctx.live`): `unmount` only drops the mount when the last host
 * user is gone AND the container is not running (its process needs it);
 * the container's own teardown (stop, exit) leaves it mounted while host
 * users remain. Removing the container releases everything. Counts do not
 * survive a daemon restart (startup reconciliation then owns the mounts).
 * While the count is above zero a marker file (containerFiles().hostMounted)
 * tells conmon's exit command to leave the root mounted; one left by a
 * crash only costs an unmount by berthd, which then drops it.
 */
import fsp from 'node:fs/promises';
import { withContainerLock } from '../locks.js';
import { removeFile } from '../host/remove-tree.js';
import { containerFiles } from '../paths.js';
import type { ContainerContext, Row } from './context.js';
import { containerLowers } from './init-layer.js';
import { isActive } from '../model/lifecycle.js';
import { findContainer } from './resolve.js';

/** Mounts (or reuses) the container's root and counts one more host user. Returns the host path. */
export async function mountContainer(ctx: ContainerContext, ref: string): Promise<string> {
  const { id } = findContainer(ctx, ref);
  return withContainerLock(ctx.mutex, id, async () => {
    const row = findContainer(ctx, id);
    const files = containerFiles(ctx.paths.containerDir(row.id));
    const live = ctx.live.of(row.id);
    // The marker first: an exit command that has not looked for it yet leaves the root mounted; one
    // that may have looked already is waited for (its exit file still waits to be moved), after which
    // mountRoot mounts again what it unmounted.
    if (live.hostMounts === 0) await fsp.writeFile(files.hostMounted, '');
    await ctx.exitWatcher.untilMoved(row.id);
    await mountRoot(ctx, row);
    live.hostMounts += 1;
    return files.merged;
  });
}

/** Mounts the container's root (already mounted → no-op): its upper dir over its init layer and the image's layers. */
export async function mountRoot(ctx: ContainerContext, row: Row): Promise<void> {
  const files = containerFiles(ctx.paths.containerDir(row.id));
  await ctx.rootMounts.mount({
    overlayRoot: ctx.images.overlayRoot,
    lowers: await containerLowers(ctx.images, { id: row.spec.imageId }),
    upperDir: files.upper,
    workDir: files.work,
    mergedDir: files.merged,
  });
}

/** Drops one host user; unmounts when none is left and the container does not run. Not mounted by the host → no-op. */
export async function unmountContainer(ctx: ContainerContext, ref: string): Promise<void> {
  const { id } = findContainer(ctx, ref);
  await withContainerLock(ctx.mutex, id, async () => {
    const row = findContainer(ctx, id);
    const live = ctx.live.peek(row.id);
    const left = Math.max(0, (live?.hostMounts ?? 0) - 1);
    if (live) live.hostMounts = left;
    if (left > 0) return;
    const files = containerFiles(ctx.paths.containerDir(row.id));
    await removeHostMountMarker(files);
    // The container's process, if any, uses the root mount.
    if (!isActive(row.state.status)) await ctx.rootMounts.unmount(files.merged);
  });
}

/** For removal (under the container's lock): forgets host users and unmounts the root. */
export async function releaseHostMounts(ctx: ContainerContext, id: string): Promise<void> {
  const live = ctx.live.peek(id);
  if (live) live.hostMounts = 0;
  const { merged, hostMounted } = containerFiles(ctx.paths.containerDir(id));
  if (await ctx.rootMounts.isMounted(merged)) await ctx.rootMounts.unmount(merged);
  await removeHostMountMarker({ hostMounted });
}

/** Tells conmon's exit command that no host user keeps the root mounted any more. */
export async function removeHostMountMarker(files: { hostMounted: string }): Promise<void> {
  await removeFile(files.hostMounted);
}

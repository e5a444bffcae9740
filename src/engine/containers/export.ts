/**
 * `docker export`: a tar of the container's root filesystem, streamed.
 *
 * berth never exports through the container's own `merged` mount: that one
 * belongs to the container's lifecycle (a stop unmounts it; a busy export
 * must neither block that nor keep it alive, and a temporary mount there
 * could be unmounted under a container that starts meanwhile). Instead it
 * mounts a private read-only overlay whose lower dirs are the container's
 * upper dir on top of the image's layers — the same view, whiteouts and
 * opaque dirs included — at a fresh dir under the exec root, and unmounts
 * it when the stream ends, fails or the client goes away. Each export has
 * its own mount, so nothing is shared and nothing needs counting.
 *
 * The snapshot is mounted by the one overlay helper (images/rootfs.ts,
 * read-only variant); the tar is written by the host's GNU tar
 * (host/tar.ts; never a binary from the container), names read
 * NUL-separated and verbatim from stdin.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { systemError } from '../errors.js';
import { buildTarCreateArgs, spawnTar, type TarChild } from '../host/tar.js';
import { mountOverlay, unmountRootfs, type ReadOnlyOverlay } from '../images/rootfs.js';
import { containerFiles } from '../paths.js';
import type { ContainerContext } from './context.js';
import { containerLowers } from './init-layer.js';
import { findContainer } from './resolve.js';

/** Mounts the container's current root read-only at a new dir; returns it. */
export async function mountSnapshot(ctx: ContainerContext, containerId: string, imageId: string): Promise<string> {
  const image = ctx.images.resolve(imageId);
  const upper = containerFiles(ctx.paths.containerDir(containerId)).upper;
  await fs.mkdir(upper, { recursive: true, mode: 0o700 });
  const base = path.join(ctx.paths.execRoot, 'snapshots');
  await fs.mkdir(base, { recursive: true, mode: 0o700 });
  const target = await fs.mkdtemp(path.join(base, `${containerId.slice(0, 12)}-`));
  try {
    const overlay: ReadOnlyOverlay = { lowers: [upper, ...(await containerLowers(ctx.images, image))], readOnly: true };
    await mountOverlay(overlay, { overlayRoot: ctx.images.overlayRoot, target, code: 'BERTH_EXPORT_MOUNT' });
  } catch (err) {
    await fs.rmdir(target).catch(() => {});
    throw err;
  }
  return target;
}

export async function releaseSnapshot(target: string): Promise<void> {
  await unmountRootfs(target);
  await fs.rmdir(target);
}

/** `GET /containers/{id}/export`: the root as a tar stream (entry names relative, no "./"). */
export async function exportContainer(ctx: ContainerContext, ref: string): Promise<Readable> {
  const row = findContainer(ctx, ref);
  const target = await mountSnapshot(ctx, row.id, row.spec.imageId);
  let names: string[];
  let child: TarChild;
  try {
    names = await fs.readdir(target);
    child = spawnTar(buildTarCreateArgs({ dir: target })); // throws when tar is missing: the snapshot goes too
  } catch (err) {
    await releaseSnapshot(target);
    throw err;
  }
  child.stdin.end(names.map((n) => `${n}\0`).join(''));
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const out = new PassThrough();
  child.stdout.pipe(out);
  const release = () => releaseSnapshot(target).catch((err: unknown) => ctx.log.warn({ err, target }, 'releasing an export snapshot failed'));
  out.on('close', () => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  child.on('close', (code) => {
    if (code !== 0 && !out.destroyed) out.destroy(systemError('BERTH_EXPORT_TAR', `exporting ${row.id}: tar exited ${code}: ${stderr.trim()}`));
    void release();
  });
  return out;
}

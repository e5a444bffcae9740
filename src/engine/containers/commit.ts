/**
 * `docker commit`: the container's overlay upper dir becomes a new layer on
 * top of its image.
 *
 * The upper dir is read by the host's GNU tar (../host/tar.ts, one run;
 * never a binary of the container) with `--xattrs`, so overlay's opaque-dir xattr
 * is in the stream; convertOverlayTar() turns whiteouts and opaque dirs into
 * `.wh.` entries on the fly. Paths berth's runtime setup creates in every
 * root (mount points of /proc, /sys, /dev, the etc files) are left out, as
 * Docker keeps them in its init layer.
 *
 * A running container is paused (when asked, the default) while its upper
 * dir is read and the layer stored, then unpaused, whatever happened.
 */
import path from 'node:path';
import fs from 'node:fs/promises';
import { PassThrough, Readable } from 'node:stream';
import type { CommitOptions } from '../api/files.js';
import { systemError } from '../errors.js';
import { buildTarCreateArgs, spawnTar } from '../host/tar.js';
import { applyChanges } from '../images/changes.js';
import { newImageTag } from '../model/reference.js';
import type { ImageRecord, ImageRuntimeConfig } from '../model/image.js';
import { OPAQUE_XATTR } from '../images/whiteouts.js';
import { containerFiles } from '../paths.js';
import { eventAttributes, type ContainerContext, type Row } from './context.js';
import { convertOverlayTar } from './overlay-tar.js';
import { canTransition } from '../model/lifecycle.js';
import { pauseContainer, unpauseContainer } from './pause.js';
import { findContainer } from './resolve.js';
import { faultPoint } from '../fault.js';

/** Top-level names of the upper dir that are runtime mount points, not content. */
const SKIPPED_TOP = new Set(['proc', 'sys', 'dev', '.dockerenv']);
/** Deeper runtime mount points (exact paths, relative). */
const SKIPPED_PATHS = ['etc/hosts', 'etc/hostname', 'etc/resolv.conf', 'etc/mtab'];

/** The arguments of the one GNU tar run over an upper dir (names come NUL-separated on stdin). Pure. */
export function upperTarArgs(upper: string): string[] {
  return buildTarCreateArgs({ dir: upper, posix: true, xattrsInclude: OPAQUE_XATTR, exclude: SKIPPED_PATHS });
}

/** A layer tar (Docker whiteout format) of `upper`, streamed; errors of tar reject the stream. */
export async function upperLayerTar(upper: string): Promise<Readable> {
  await fs.mkdir(upper, { recursive: true, mode: 0o700 });
  const names = (await fs.readdir(upper)).filter((n) => !SKIPPED_TOP.has(n)).sort();
  const child = spawnTar(upperTarArgs(upper));
  child.stdin.end(names.map((n) => `${n}\0`).join(''));
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  // Piped at once: Node discards an unread child stdout when the child exits.
  const stdout = child.stdout.pipe(new PassThrough());
  async function* chunks(): AsyncGenerator<Buffer> {
    try {
      if (names.length === 0) {
        yield Buffer.alloc(1024);
        return;
      }
      yield* convertOverlayTar(stdout);
      const code = await exited;
      if (code !== 0) throw systemError('BERTH_COMMIT_TAR', `reading the container's changes: tar exited ${code}: ${stderr.trim()}`);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }
  return Readable.from(chunks());
}

/** The image runtime config a commit starts from: the container's (Docker: commit takes the container's Config). Pure. */
export function containerImageConfig(row: Row, parent: ImageRecord): ImageRuntimeConfig {
  const s = row.spec;
  return {
    cmd: s.cmd.length ? [...s.cmd] : null,
    entrypoint: s.entrypoint.length ? [...s.entrypoint] : null,
    env: [...s.env],
    workingDir: s.workingDir,
    user: s.user,
    labels: { ...s.labels },
    // A container's Labels map is never absent in dockerd, so its commit writes `{}` when empty.
    emptyLabelsMap: true,
    exposedPorts: [...s.exposedPorts],
    // berth fills in SIGTERM at create; an image that named none keeps none.
    stopSignal: s.stopSignal === 'SIGTERM' && !parent.config.stopSignal ? '' : s.stopSignal,
    volumes: [...parent.config.volumes],
  };
}

/** Fields of a commit request's config body that are set (non-empty) replace the container's. Pure. */
export function overrideConfig(base: ImageRuntimeConfig, over: Partial<ImageRuntimeConfig> | null): ImageRuntimeConfig {
  if (!over) return base;
  const out = { ...base };
  if (over.cmd?.length) out.cmd = over.cmd;
  if (over.entrypoint?.length) out.entrypoint = over.entrypoint;
  if (over.env?.length) out.env = over.env;
  if (over.workingDir) out.workingDir = over.workingDir;
  if (over.user) out.user = over.user;
  if (over.labels && Object.keys(over.labels).length) out.labels = { ...out.labels, ...over.labels };
  if (over.exposedPorts?.length) out.exposedPorts = [...new Set([...out.exposedPorts, ...over.exposedPorts])];
  if (over.stopSignal) out.stopSignal = over.stopSignal;
  if (over.volumes?.length) out.volumes = [...new Set([...out.volumes, ...over.volumes])];
  return out;
}

/** `POST /commit`. Bad tag or change → invalid-parameter before anything is read or paused. */
export async function commitContainer(ctx: ContainerContext, ref: string, opts: CommitOptions): Promise<{ id: string }> {
  const row = findContainer(ctx, ref);
  const tag = newImageTag(opts.repo, opts.tag, 'commit to');
  const parent = ctx.images.resolve(row.spec.imageId);
  const config = applyChanges(overrideConfig(containerImageConfig(row, parent), opts.config), opts.changes);
  const paused = opts.pause && canTransition('pause', row.state.status);
  const marker = pausedForCommitMarker(ctx, row.id);
  if (paused) {
    // Written first: a daemon killed mid-commit finds it at startup and thaws the container.
    await fs.writeFile(marker, '');
    await pauseContainer(ctx, row.id);
    faultPoint('commit.after-pause');
  }
  try {
    const layer = await upperLayerTar(containerFiles(ctx.paths.containerDir(row.id)).upper);
    faultPoint('commit.after-layer-tar');
    const { id } = await ctx.images.commit({ parent, layer, config, comment: opts.comment, author: opts.author, createdBy: row.spec.cmd.join(' '), tag });
    faultPoint('commit.after-image');
    ctx.events.emit({
      type: 'container',
      action: 'commit',
      id: row.id,
      attributes: eventAttributes(row, { comment: opts.comment, imageID: id, imageRef: tag ?? '' }),
    });
    return { id };
  } finally {
    if (paused) {
      await unpauseContainer(ctx, row.id).catch((err: unknown) => ctx.log.warn({ err, id: row.id }, 'unpausing after commit failed'));
      await fs.rm(marker, { force: true });
    }
  }
}

/** Present while a commit holds the container paused. */
export function pausedForCommitMarker(ctx: ContainerContext, id: string): string {
  return path.join(ctx.paths.containerDir(id), 'paused-for-commit');
}

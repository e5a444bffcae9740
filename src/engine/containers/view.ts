/** Read models: a container record plus derived paths and (on request) sizes. Take no lock. */
import fs from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { ContainerView } from '../api/containers.js';
import type { Filters } from '../filters/index.js';
import { containerFiles } from '../paths.js';
import type { ContainerContext, Row } from './context.js';
import { buildContainerFilter } from './filters.js';
import { isListedByDefault } from '../model/lifecycle.js';
import { findContainer } from './resolve.js';

export async function inspectContainer(ctx: ContainerContext, ref: string, opts: { size?: boolean } = {}): Promise<ContainerView> {
  return buildView(ctx, findContainer(ctx, ref), { size: opts.size ?? false, layers: true });
}

export async function listContainers(ctx: ContainerContext, opts: { all: boolean; limit: number; size: boolean; filters: Filters }): Promise<ContainerView[]> {
  const keep = buildContainerFilter(ctx, opts.filters);
  const visible = (row: Row) => opts.all || opts.limit > 0 || isListedByDefault(row.state.status);
  let rows = ctx.repo.all().filter((row) => visible(row) && keep(row));
  if (opts.limit > 0) rows = rows.slice(0, opts.limit);
  // List items show no layer paths: the image is looked up only when sizes need it.
  const listedImage = listedImageOf(ctx);
  return Promise.all(rows.map(async (row) => ({ ...(await buildView(ctx, row, { size: opts.size, layers: false })), listedImage: listedImage(row) })));
}

/** dockerd's list Image: the container's reference while it resolves to the container's image, else the image ID. Resolves each reference once per list. */
function listedImageOf(ctx: ContainerContext): (row: Row) => string {
  const resolved = new Map<string, string | undefined>();
  const idOf = (ref: string) => {
    if (!resolved.has(ref)) resolved.set(ref, tryResolve(ctx, ref));
    return resolved.get(ref);
  };
  return (row) => (idOf(row.spec.image) === row.spec.imageId ? row.spec.image : row.spec.imageId);
}

function tryResolve(ctx: ContainerContext, ref: string): string | undefined {
  try {
    return ctx.images.resolve(ref).id;
  } catch {
    return undefined;
  }
}

const NOT_WRITTEN = { logPath: '', hostsPath: '', hostnamePath: '', resolvConfPath: '' };

/** `layers`: fill GraphDriver's lower dirs (inspect); `size`: measure the upper dir (slow). */
export async function buildView(ctx: ContainerContext, row: Row, want: { size: boolean; layers: boolean }): Promise<ContainerView> {
  const files = containerFiles(ctx.paths.containerDir(row.id));
  let lowerDir = '';
  let imageSize = 0;
  // A force-removed image leaves both empty; the container still shows.
  const image = want.size || want.layers ? ctx.images.viewLayout(row.spec.imageId) : undefined;
  if (image) {
    lowerDir = image.lowerDirs.map((l) => path.join(ctx.images.overlayRoot, l)).join(':');
    imageSize = image.size;
  }
  const view: ContainerView = {
    id: row.id,
    name: row.name,
    created: row.created,
    spec: row.spec,
    state: row.state,
    // dockerd names these files only once a start has written them (the log berth keeps from create);
    // a start that failed may have, and so has an initialized container: for those the file tells.
    ...(row.state.startedAt || existsSync(files.hostname)
      ? { logPath: files.log, hostsPath: files.hosts, hostnamePath: files.hostname, resolvConfPath: files.resolvConf }
      : NOT_WRITTEN),
    graphDriver: { lowerDir, upperDir: files.upper, workDir: files.work, mergedDir: files.merged },
    execIds: [],
    network: ctx.networks.view(row.id),
  };
  if (want.size) {
    view.sizeRw = await diskUsage(files.upper);
    view.sizeRootFs = view.sizeRw + imageSize;
  }
  return view;
}

/** Bytes of regular files under dir, not following symlinks. */
export async function diskUsage(dir: string): Promise<number> {
  let total = 0;
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) total += await diskUsage(full);
    else if (entry.isFile()) total += (await fs.lstat(full).catch(() => ({ size: 0 }))).size;
  }
  return total;
}

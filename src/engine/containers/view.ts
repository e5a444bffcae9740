/** Read models: a container record plus derived paths and (on request) sizes. Take no lock. */
import fs from 'node:fs/promises';
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
  return Promise.all(rows.map((row) => buildView(ctx, row, { size: opts.size, layers: false })));
}

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
    logPath: files.log,
    hostsPath: files.hosts,
    hostnamePath: files.hostname,
    resolvConfPath: files.resolvConf,
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

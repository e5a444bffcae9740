/**
 * Create: resolve the image, merge its config, make the container's
 * directories and files, then insert the record. Storage comes first so that
 * a crash leaves at worst a directory without a row, which startup garbage
 * collection removes; a failure after that removes what was made. The
 * client gets 201 only for a container that exists whole.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import { removeTree } from '../host/remove-tree.js';
import type { CreateContainerOptions } from '../api/containers.js';
import { conflict, invalid } from '../errors.js';
import { containerFiles } from '../paths.js';
import { normalizeCapabilities } from '../runtime/capabilities.js';
import { eventAttributes, type ContainerContext } from './context.js';
import { rfc3339Nano } from '../time.js';
import { containerLowers } from './init-layer.js';
import { mergeWithImage } from './merge-image.js';
import { generateName } from './names.js';
import { parseSignal } from './signals.js';
import { validateName } from './resolve.js';
import { initialState, type ContainerSpec } from '../model/container.js';
import type { ImageRuntimeConfig } from '../model/image.js';
import { resolveVolumesFrom } from './volumes-from.js';
import { discard, planMounts } from '../volumes/container-mounts.js';
import { faultPoint } from '../fault.js';
import { checkAtCreate } from './host-options.js';
import { resolveLinks } from './links.js';
import { validateLogConfig } from './log-files.js';
import { applyDaemonRootRuleAll } from './daemon-root-binds.js';
import { ensureMountsBindSources } from './bind-sources.js';
import { settleAll } from '../settle-all.js';
import { checkResourceLimits } from './resource-limits.js';

export async function createContainer(ctx: ContainerContext, opts: CreateContainerOptions): Promise<{ id: string; warnings: string[] }> {
  const wanted = opts.name ? validateName(opts.name) : undefined;
  if (wanted) ensureNameFree(ctx, wanted);
  // Reserved from here to the insert, so concurrent creates never draw the same generated name.
  const pending = ctx.live.pendingNames;
  const name = wanted ?? generateName((n) => ctx.repo.getByName(n) !== undefined || pending.has(n));
  pending.add(name);
  try {
    return await createNamed(ctx, opts, name);
  } finally {
    pending.delete(name);
  }
}

async function createNamed(ctx: ContainerContext, opts: CreateContainerOptions, name: string): Promise<{ id: string; warnings: string[] }> {
  await validateHostConfig(opts.spec);
  checkResourceLimits(opts.spec.resources, ctx.settings.cpuCount);
  const namespaces = await checkAtCreate(ctx, opts.spec);
  const image = ctx.images.resolve(opts.image);
  const id = randomBytes(32).toString('hex');
  const volumesFrom = resolveVolumesFrom(ctx, opts.spec.volumesFrom ?? []);
  // Creates the named and anonymous volumes the container needs; undone below if the create fails.
  const plan = await planMounts(ctx.volumes, {
    containerId: id,
    mounts: await applyDaemonRootRuleAll(opts.spec.mounts, ctx.paths.dataRoot),
    configVolumes: opts.configVolumes ?? [],
    imageVolumes: image.config.volumes,
    volumesFrom,
    volumeDriver: opts.spec.volumeDriver ?? '',
  });
  const networkMode = ctx.networks.normalizeMode(opts.spec.networkMode);
  const spec: ContainerSpec = {
    ...assembleSpec(opts, image, id, plan.mounts, networkMode),
    ...namespaces,
    // dockerd records the daemon's default size when the create leaves it 0.
    shmSize: opts.spec.shmSize || ctx.settings.shmSize,
    runtime: checkRuntime(ctx, opts.spec.runtime ?? ''),
    links: resolveLinks(ctx, opts.spec.links ?? [], networkMode),
    predefinedAddress: ctx.networks.predefinedAddress(networkMode, opts.endpoints ?? {}),
  };
  const dir = ctx.paths.containerDir(id);
  try {
    await containerLowers(ctx.images, image);
    await makeContainerFiles(dir);
    faultPoint('create.after-dirs');
    // The container row, its volume mount rows, its endpoints and the create event in one
    // transaction: a volume in use is never unrecorded, and the whole create costs one sync.
    ctx.repo.atomically(() => {
      ctx.volumes.repo.insertWithMounts(() => ctx.repo.insert({ id, name, created: rfc3339Nano(), spec, state: initialState() }), plan.rows);
      ctx.networks.attachAtCreate({ id, name, spec }, opts.endpoints ?? {});
      ctx.events.emit({ type: 'container', action: 'create', id, attributes: eventAttributes({ name, spec }) });
    });
    faultPoint('create.after-record');
  } catch (err) {
    // The cause is what the client must see; a directory left behind is removed at the next startup.
    await removeTree(dir).catch((rmErr: unknown) => ctx.log.warn({ err: rmErr, id }, 'removing the directory of a failed create'));
    await discard(ctx.volumes, plan);
    if (isForeignKeyViolation(err)) {
      throw conflict('BERTH_VOLUME_GONE', 'a volume of the container was removed while the container was created; try again', err);
    }
    throw isUniqueViolation(err) ? nameInUse(name, ctx.repo.getByName(name)?.id ?? '') : err;
  }
  return { id, warnings: createWarnings(spec) };
}

/** The daemon runs one runtime; '' means it, any other name is dockerd's "Unknown runtime". */
function checkRuntime(ctx: ContainerContext, name: string): string {
  if (name !== '' && name !== ctx.settings.runtimeName) throw invalid('BERTH_CONTAINER_RUNTIME_UNKNOWN', `Unknown runtime specified ${name}`);
  return ctx.settings.runtimeName;
}

/** dockerd's create warnings for settings that work but are probably a mistake. */
function createWarnings(spec: ContainerSpec): string[] {
  const warnings: string[] = [];
  if (spec.resources.oomKillDisable && spec.resources.memory === 0) {
    warnings.push('OOM killer is disabled for the container, but no memory limit is set, this can result in the system running out of resources.');
  }
  return warnings;
}

/**
 * The record's spec: the request's options merged with the image's config
 * (merge-image.ts), with the planned mounts and the normalized network mode.
 * The benchmark's floor builds its containers' specs with it too.
 */
export function assembleSpec(
  opts: CreateContainerOptions,
  image: { id: string; config: ImageRuntimeConfig },
  id: string,
  mounts: ContainerSpec['mounts'],
  networkMode: string,
): ContainerSpec {
  return {
    ...opts.spec,
    ...mergeWithImage(opts, image.config),
    mounts,
    declaredVolumes: [...new Set([...(opts.configVolumes ?? []), ...image.config.volumes])],
    image: opts.image,
    imageId: image.id,
    hostname: opts.spec.hostname || id.slice(0, 12),
    networkMode,
  };
}

/**
 * The container's directories and log (the init layer is the image's,
 * init-layer.ts). The etc files are written at each start, when the
 * network is known (launch.ts), as dockerd writes them.
 */
async function makeContainerFiles(dir: string): Promise<void> {
  const files = containerFiles(dir);
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  await settleAll(
    [
      ...[files.upper, files.work, files.merged].map((d) => () => fs.mkdir(d, { mode: 0o755 }).catch(existsIsFine)),
      // The log exists from the start so that an attach before start can follow it from offset 0.
      () => fs.writeFile(files.log, '', { mode: 0o600 }),
    ],
    (make) => make(),
  );
}

function existsIsFine(err: NodeJS.ErrnoException): void {
  if (err.code !== 'EEXIST') throw err;
}

/**
 * What Docker rejects at create rather than at start, so that a container
 * that could never start is never made: an unknown StopSignal, unknown capability names, and a
 * HostConfig.Mounts bind whose source does not exist (a missing Binds source is created at
 * start, bind-sources.ts).
 */
async function validateHostConfig(spec: CreateContainerOptions['spec']): Promise<void> {
  if (spec.stopSignal) parseSignal(spec.stopSignal);
  if (spec.logConfig) validateLogConfig(spec.logConfig);
  normalizeCapabilities(spec.capAdd, 'CapAdd');
  normalizeCapabilities(spec.capDrop, 'CapDrop');
  await ensureMountsBindSources(spec.mounts);
}

function ensureNameFree(ctx: ContainerContext, name: string): void {
  const holder = ctx.repo.getByName(name);
  if (holder) throw nameInUse(name, holder.id);
}

/** Docker's wording for a name clash. */
export function nameInUse(name: string, holderId: string) {
  return conflict(
    'BERTH_CONTAINER_NAME_IN_USE',
    `Conflict. The container name "/${name}" is already in use by container "${holderId}". You have to remove (or rename) that container to be able to reuse that name.`,
  );
}

function isForeignKeyViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: string }).code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}

export function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE';
}

/**
 * Bringing a container's process up and tearing it down. Callers hold the
 * container's lock. launch = init (mount the root, set up the network
 * namespace, write the bundle, the runtime port creates), then the port's
 * start; teardown = the port's delete, unmount, network teardown. Nothing
 * here writes the database (the network service keeps its own records).
 */
import { removeTree } from '../host/remove-tree.js';
import path from 'node:path';
import { EngineError } from '../errors.js';
import type { LockedContainer } from '../locks.js';
import { containerFiles } from '../paths.js';
import { translateStartFailure } from '../runtime/runtime-errors.js';
import type { ContainerContext, Row } from './context.js';
import { logBackstop, logLimits } from './log-files.js';
import { applyPendingSize } from './resize.js';
import { writeEtcFiles, type EtcNetwork } from './etc-files.js';
import type { NetworkSetup } from '../networks/container-net.js';
import { writeBundle } from './bundle.js';
import { linkHostEntries } from './links.js';
import { releaseAtTeardown, resolveAtStart } from './host-options.js';
import { prepareMounts, releaseMounts } from '../volumes/container-mounts.js';
import { createBindSources } from './bind-sources.js';
import { faultPoint } from '../fault.js';
import { mountRoot, removeHostMountMarker } from './mount.js';
import { bundleMonitorPid, untilMonitorGone } from './monitor.js';
import { cgroupOomFiles } from '../host/cgroups.js';

export interface Launched {
  pid: number;
  conmonPid: number;
  warnings: string[];
  /** Volume destinations whose copy-up is settled: the caller records them with the start (settleCopies). */
  settledCopies: string[];
}

/**
 * Runs the container's process: initContainer then startInitialized. On
 * failure everything made here is undone and the error carries `exitCode`
 * (127/126 when the command could not be run, as Docker records it).
 */
export async function launchContainer(ctx: ContainerContext, lock: LockedContainer, row: Row): Promise<Launched> {
  const launched = await initContainer(ctx, lock, row);
  await startInitialized(ctx, lock, row, launched.pid);
  return launched;
}

/**
 * Mounts the root, writes the bundle and has conmon run `runc create`: the
 * process exists but has not run its command (status `initialized`), and
 * conmon's attach socket and ctl fifo exist, so an attach can wire stdin
 * before anything is written. A size remembered by a resize before start
 * is sent to conmon here. Undoes itself on failure.
 */
export async function initContainer(ctx: ContainerContext, lock: LockedContainer, row: Row): Promise<Launched> {
  const files = containerFiles(ctx.paths.containerDir(row.id));
  const bundle = ctx.paths.bundleDir(row.id);
  await ctx.exitWatcher.clear(row.id);
  const t0 = performance.now();
  let afterNetwork = false;
  let atRuntime = false;
  try {
    await mountRoot(ctx, row);
    faultPoint('start.after-mount');
    await createBindSources(row.spec.mounts);
    const settledCopies = await prepareMounts(ctx.volumes, row.id, row.spec.mounts, files.merged);
    const net = await ctx.networks.setup(row);
    afterNetwork = true;
    await writeEtcFiles(files, row.spec, { ...etcNetwork(net), links: linkHostEntries(ctx, row, net.attachments) });
    const t1 = performance.now();
    const host = await resolveAtStart(ctx, row, files.merged);
    const warnings = await writeBundle(ctx.settings, { id: row.id, spec: row.spec, files, netnsPath: net.netnsPath, host }, bundle).catch(asSystemError);
    faultPoint('start.after-bundle');
    const t2 = performance.now();
    atRuntime = true;
    const created = await ctx.runtime.create({
      id: row.id,
      name: row.name,
      bundleDir: bundle,
      logPath: files.log,
      logSizeMax: logBackstop(logLimits(row.spec.logConfig, ctx.settings.logSizeMax)),
      terminal: row.spec.tty,
      stdin: row.spec.openStdin,
      // Docker closes stdin when an attach ends only for StdinOnce without a TTY.
      leaveStdinOpen: !(row.spec.stdinOnce && !row.spec.tty),
      teardown: {
        mergedDir: files.merged,
        keepMountedMarker: files.hostMounted,
        oomFiles: cgroupOomFiles(ctx.settings.cgroupParent, row.id),
      },
    });
    faultPoint('start.after-runtime-create');
    watchLog(ctx, row);
    await applyPendingSize(ctx, row.id, created.pid);
    const ms = (a: number, b: number) => Math.round((b - a) * 10) / 10;
    ctx.log.debug({ id: row.id, mountMs: ms(t0, t1), bundleMs: ms(t1, t2), createMs: ms(t2, performance.now()) }, 'container created in the runtime');
    return { pid: created.pid, conmonPid: created.monitorPid, warnings, settledCopies };
  } catch (err) {
    await undoLaunch(ctx, lock, row);
    throw withExitCode(err, row, afterNetwork, atRuntime);
  }
}

/** Starts an initialized container whose init process is `pid`; on failure the runtime is torn down. */
export async function startInitialized(ctx: ContainerContext, lock: LockedContainer, row: Row, pid: number): Promise<void> {
  try {
    await ctx.runtime.start(row.id, pid);
    faultPoint('start.after-runtime-start');
  } catch (err) {
    await undoLaunch(ctx, lock, row);
    throw withExitCode(err, row, true, true);
  }
}

async function undoLaunch(ctx: ContainerContext, lock: LockedContainer, row: Row): Promise<void> {
  await teardownRuntime(ctx, lock, row).catch((cleanupErr) => ctx.log.warn({ err: cleanupErr, id: row.id }, 'cleanup after a failed start'));
}

/** Rotates the log of a container whose conmon runs (after its create, or found alive at startup). */
export function watchLog(ctx: ContainerContext, row: Row): void {
  ctx.logKeeper.watch(row.id, {
    logPath: ctx.paths.logFile(row.id),
    ctlPath: path.join(ctx.paths.bundleDir(row.id), 'ctl'),
    limits: logLimits(row.spec.logConfig, ctx.settings.logSizeMax),
  });
}

/**
 * Removes the runtime's container, unmounts the root and removes the
 * bundle. Idempotent, and cheap when conmon's exit command did it all. When
 * berthd ends a live container here itself (undoing a start, removing an
 * initialized one), its conmon then runs that command too: this waits for
 * conmon to exit, so the command never overlaps the container's next run.
 */
export async function teardownRuntime(ctx: ContainerContext, _lock: LockedContainer, row: Row): Promise<void> {
  ctx.logKeeper.unwatch(row.id);
  const monitorPid = bundleMonitorPid(ctx.paths.bundleDir(row.id));
  // The process is gone: the runtime's record and the root mount are independent of each other.
  // A root the host has mounted (mount.ts) stays until its last host user unmounts it.
  const keepRoot = (ctx.live.peek(row.id)?.hostMounts ?? 0) > 0;
  const files = containerFiles(ctx.paths.containerDir(row.id));
  await Promise.all([
    // A crash here leaves a teardown half done: whoever runs it next (the exit path's sweep at startup) finishes it.
    ctx.runtime.delete(row.id).then(() => faultPoint('teardown.after-runtime-delete')),
    keepRoot ? undefined : unmountUnkept(ctx, files),
    ctx.networks.teardown(row.id),
    releaseAtTeardown(ctx, row),
  ]);
  if (monitorPid) await untilMonitorGone(ctx, row.id, monitorPid);
  await releaseMounts(ctx.volumes, row.id, row.spec.mounts);
  await removeTree(ctx.paths.bundleDir(row.id));
}

/**
 * Unmounts the root of a container the host does not keep mounted. Still
 * mounted here means conmon's exit command did not unmount it (it never
 * ran, or it found a host-mounted marker a crash left behind): that marker
 * goes too.
 */
async function unmountUnkept(ctx: ContainerContext, files: ReturnType<typeof containerFiles>): Promise<void> {
  if (!(await ctx.rootMounts.isMounted(files.merged))) return;
  await removeHostMountMarker(files);
  await ctx.rootMounts.unmount(files.merged);
}

/** The primary address, and aardvark-dns at the gateway when the primary network has DNS. */
function etcNetwork(net: NetworkSetup): EtcNetwork {
  const primary = net.attachments[0];
  return { ip: primary?.endpoint.ip ?? '', dnsServer: primary?.network.dnsEnabled ? primary.network.gateway : '' };
}

/** Errors from a start carry the exit code Docker records for them. */
export class StartError extends EngineError {
  readonly exitCode: number;
  /** The container's network had been set up (and was torn down again): its connect and disconnect are logged. */
  readonly afterNetwork: boolean;
  constructor(base: EngineError, exitCode: number, afterNetwork = false) {
    super(base.kind, base.code, base.message, { cause: base.cause });
    this.exitCode = exitCode;
    this.afterNetwork = afterNetwork;
  }
}

/**
 * The error a failed start throws, with the exit code dockerd records: a
 * failure of the runtime's create or start is read as dockerd reads
 * containerd's (translateStartFailure, by the container's first word);
 * anything before it is exit code 128.
 */
function withExitCode(err: unknown, row: Row, afterNetwork: boolean, atRuntime: boolean): unknown {
  if (!(err instanceof EngineError)) return err;
  if (!atRuntime) return new StartError(err, 128, afterNetwork);
  const failure = translateStartFailure(err.message, [...row.spec.entrypoint, ...row.spec.cmd][0] ?? '');
  if (!failure.invalid) return new StartError(err, failure.exitCode, afterNetwork);
  return new StartError(new EngineError('invalid-parameter', 'BERTH_CONTAINER_START_EXEC', failure.message), failure.exitCode, afterNetwork);
}

/** dockerd reports every failure of building the runtime spec (an unknown user, say) as its own: 500. */
function asSystemError(err: unknown): never {
  if (err instanceof EngineError && err.kind !== 'system') throw new EngineError('system', 'BERTH_CONTAINER_SPEC_FAILED', err.message, { cause: err });
  throw err;
}

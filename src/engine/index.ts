/**
 * Builds the engine: opens the state database, locks the data root, wires
 * images, containers and the runtime, and reconciles what happened while
 * the daemon was away. `start()` must finish before the API is served.
 */
import fs from 'node:fs';
import { createHash, randomUUID } from 'node:crypto';
import type pino from 'pino';
import { ContainersRepo } from '../db/containers-repo.js';
import { closeDatabase, openDatabase } from '../db/database.js';
import { trackDurability } from '../db/durability.js';
import { MetaRepo } from '../db/meta-repo.js';
import { VolumesRepo } from '../db/volumes-repo.js';
import { VolumeService } from './volumes/service.js';
import { createVolumesApi } from './volumes/api.js';
import type { Engine } from './api.js';
import { engineSettings, type ContainerContext, type EngineSettings } from './containers/context.js';
import { handleExit } from './containers/exit-path.js';
import { monitorGone } from './containers/monitor.js';
import { isActive, isRunning } from './model/lifecycle.js';
import { findContainer } from './containers/resolve.js';
import { reconcileContainers } from './containers/reconcile.js';
import { createContainersApi } from './containers/service.js';
import { containerChanges } from './containers/diff.js';
import { exportContainer } from './containers/export.js';
import { commitContainer, upperLayerTar } from './containers/commit.js';
import { BuildCacheRepo } from '../db/build-cache-repo.js';
import { buildOnDemand, registryOnDemand } from './on-demand.js';
import { mountContainer, unmountContainer } from './containers/mount.js';
import { getContainerArchive, putContainerArchive, statContainerPath } from './containers/archive.js';
import { createExecService } from './exec/service.js';
import { runHost } from './host/spawner.js';
import type { ContainerSpec, ContainerState, ContainerStatus } from './model/container.js';
import { EventBus, type EventRetention } from './events/event-bus.js';
import { openEventStream } from './events/stream.js';
import { createStatsService } from './stats/service.js';
import { updateContainer } from './containers/update.js';
import { diskUsage } from './system/disk-usage.js';
import { HealthMonitor } from './health/monitor.js';
import { withContainerVerbEvents, withExecEvents, withFileEvents } from './containers/verb-events.js';
import { withImageEvents } from './images/image-events.js';
import { EventsRepo } from '../db/events-repo.js';
import { createImageService } from './images/service.js';
import type { RegistrySettings } from './registry/hosts.js';
import { KeyedMutex } from './locks.js';
import { containerFiles, enginePaths } from './paths.js';
import { lockDataRoot } from './root-lock.js';
import { ExitWatcher } from './runtime/exit-watcher.js';
import { ConmonRuncRuntime, hostRootMounts } from './runtime/conmon-runc.js';
import { LiveStates } from './containers/live.js';
import { LogKeeper } from './containers/log-rotation.js';
import { readHostFacts } from './system/host-facts.js';
import { NetworksRepo } from '../db/networks-repo.js';
import { serialQueue, type NetworkContext } from './networks/context.js';
import { DEFAULT_POOLS, type AddressPool } from './networks/ipam.js';
import { NetnsDir } from './networks/netns.js';
import { createNetworkService } from './networks/service.js';
import path from 'node:path';
import { createSystemApi } from './system/service.js';
import { durabilityApi } from './system/durability-api.js';

export * from './api.js';

export interface EngineConfig {
  dataRoot: string;
  execRoot: string;
  runtimeName: string;
  runtimePath: string;
  conmonPath: string;
  cgroupParent: string;
  logSizeMax: number;
  defaultPidsLimit: number;
  shmSize: number;
  logLevel: EngineSettings['logLevel'];
  version: string;
  /** The default network's Linux bridge (derived from the data root). */
  defaultBridge: string;
  bip?: string;
  addressPools: AddressPool[];
  netavarkPath: string;
  aardvarkPath: string;
  /** insecure-registries, registry-mirrors, the certs.d directory; default none, none, /etc/berth/certs.d. */
  registry?: RegistrySettings;
  /** Events kept for `since` (default 10000 events, 7 days). */
  eventsRetention?: EventRetention;
}

export interface RunningEngine {
  engine: Engine;
  events: EventBus;
  /** Reconciles containers with what conmon left, then watches exits. */
  start(): Promise<void>;
  /** At clean shutdown, before close: removes the bridges of networks no running container uses. */
  drain(): Promise<void>;
  /** Stops watching and closes the database. Containers keep running. */
  close(): void;
  /**
   * Settles (never rejects) if the state database can no longer be synced:
   * no change can be acknowledged any more, and only a restart (SQLite's
   * recovery of its log) brings berthd back. main shuts down with status 1
   * then, so that systemd restarts it.
   */
  fatal: Promise<Error>;
}

export async function createEngine(config: EngineConfig, log: pino.Logger): Promise<RunningEngine> {
  const paths = enginePaths(config.dataRoot, config.execRoot);
  for (const dir of [paths.dataRoot, paths.execRoot, paths.runcRoot, paths.exitsDir, paths.monitorExitsDir])
    fs.mkdirSync(dir, { recursive: true, mode: 0o711 });
  const rootLock = lockDataRoot(paths.dataRoot);
  const db = openDatabase(paths.database);
  let syncFailed: (err: Error) => void = () => {};
  const fatal = new Promise<Error>((resolve) => (syncFailed = resolve));
  const syncing = trackDurability(db, paths.database, (err) => {
    log.fatal({ err }, 'the state database could not be synced to disk: no change can be acknowledged any more; berthd stops (containers keep running)');
    syncFailed(err);
  });
  const meta = new MetaRepo(db);
  const host = readHostFacts();
  const repo = new ContainersRepo<ContainerSpec, ContainerState>(db);
  const eventsRepo = new EventsRepo(db);
  const events = new EventBus(eventsRepo, config.eventsRetention);
  events.trim();
  const images = withImageEvents(
    createImageService({
      db,
      dataRoot: paths.dataRoot,
      log,
      containersUsing: (imageId) => repo.usingImage(imageId).map((c) => ({ id: c.id, running: isRunning(c.status as ContainerStatus) })),
    }),
    events,
  );
  const registry = registryOnDemand({
    settings: config.registry ?? { insecureRegistries: [], mirrors: [], certsDir: '/etc/berth/certs.d' },
    store: images.store,
    log,
    // dockerd's pull/push events: Actor.ID is the reference, attributes.name the repository.
    emit: (action, reference, imageId) =>
      events.emit({ type: 'image', action, id: reference, attributes: { name: reference.replace(/[:@][^/]*$/, ''), imageID: imageId } }),
  });
  const runtime = new ConmonRuncRuntime({
    conmonPath: config.conmonPath,
    runtimePath: config.runtimePath,
    runtimeRoot: paths.runcRoot,
    exitsDir: paths.exitsDir,
    monitorExitsDir: paths.monitorExitsDir,
    logLevel: config.logLevel,
  });
  const volumes = new VolumeService(new VolumesRepo(db), paths.dataRoot, log, events);
  const mutex = new KeyedMutex();
  const netCtx: NetworkContext = {
    repo: new NetworksRepo(db),
    containers: {
      find: (ref) => findContainer(ctx, ref),
      get: (id) => repo.get(id),
      mutex,
    },
    netns: new NetnsDir(paths.execRoot),
    bin: { netavark: config.netavarkPath, aardvark: config.aardvarkPath, configDir: path.join(paths.execRoot, 'netavark') },
    settings: {
      bip: config.bip,
      pools: config.addressPools.length ? config.addressPools : [...DEFAULT_POOLS],
      // The default data root's bridge is berth0; any other daemon searches from a place of its own.
      poolStart: config.defaultBridge === 'berth0' ? 0 : parseInt(createHash('sha256').update(config.dataRoot).digest('hex').slice(0, 8), 16),
      defaultBridge: config.defaultBridge,
    },
    log,
    events,
    keptBridges: new Set(),
    queue: serialQueue(),
  };
  const networks = createNetworkService(netCtx);
  const ctx: ContainerContext = {
    repo,
    images,
    runtime,
    paths,
    log,
    events,
    volumes,
    rootMounts: hostRootMounts,
    mutex,
    live: new LiveStates(),
    logKeeper: new LogKeeper(log),
    networks: networks.hooks,
    exitWatcher: new ExitWatcher(
      paths.exitsDir,
      paths.monitorExitsDir,
      (id) => void handleExit(ctx, id).catch((err) => log.error({ err, id }, 'recording an exit failed')),
      { monitorGone: (id) => monitorGone(ctx, id) },
    ),
    settings: engineSettings(config, host),
  };
  const daemonId = meta.get('daemon-id') ?? (meta.set('daemon-id', randomUUID()), meta.get('daemon-id')!);
  // Asked at the first /version, not at startup: two processes fewer before the first answer.
  let versions: Promise<{ conmon: string; runtime: string }> | undefined;
  const binaryVersions = () =>
    (versions ??= Promise.all([binaryVersion(config.conmonPath), binaryVersion(config.runtimePath)]).then(([conmon, runtime]) => ({ conmon, runtime })));
  const exec = createExecService(ctx);
  const engineContainers = withContainerVerbEvents(ctx, createContainersApi(ctx));
  const eventedExec = withExecEvents(ctx, exec);
  const health = new HealthMonitor(ctx, { ...eventedExec, forget: (id) => exec.forget(id) });
  const buildRoot = path.join(paths.dataRoot, 'build');
  const engine: Engine = {
    containerFiles: withFileEvents(ctx, {
      export: (ref) => exportContainer(ctx, ref),
      changes: (ref) => containerChanges(ctx, ref),
      commit: (ref, opts) => commitContainer(ctx, ref, opts),
      statPath: (ref, p) => statContainerPath(ctx, ref, p),
      getArchive: (ref, p) => getContainerArchive(ctx, ref, p),
      putArchive: (ref, p, source, opts) => putContainerArchive(ctx, ref, p, source, opts),
      mount: (ref) => mountContainer(ctx, ref),
      unmount: (ref) => unmountContainer(ctx, ref),
    }),
    exec: eventedExec,
    networks: networks.api,
    diskUsage: { df: () => diskUsage({ images, containers: engineContainers, volumes: () => volumes.usage() }) },
    durability: durabilityApi(syncing.durability),
    updates: { update: (ref, opts) => updateContainer(ctx, ref, opts) },
    stats: createStatsService(ctx, { cgroupVersion: host.cgroupVersion, memTotal: host.memTotal }),
    events: { stream: (query, signal) => openEventStream(events, eventsRepo, query, signal, syncing.durability) },
    containers: engineContainers,
    images,
    volumes: createVolumesApi(volumes),
    build: buildOnDemand(() => ({
      containers: engineContainers,
      images,
      buildRoot,
      log: log.child({ component: 'build' }),
      files: { mount: (ref) => mountContainer(ctx, ref), unmount: (ref) => unmountContainer(ctx, ref) },
      containerLayer: (id) => upperLayerTar(containerFiles(ctx.paths.containerDir(id)).upper),
      cache: new BuildCacheRepo(db),
      pull: (opts) => registry.pull(opts),
    })),
    registry,
    system: createSystemApi({
      daemonId,
      version: config.version,
      paths,
      host,
      repo,
      images,
      runtimeName: config.runtimeName,
      runtimePath: config.runtimePath,
      binaryVersions,
      defaultPidsLimit: config.defaultPidsLimit,
    }),
  };
  return {
    engine,
    events,
    async start() {
      const firstStart = meta.get('boot-id') === undefined;
      const rebooted = !firstStart && detectReboot(paths.aliveFile, host.bootId);
      if (rebooted) log.warn('the host rebooted (or the exec root was wiped) since the last start: marking running containers exited');
      await networks.init();
      // Restarts that reconciliation asks for wait until the sweeps below are done.
      ctx.live.holdRestarts();
      // Volumes first: a container finished by reconciliation releases the volume mounts it held.
      await volumes.reconcile();
      await reconcileContainers(ctx, { rebooted });
      await volumes.mounts.sweep();
      await networks.reconcile((id) => {
        const s = repo.get(id)?.state.status;
        return s !== undefined && isActive(s);
      });
      // Before any restart can run: the sweep removes tmp-* dirs, and a restart's mount may be making its
      // image's init layer in one (containers/init-layer.ts).
      await images.collectGarbage();
      ctx.live.releaseRestarts();
      // Contexts and downloads of builds a previous daemon did not finish.
      fs.rmSync(buildRoot, { recursive: true, force: true });
      fs.writeFileSync(paths.aliveFile, host.bootId);
      meta.set('boot-id', host.bootId);
      ctx.exitWatcher.start();
      health.start();
      repo.pruneExitCodes(Date.now() - 5 * 60_000);
    },
    drain: () => networks.drain(),
    fatal,
    close() {
      health.close();
      exec.close();
      registry.close();
      ctx.exitWatcher.stop();
      networks.close();
      ctx.live.close();
      ctx.logKeeper.close();
      syncing.close();
      closeDatabase(db);
      rootLock.release();
    },
  };
}

/** The alive marker lives on the (tmpfs) exec root: missing or another boot id means a reboot. */
function detectReboot(aliveFile: string, bootId: string): boolean {
  try {
    return fs.readFileSync(aliveFile, 'utf8').trim() !== bootId;
  } catch {
    return true;
  }
}

async function binaryVersion(binary: string): Promise<string> {
  const out = await runHost(binary, ['--version'], { timeoutMs: 5_000 });
  return /version\s+([\w.+~-]+)/.exec(out.stdout)?.[1] ?? 'unknown';
}

/**
 * The engine's container lifecycle on a real SQLite file in a temp dir,
 * with a FakeHost (fake-runtime.ts) in place of conmon, runc and mount:
 * the same context, verbs, exit watcher, exit path and reconciliation as
 * berthd, wired as src/engine/index.ts wires them, without root.
 *
 * `bootEngine` is a daemon start (reconcile, then watch exits);
 * `engine.crash()` is a SIGKILL of it (nothing more runs, the database and
 * the host stay as they are); booting again on the same root and host is
 * the daemon coming back.
 */
import fs from 'node:fs';
import { afterEach, beforeEach } from 'node:test';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import type { ContainersApi, CreateContainerOptions } from '../../src/engine/api.js';
import { defaultCreateSpec } from '../../src/engine/api.js';
import { ContainersRepo } from '../../src/db/containers-repo.js';
import { openDatabase, type Db } from '../../src/db/database.js';
import type { ContainerContext } from '../../src/engine/containers/context.js';
import { handleExit } from '../../src/engine/containers/exit-path.js';
import { LiveStates } from '../../src/engine/containers/live.js';
import { LogKeeper } from '../../src/engine/containers/log-rotation.js';
import { reconcileContainers } from '../../src/engine/containers/reconcile.js';
import { createContainersApi } from '../../src/engine/containers/service.js';
import type { ContainerSpec, ContainerState, ContainerStatus } from '../../src/engine/model/container.js';
import { noSuchImage } from '../../src/engine/errors.js';
import { EventBus, type EngineEvent } from '../../src/engine/events/event-bus.js';
import { createExecService, type ExecService } from '../../src/engine/exec/service.js';
import type { ImageService } from '../../src/engine/images/service.js';
import type { ImageRecord } from '../../src/engine/model/image.js';
import { KeyedMutex } from '../../src/engine/locks.js';
import { enginePaths } from '../../src/engine/paths.js';
import { ExitWatcher } from '../../src/engine/runtime/exit-watcher.js';
import { readHostFacts } from '../../src/engine/system/host-facts.js';
import { FakeHost } from './fake-runtime.js';
import { VolumesRepo } from '../../src/db/volumes-repo.js';
import { VolumeService } from '../../src/engine/volumes/service.js';
import { NetworksRepo } from '../../src/db/networks-repo.js';
import { findContainer } from '../../src/engine/containers/resolve.js';
import { serialQueue } from '../../src/engine/networks/context.js';
import { DEFAULT_POOLS } from '../../src/engine/networks/ipam.js';
import { NetnsDir } from '../../src/engine/networks/netns.js';
import { createNetworkService } from '../../src/engine/networks/service.js';

export const IMAGE: ImageRecord = {
  id: `sha256:${'e'.repeat(64)}`,
  tags: ['docker.io/library/busybox:latest'],
  repoDigests: [],
  created: '2026-01-01T00:00:00.000000000Z',
  architecture: 'amd64',
  os: 'linux',
  author: '',
  comment: '',
  config: { cmd: ['sh'], entrypoint: null, env: ['PATH=/bin'], workingDir: '', user: '', labels: {}, exposedPorts: [], stopSignal: '', volumes: [] },
  diffIds: [],
  layerIds: ['fake'],
  history: [],
  size: 0,
  parent: '',
};

/** A temp root with the daemon's data and exec roots, and the host that outlives engines. */
export interface TestRoot {
  dir: string;
  host: FakeHost;
  remove(): void;
}

export function makeRoot(): TestRoot {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-engine-'));
  const paths = enginePaths(path.join(dir, 'data'), path.join(dir, 'run'));
  return { dir, host: new FakeHost(paths.exitsDir), remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

export interface TestEngine {
  ctx: ContainerContext;
  api: ContainersApi;
  exec: ExecService;
  events: EventBus;
  /** Every event, in order. */
  seen: EngineEvent[];
  /** Creates a container from the fake image. */
  create(over?: CreateOverrides): Promise<string>;
  status(id: string): ContainerStatus | undefined;
  state(id: string): ContainerState;
  /** Puts a row into a status directly (states only a crash or a timer reaches). */
  force(id: string, patch: Partial<ContainerState>): void;
  /**
   * The daemon dies: its database connection, exit watcher and timers are
   * gone. Work already in flight is not stopped by this (a JS promise
   * cannot be), so tests crash either at a point where the fake host hangs
   * a call for good (`FakeHost.crashAt`) or when nothing is in flight.
   */
  crash(): void;
  /** A clean shutdown (containers keep running). */
  close(): void;
}

export interface CreateOverrides {
  name?: string;
  cmd?: string[];
  restartPolicy?: ContainerSpec['restartPolicy'];
  autoRemove?: boolean;
  tty?: boolean;
  stopTimeout?: number | null;
  /** Config.StopSignal ('' = none named). */
  stopSignal?: string;
  /** Binds, Mounts and Tmpfs of the request. */
  mounts?: ContainerSpec['mounts'];
}

/** Starts an engine on the root: reconciliation, then the exit watcher, as berthd's start. */
export async function bootEngine(root: TestRoot, opts: { rebooted?: boolean; predefinedNetworks?: boolean } = {}): Promise<TestEngine> {
  const paths = enginePaths(path.join(root.dir, 'data'), path.join(root.dir, 'run'));
  for (const d of [paths.dataRoot, paths.execRoot, paths.runcRoot, paths.exitsDir]) fs.mkdirSync(d, { recursive: true });
  const db: Db = openDatabase(paths.database);
  const repo = new ContainersRepo<ContainerSpec, ContainerState>(db);
  const events = new EventBus();
  const seen: EngineEvent[] = [];
  events.subscribe((e) => seen.push(e));
  const host = readHostFacts();
  const mutex = new KeyedMutex();
  // The real network service: containers here use NetworkMode none, for which it runs no binary.
  const networks = createNetworkService({
    repo: new NetworksRepo(db),
    containers: { find: (ref) => findContainer(ctx, ref), get: (id) => repo.get(id), mutex },
    netns: new NetnsDir(paths.execRoot),
    bin: { netavark: '/nonexistent/netavark', aardvark: '/nonexistent/aardvark-dns', configDir: path.join(paths.execRoot, 'netavark') },
    // A bip, so that making the predefined networks reads no route table (no binary runs).
    settings: { pools: [...DEFAULT_POOLS], poolStart: 0, defaultBridge: 'berthtest0', bip: '10.254.0.1/24' },
    log: pino({ level: 'silent' }),
    events,
    keptBridges: new Set(),
    queue: serialQueue(),
  });
  // bridge, host and none as berthd makes them at its first start; their lifecycle events need the records.
  if (opts.predefinedNetworks) await networks.init();
  const ctx: ContainerContext = {
    repo,
    images: fakeImages(path.join(root.dir, 'data', 'overlay')),
    runtime: root.host.runtime,
    rootMounts: root.host.mounts,
    paths,
    log: pino({ level: 'silent' }),
    mutex,
    events,
    live: new LiveStates(),
    logKeeper: new LogKeeper(pino({ level: 'silent' })),
    volumes: new VolumeService(new VolumesRepo(db), paths.dataRoot, pino({ level: 'silent' }), events),
    networks: networks.hooks,
    exitWatcher: new ExitWatcher(paths.exitsDir, paths.monitorExitsDir, (id) => void handleExit(ctx, id).catch(() => {}), {
      monitorGone: () => Promise.resolve(true),
    }),
    settings: {
      runtimeName: 'fake',
      cgroupParent: 'berth-test',
      defaultPidsLimit: 0,
      shmSize: 64 * 1024 * 1024,
      logSizeMax: 0,
      logLevel: 'error',
      hostRlimits: host.rlimits,
      hostCapabilities: host.capabilities,
      cpuCount: 2,
    },
  };
  let dead = false;
  const stop = () => {
    if (dead) return;
    dead = true;
    ctx.exitWatcher.stop();
    ctx.live.close();
    exec.close();
    db.close();
  };
  const exec = createExecService(ctx);
  await reconcileContainers(ctx, { rebooted: opts.rebooted ?? false });
  ctx.exitWatcher.start();
  const api = createContainersApi(ctx);
  return {
    ctx,
    api,
    exec,
    events,
    seen,
    create: async (over = {}) => (await api.create(createOptions(over))).id,
    status: (id) => repo.get(id)?.state.status,
    state: (id) => repo.get(id)!.state,
    force: (id, patch) => repo.saveState(id, { ...repo.get(id)!.state, ...patch }),
    crash: stop,
    close: stop,
  };
}

function fakeImages(overlayRoot: string): ImageService {
  // The layer store makes its root; containers keep their init layer in it (init-layer.ts).
  fs.mkdirSync(overlayRoot, { recursive: true });
  const images: Pick<ImageService, 'resolve' | 'lowerDirs' | 'layerSizes' | 'viewLayout' | 'overlayRoot'> = {
    resolve: (ref) => {
      if (ref === IMAGE.id || ref === 'busybox' || IMAGE.tags.includes(ref)) return IMAGE;
      throw noSuchImage(ref);
    },
    lowerDirs: () => ['l/FAKE'],
    layerSizes: () => [],
    viewLayout: () => ({ lowerDirs: [], size: 0 }),
    overlayRoot,
  };
  return images as ImageService;
}

export function createOptions(over: CreateOverrides = {}): CreateContainerOptions {
  return {
    name: over.name,
    image: 'busybox',
    cmd: over.cmd ?? ['sleep', '1000'],
    entrypoint: null,
    spec: defaultCreateSpec({
      stopTimeout: over.stopTimeout ?? null,
      tty: over.tty ?? false,
      attachStdout: true,
      attachStderr: true,
      networkMode: 'none',
      autoRemove: over.autoRemove ?? false,
      restartPolicy: over.restartPolicy ?? { name: 'no', maximumRetryCount: 0 },
      stopSignal: over.stopSignal ?? '',
      mounts: over.mounts ?? [],
    }),
  };
}

/**
 * For a suite: a fresh root and an engine booted on it before each test,
 * closed and removed after it. Read `root` and `e` inside the tests (a
 * test may replace `e`, booting again on the same root; that one is closed).
 */
export function useTestEngine(opts: Parameters<typeof bootEngine>[1] = {}): { root: TestRoot; e: TestEngine } {
  const t = {} as { root: TestRoot; e: TestEngine };
  beforeEach(async () => {
    t.root = makeRoot();
    t.e = await bootEngine(t.root, opts);
  });
  afterEach(() => {
    t.e?.close();
    t.root?.remove();
  });
  return t;
}

/** Polls `fn` every 5 ms until it is true; fails after `ms`. */
export async function until(fn: () => boolean, what: string, ms = 3_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A small in-memory Engine for server tests: records every call, returns
 * canned records, and lets a test replace any method (for example to throw
 * an EngineError of a given kind).
 */
import type { AttachSession, ContainerView, Engine, ImageView, LogEntry, SystemInfo, VersionInfo, VolumeRecord, WaitResult } from '../../src/engine/api.js';
import { Readable } from 'node:stream';
import { defaultCreateSpec, EngineError } from '../../src/engine/api.js';
import type { ErrorKind } from '../../src/engine/api.js';
import type { ErrorCode } from '../../src/engine/errors.js';

export interface Call {
  method: string;
  args: unknown[];
}

export const CONTAINER_ID = 'a'.repeat(64);
export const IMAGE_ID = `sha256:${'b'.repeat(64)}`;

export function sampleContainer(over: Partial<ContainerView> = {}): ContainerView {
  return {
    id: CONTAINER_ID,
    name: 'web',
    created: '2026-11-28T10:00:00.123456789Z',
    spec: {
      image: 'busybox',
      imageId: IMAGE_ID,
      cmd: ['sh', '-c', 'echo hi there'],
      entrypoint: [],
      ...defaultCreateSpec({
        env: ['PATH=/bin'],
        labels: { a: 'b' },
        stopSignal: 'SIGTERM',
        attachStdout: true,
        attachStderr: true,
        mounts: [{ type: 'bind', source: '/h', target: '/c', readOnly: true, origin: 'binds' }],
        networkMode: 'none',
      }),
    },
    state: {
      status: 'running',
      pid: 42,
      conmonPid: 41,
      exitCode: 0,
      startedAt: '2026-11-28T10:00:01.000000000Z',
      finishedAt: '',
      error: '',
      oomKilled: false,
      restartCount: 0,
      stoppedByUser: false,
      hasBeenStarted: true,
      stopping: false,
      removeVolumes: false,
    },
    logPath: '/var/lib/berth/c/ctr.log',
    hostsPath: '/h/hosts',
    hostnamePath: '/h/hostname',
    resolvConfPath: '/h/resolv.conf',
    graphDriver: { lowerDir: '/l', upperDir: '/u', workDir: '/w', mergedDir: '/m' },
    execIds: [],
    network: { endpoints: [], ports: null, sandboxKey: '' },
    ...over,
  };
}

export function sampleImage(over: Partial<ImageView> = {}): ImageView {
  return {
    id: IMAGE_ID,
    tags: ['docker.io/library/busybox:latest'],
    repoDigests: [],
    created: '2026-01-01T00:00:00Z',
    architecture: 'amd64',
    os: 'linux',
    author: '',
    comment: '',
    config: { cmd: ['sh'], entrypoint: null, env: ['PATH=/bin'], workingDir: '', user: '', labels: {}, exposedPorts: [], stopSignal: '', volumes: [] },
    diffIds: [`sha256:${'c'.repeat(64)}`],
    layerIds: ['l1'],
    history: [],
    size: 4096,
    parent: '',
    containers: 0,
    ...over,
  };
}

export function sampleVolume(over: Partial<VolumeRecord> = {}): VolumeRecord {
  return {
    name: 'data',
    driver: 'local',
    labels: {},
    options: {},
    createdAt: '2026-01-01T00:00:00Z',
    anonymous: false,
    mountpoint: '/var/lib/berth/volumes/data/_data',
    ...over,
  };
}

export function engineError(kind: ErrorKind, message = `${kind} happened`): EngineError {
  // Any kind, so no catalogued code fits; the routes map the kind, never the code.
  return new EngineError(kind, 'BERTH_TEST' as ErrorCode, message);
}

/** An async queue: push values, end it; iterate it as an AsyncIterable. */
export class Feed<T> implements AsyncIterable<T> {
  private items: T[] = [];
  private waiting: Array<(r: IteratorResult<T>) => void> = [];
  private ended = false;
  push(item: T): void {
    const w = this.waiting.shift();
    if (w) w({ value: item, done: false });
    else this.items.push(item);
  }
  end(): void {
    this.ended = true;
    for (const w of this.waiting.splice(0)) w({ value: undefined, done: true });
  }
  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => {
        if (this.items.length) return Promise.resolve({ value: this.items.shift() as T, done: false });
        if (this.ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => this.waiting.push(resolve));
      },
    };
  }
}

type AnyFn = (...args: never[]) => Promise<unknown>;

export class FakeEngine implements Engine {
  readonly calls: Call[] = [];
  /** Replacements by "area.method", e.g. "containers.start". */
  readonly overrides = new Map<string, (...args: unknown[]) => Promise<unknown>>();

  /** Makes `key` (e.g. "containers.stop") throw an EngineError of `kind`. */
  fail(key: string, kind: ErrorKind, message?: string): void {
    this.overrides.set(key, async () => {
      throw engineError(kind, message);
    });
  }

  on(key: string, fn: (...args: unknown[]) => Promise<unknown>): void {
    this.overrides.set(key, fn);
  }

  callsOf(key: string): unknown[][] {
    return this.calls.filter((c) => c.method === key).map((c) => c.args);
  }

  private wrap<T extends Record<string, AnyFn>>(area: string, impl: T): T {
    const out: Record<string, AnyFn> = {};
    for (const [name, fn] of Object.entries(impl)) {
      const key = `${area}.${name}`;
      out[name] = (...args: unknown[]) => {
        this.calls.push({ method: key, args });
        const o = this.overrides.get(key);
        return o ? o(...args) : (fn as (...a: unknown[]) => Promise<unknown>)(...args);
      };
    }
    return out as T;
  }

  containers = this.wrap('containers', {
    create: async () => ({ id: CONTAINER_ID, warnings: [] as string[] }),
    inspect: async () => sampleContainer(),
    list: async () => [sampleContainer()],
    start: async () => {},
    stop: async () => {},
    kill: async () => {},
    restart: async () => {},
    pause: async () => {},
    unpause: async () => {},
    wait: async () => ({ result: Promise.resolve<WaitResult>({ exitCode: 0, error: '' }) }),
    remove: async () => {},
    rename: async () => {},
    top: async () => ({ titles: ['PID', 'CMD'], processes: [['1', 'sh']] }),
    logs: async () => ({ tty: false, batches: (async function* (): AsyncGenerator<LogEntry[]> {})() }),
    attach: async (): Promise<AttachSession> => ({ tty: false, output: new Feed(), stdin: null, detach: () => {} }),
    resize: async () => {},
    prune: async () => ({ deleted: [] as string[], spaceReclaimed: 0 }),
  });

  containerFiles = this.wrap('containerFiles', {
    export: async () => Readable.from([Buffer.alloc(1024)]),
    changes: async () => [{ path: '/new', kind: 1 as const }],
    commit: async () => ({ id: IMAGE_ID }),
    statPath: async () => ({ name: 'f', size: 1, mode: 0o644, mtime: '2026-01-01T00:00:00Z', linkTarget: '' }),
    getArchive: async () => ({
      stat: { name: 'f', size: 1, mode: 0o644, mtime: '2026-01-01T00:00:00Z', linkTarget: '' },
      stream: Readable.from([Buffer.alloc(1024)]),
    }),
    putArchive: async () => {},
    mount: async () => '/merged',
    unmount: async () => {},
  });

  volumes = this.wrap('volumes', {
    create: async () => sampleVolume(),
    list: async () => [sampleVolume()],
    inspect: async () => sampleVolume(),
    remove: async () => {},
    prune: async () => ({ deleted: [] as string[], spaceReclaimed: 0 }),
  });

  registry = this.wrap('registry', {
    pull: async () => {},
    push: async () => {},
    login: async () => ({ identityToken: '' }),
  });

  images = this.wrap('images', {
    import: async () => ({ id: IMAGE_ID }),
    list: async () => [sampleImage()],
    inspect: async () => sampleImage(),
    tag: async () => {},
    // The engine reports untagged names in familiar form (ImageDeleteItem).
    remove: async () => [{ untagged: 'busybox:latest' }, { deleted: IMAGE_ID }],
    load: async () => [{ id: IMAGE_ID, tags: ['docker.io/library/busybox:latest'] }],
    save: async () =>
      (async function* (): AsyncGenerator<Buffer> {
        yield Buffer.alloc(1024);
      })(),
    history: async () => [{ id: IMAGE_ID, created: 0, createdBy: 'sh', tags: [] as string[], size: 0, comment: '' }],
    prune: async () => ({ deleted: [] as Array<{ deleted?: string; untagged?: string }>, spaceReclaimed: 0 }),
  });

  system = this.wrap('system', {
    info: async (): Promise<SystemInfo> => ({
      id: 'ID1',
      name: 'host',
      containers: 1,
      containersRunning: 1,
      containersPaused: 0,
      containersStopped: 0,
      images: 1,
      driver: 'overlay2',
      dataRoot: '/var/lib/berth',
      execRoot: '/run/berth',
      cgroupVersion: '2',
      cgroupDriver: 'systemd',
      runtimes: { runc: { path: '/usr/bin/runc' } },
      defaultRuntime: 'runc',
      kernelVersion: '6.1',
      operatingSystem: 'Debian',
      osType: 'linux',
      architecture: 'x86_64',
      ncpu: 4,
      memTotal: 1 << 30,
      serverVersion: '0.1.0',
      loggingDriver: 'json-file',
      pidsLimitDefault: 2048,
      securityOptions: ['name=seccomp,profile=builtin'],
    }),
    version: async (): Promise<VersionInfo> => ({
      version: '0.1.0',
      gitCommit: 'abc',
      nodeVersion: 'v20',
      os: 'linux',
      arch: 'amd64',
      kernelVersion: '6.1',
      buildTime: '',
      components: [{ name: 'runc', version: '1.1.5', details: {} }],
    }),
  });
}

/**
 * What the lifecycle, parallel and logs scenarios drive: the four steps of a
 * container's life and a log read. An engine behind the Docker API and the
 * daemon-less floor both implement it, so both run the same scenario code.
 */
import { DockerClient } from './docker-client.js';

export interface CreateOptions {
  networkMode?: string;
  /** json-file log options (max-size, max-file); the floor ignores them (its log is never rotated). */
  logOpts?: Record<string, string>;
}

export interface Driver {
  readonly name: string;
  /**
   * Creates (does not start) a container running `cmd` in the busybox image;
   * returns its id. `networkMode` defaults to none (the floor has no other).
   */
  create(cmd: string[], opts?: CreateOptions): Promise<string>;
  start(id: string): Promise<void>;
  /** Resolves with the exit code once the container has exited. */
  wait(id: string): Promise<number>;
  remove(id: string): Promise<void>;
  /** Follows the container's stdout from the beginning until it exits; resolves with the payload byte count. */
  followLogs(id: string): Promise<number>;
  /** Reads the whole log of an exited container (no follow); resolves with the payload byte count. */
  readLogs(id: string): Promise<number>;
}

/** The label every benchmark container carries, so cleanup can find leftovers. */
export const BENCH_LABEL = 'berth.bench';

/** The Docker create body of every benchmark container; the floor builds its spec from the same body. */
export function createBody(
  image: string,
  cmd: string[],
  labels: Record<string, string>,
  networkMode = 'none',
  logOpts?: Record<string, string>,
): Record<string, unknown> {
  const logConfig = logOpts ? { LogConfig: { Type: 'json-file', Config: logOpts } } : {};
  return { Image: image, Cmd: cmd, Labels: labels, HostConfig: { NetworkMode: networkMode, ...logConfig } };
}

export class ApiDriver implements Driver {
  /** Ids created and not yet removed: removed with force by cleanup(). */
  readonly live = new Set<string>();

  constructor(
    readonly name: string,
    readonly client: DockerClient,
    readonly image: string,
    readonly runId: string,
  ) {}

  /** `name` is optional: without it the engine generates one, as for `docker run`. */
  create(cmd: string[], opts: CreateOptions = {}): Promise<string> {
    return this.createLabelled(cmd, {}, undefined, opts.networkMode, opts.logOpts);
  }

  async createLabelled(
    cmd: string[],
    extraLabels: Record<string, string> = {},
    name?: string,
    networkMode = 'none',
    logOpts?: Record<string, string>,
  ): Promise<string> {
    const id = await this.client.create(createBody(this.image, cmd, { [BENCH_LABEL]: this.runId, ...extraLabels }, networkMode, logOpts), name);
    this.live.add(id);
    return id;
  }

  /** Creates a container with `extra` fields merged into the usual create body (e.g. a Healthcheck). */
  async createWith(cmd: string[], extra: Record<string, unknown>): Promise<string> {
    const id = await this.client.create({ ...createBody(this.image, cmd, { [BENCH_LABEL]: this.runId }), ...extra });
    this.live.add(id);
    return id;
  }

  start(id: string): Promise<void> {
    return this.client.start(id);
  }

  wait(id: string): Promise<number> {
    return this.client.wait(id);
  }

  async remove(id: string): Promise<void> {
    await this.client.remove(id);
    this.live.delete(id);
  }

  followLogs(id: string): Promise<number> {
    return this.client.logsFollow(id, true);
  }

  readLogs(id: string): Promise<number> {
    return this.client.logsFollow(id, false);
  }

  /** Force-removes every container of this run (tracked ids and anything carrying the run's label). */
  async cleanup(): Promise<void> {
    const labelled = await this.client
      .list(`?all=1&filters=${encodeURIComponent(JSON.stringify({ label: [`${BENCH_LABEL}=${this.runId}`] }))}`)
      .catch(() => []);
    const ids = new Set([...this.live, ...labelled.map((c) => c.Id)]);
    await runPool([...ids], 8, (id) => this.client.remove(id, true).catch(() => undefined));
    this.live.clear();
  }
}

/** Runs `fn` over `items` with at most `width` in flight; rejects with the first error after all settle. */
export async function runPool<T>(items: T[], width: number, fn: (item: T, index: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  // Boxed, so that even a thrown undefined counts as a failure.
  let first: { error: unknown } | undefined;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      try {
        await fn(items[i], i);
      } catch (error) {
        first ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
  if (first) throw first.error;
}

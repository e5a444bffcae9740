/**
 * The containers a build uses, all made and removed through the engine's
 * facade (create, start, wait, logs, mount, remove), so they follow the
 * same lifecycle rules as any other container:
 * - a RUN container: the step's config, the command, build args as env,
 *   the build's network (default: the default bridge, as dockerd), extra
 *   hosts, /dev/shm size and limits; its changes become the step's layer;
 * - a rootfs container (never started): its mounted root is where COPY/ADD
 *   write, or where `COPY --from` reads.
 */
import type { Readable } from 'node:stream';
import { defaultCreateSpec, defaultResources } from '../api.js';
import type { BuildOptions, ContainerFilesApi, ContainersApi, CreateContainerOptions, ImageRuntimeConfig } from '../api.js';

export interface StepContainerDeps {
  containers: ContainersApi;
  files: Pick<ContainerFilesApi, 'mount' | 'unmount'>;
  /** The container's changes as a layer tar (the commit path's reader). */
  containerLayer(id: string): Promise<Readable>;
}

export interface RunSettings {
  /** As `docker run --network`; '' = the default bridge. */
  networkMode: string;
  extraHosts?: string[];
  /** Bytes; 0 = the daemon's default. */
  shmSize?: number;
  /** RUN containers' limits (BuildOptions' fields). */
  limits?: Pick<BuildOptions, 'memory' | 'memorySwap' | 'cpuShares' | 'cpuPeriod' | 'cpuQuota' | 'cpusetCpus'>;
}

/** A build's settings for its RUN containers. Pure. */
export function runSettings(opts: BuildOptions): RunSettings {
  return { networkMode: opts.networkMode, extraHosts: opts.extraHosts, shmSize: opts.shmSize, limits: opts };
}

/** Create options for a build step's container. Pure. */
export function stepContainerOptions(imageId: string, config: ImageRuntimeConfig, cmd: string[], env: string[], run: RunSettings): CreateContainerOptions {
  return {
    image: imageId,
    cmd,
    // Docker's builder clears the entrypoint of RUN containers.
    entrypoint: [],
    spec: defaultCreateSpec({
      env,
      workingDir: config.workingDir,
      user: config.user,
      attachStdout: true,
      attachStderr: true,
      resources: defaultResources({
        memory: run.limits?.memory ?? 0,
        memorySwap: run.limits?.memorySwap ?? 0,
        cpuShares: run.limits?.cpuShares ?? 0,
        cpuQuota: run.limits?.cpuQuota ?? 0,
        cpuPeriod: run.limits?.cpuPeriod ?? 0,
        cpusetCpus: run.limits?.cpusetCpus ?? '',
      }),
      networkMode: run.networkMode,
      extraHosts: run.extraHosts ?? [],
      shmSize: run.shmSize ?? 0,
    }),
  };
}

/** Starts a created container, streams its output to `onOutput` until it exits, and returns its exit code. */
export async function runToExit(deps: StepContainerDeps, id: string, onOutput: (text: string) => void): Promise<number> {
  const abort = new AbortController();
  try {
    const { result } = await deps.containers.wait(id, 'next-exit', abort.signal);
    // A start that fails ends no wait (as dockerd's): the wait is then rejected by the abort below, unawaited.
    result.catch(() => undefined);
    await deps.containers.start(id);
    // Followed while it runs (the build shows output as it comes); the follow ends at the exit.
    const { batches } = await deps.containers.logs(id, { stdout: true, stderr: true, follow: true, since: 0, until: 0, tail: 'all' }, abort.signal);
    for await (const batch of batches) for (const e of batch) onOutput(e.data.toString('utf8'));
    const { exitCode, error } = await result;
    if (error) throw new Error(error);
    return exitCode;
  } finally {
    abort.abort();
  }
}

/** Removes a step container; a failure is only logged by the caller. */
export async function removeStepContainer(deps: StepContainerDeps, id: string): Promise<void> {
  await deps.containers.remove(id, { force: true, volumes: true });
}

/**
 * Runs `fn` with the mounted root of a fresh, never-started container of
 * `imageId`; unmounts afterwards and, unless `keep`, removes the container.
 */
export async function withRootfs<T>(
  deps: StepContainerDeps,
  imageId: string,
  config: ImageRuntimeConfig,
  fn: (root: string, id: string) => Promise<T>,
): Promise<T> {
  const { id } = await deps.containers.create(stepContainerOptions(imageId, config, ['/bin/sh'], [], { networkMode: 'none' }));
  try {
    const root = await deps.files.mount(id);
    try {
      return await fn(root, id);
    } finally {
      await deps.files.unmount(id);
    }
  } finally {
    await removeStepContainer(deps, id);
  }
}

/**
 * Facade area `engine.build`: Docker's classic builder (`POST /build`) and
 * its cache (`POST /build/prune`).
 */
import type { Readable } from 'node:stream';
import type { RegistryCredentials, RegistryProgress } from './registry.js';

export interface BuildOptions {
  /** The build context: a tar stream (plain or gzip). */
  context: Readable;
  /** Path of the Dockerfile inside the context; '' = "Dockerfile". */
  dockerfile: string;
  /** References to tag the result with (short or normalized). */
  tags: string[];
  /** `--build-arg`: a null value means "take it from the daemon's environment" (Docker); berth treats it as unset. */
  buildArgs: Record<string, string | null>;
  /** Added to the final image's labels. */
  labels: Record<string, string>;
  /** Stage name to stop at; '' = the last stage. */
  target: string;
  noCache: boolean;
  /**
   * `--cache-from`: when non-empty, only these images and their parent
   * chains are cache sources (dockerd's classic builder); names that do not
   * resolve are skipped. Empty = every local cache link.
   */
  cacheFrom: string[];
  /** Remove intermediate containers after a successful step (Docker's default true). */
  rm: boolean;
  /** Remove intermediate containers even after a failed step. */
  forceRm: boolean;
  /** Only the image ID is streamed (no step output). */
  quiet: boolean;
  /**
   * RUN containers' network, as `docker run --network`: '' or 'default' =
   * the default bridge, 'bridge', 'host', 'none', 'container:<ref>' or a
   * user network's name or ID.
   */
  networkMode: string;
  /** `--add-host` entries ("name:ip") for RUN containers' /etc/hosts. */
  extraHosts: string[];
  /** Pull every FROM image (and `COPY --from` image) even when it is present locally. */
  pull: boolean;
  /** "os[/arch[/variant]]" for FROM images pulled; '' = the host's. Only linux on the host's architecture runs. */
  platform: string;
  /** Credentials by registry host (X-Registry-Config) for the pulls of FROM images. */
  registryAuth: Record<string, RegistryCredentials>;
  /** Resource limits of RUN containers (as `docker run`'s; 0 = unset). */
  memory: number;
  memorySwap: number;
  cpuShares: number;
  cpuPeriod: number;
  cpuQuota: number;
  cpusetCpus: string;
  /** Size of RUN containers' /dev/shm in bytes; 0 = the daemon's default. */
  shmSize: number;
}

/** One message of the build's progress stream (src/server/wire/build.ts writes Docker's JSON lines). */
export type BuildMessage =
  | { stream: string }
  /** A FROM image's pull, as `docker pull` reports it. */
  | { progress: RegistryProgress }
  /** The built image, before "Successfully built" (Docker's `{"aux":{"ID":…}}`). */
  | { imageId: string }
  /** `code` is the failing command's exit code when a RUN failed, else 0. */
  | { error: string; code: number };

export interface BuildPruneResult {
  cachesDeleted: string[];
  spaceReclaimed: number;
}

export interface BuildApi {
  /**
   * Reads the context and parses the Dockerfile before resolving: a bad
   * context or Dockerfile rejects (invalid-parameter) with nothing built.
   * Then the steps run as `messages` is consumed; a failing step ends the
   * stream with an `error` message (never a rejection), nothing tagged.
   */
  build(opts: BuildOptions): Promise<{ messages: AsyncIterable<BuildMessage> }>;
  /** Forgets the classic builder's cache links (images themselves stay; they are pruned as dangling images). */
  prune(): Promise<BuildPruneResult>;
}

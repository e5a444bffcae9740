/**
 * Facade area `engine.containerFiles`: a container's filesystem — archive
 * (docker cp), mount/unmount, commit, export, diff.
 */
import type { Readable } from 'node:stream';
import type { ImageRuntimeConfig } from '../model/image.js';

/** A change in a container's filesystem (Docker's Kind: 0 modified, 1 added, 2 deleted). */
export interface ContainerChange {
  path: string;
  kind: 0 | 1 | 2;
}

/** What `POST /commit` asks for. */
export interface CommitOptions {
  /** '' = untagged (then tag must be ''). */
  repo: string;
  /** '' = latest. */
  tag: string;
  comment: string;
  author: string;
  /** Pause a running container while its changes are read. */
  pause: boolean;
  /** Dockerfile instructions (CMD, ENV, …) applied last. */
  changes: string[];
  /** The request's config body: set fields replace the container's; null = none. */
  config: Partial<ImageRuntimeConfig> | null;
}

/** Docker's ContainerPathStat (the X-Docker-Container-Path-Stat header). */
export interface ContainerPathStat {
  name: string;
  size: number;
  /** Go os.FileMode bits (dir 1<<31, symlink 1<<27, plus permissions). */
  mode: number;
  /** RFC 3339 (nanoseconds), UTC. */
  mtime: string;
  /** A symlink's resolved path inside the container; else ''. */
  linkTarget: string;
}

/** Container filesystem operations (export, diff, commit, archive). */
export interface ContainerFilesApi {
  /** `HEAD …/archive`: not-found "Could not find the file P in container C" when P is missing. */
  statPath(ref: string, path: string): Promise<ContainerPathStat>;
  /** `GET …/archive`: a tar whose top entry is P's base name (P's contents as "./…" when P ends in "/."). */
  getArchive(ref: string, path: string): Promise<{ stat: ContainerPathStat; stream: Readable }>;
  /**
   * `PUT …/archive`: extracts `source` (tar, plain or gzip) into the directory P.
   * Missing P → not-found; P not a directory → invalid-parameter; read-only rootfs or volume → forbidden.
   */
  putArchive(ref: string, path: string, source: Readable, opts: { noOverwriteDirNonDir: boolean; copyUIDGID: boolean }): Promise<void>;
  /**
   * The seed's Mount(): mounts the container's root for the host (counted) and
   * returns its path (inspect's GraphDriver.Data.MergedDir). No Docker endpoint.
   */
  mount(ref: string): Promise<string>;
  /** Drops one mount(); the root is unmounted when none is left and the container is not running. */
  unmount(ref: string): Promise<void>;
  /** `docker commit`: the container's changes become a new image on top of its own. */
  commit(ref: string, opts: CommitOptions): Promise<{ id: string }>;
  /** A tar of the container's root (running or stopped), streamed; destroying the stream ends the export. */
  export(ref: string): Promise<Readable>;
  /** Changes against the image, sorted by path. */
  changes(ref: string): Promise<ContainerChange[]>;
}

/**
 * Facade area `engine.images`: import, list, inspect, tag, remove, load,
 * save, history, prune. References cross the facade normalized
 * (`docker.io/library/busybox:latest`); `familiarReference` is the one
 * function that turns them into Docker's display form (`busybox:latest`).
 */
import type { Readable } from 'node:stream';
import type { ImageRecord } from '../model/image.js';
import type { Filters } from './common.js';

export type { ImageRecord, ImageRuntimeConfig, ImageHistoryEntry } from '../model/image.js';
export { familiarReference } from '../model/reference.js';

export interface ImportImageOptions {
  source: Readable;
  /** Normalized or short repo name; '' = untagged. */
  repo: string;
  tag: string;
  /** Dockerfile instructions: CMD, ENTRYPOINT, ENV, WORKDIR, USER, LABEL, EXPOSE… */
  changes: string[];
  message: string;
}

export interface ImageView extends ImageRecord {
  /** Number of containers using it. */
  containers: number;
}

export interface ImageDeleteItem {
  /** A removed tag, already in familiar form (as Docker's image service reports it). */
  untagged?: string;
  deleted?: string;
}

export interface ImagesApi {
  import(opts: ImportImageOptions): Promise<{ id: string }>;
  list(opts: { all: boolean; filters: Filters }): Promise<ImageView[]>;
  inspect(ref: string): Promise<ImageView>;
  /** repo may be fully qualified ("docker.io/library/x"); tag '' = latest. */
  tag(ref: string, repo: string, tag: string): Promise<void>;
  remove(ref: string, opts: { force: boolean; noprune: boolean }): Promise<ImageDeleteItem[]>;
  /** `docker load`: every image of a docker-archive or OCI-layout tar (plain or gzip). Bad archive → invalid-parameter, nothing recorded. */
  load(source: Readable): Promise<LoadedImage[]>;
  /** `docker save`: a docker-archive tar of the named images. Names are resolved (not-found) before the stream starts. */
  save(refs: string[]): Promise<AsyncIterable<Buffer>>;
  /** `docker history`, newest first. */
  history(ref: string): Promise<ImageHistoryItem[]>;
  /** `docker image prune`: filters dangling (default true), label, label!, until. */
  prune(filters: Filters): Promise<ImagePruneResult>;
}

export interface LoadedImage {
  id: string;
  /** Normalized references now pointing at the image. */
  tags: string[];
}

export interface ImageHistoryItem {
  /** The image ID (top row), else "<missing>". */
  id: string;
  /** Unix seconds. */
  created: number;
  createdBy: string;
  /** Normalized references (top row only). */
  tags: string[];
  size: number;
  comment: string;
}

export interface ImagePruneResult {
  deleted: ImageDeleteItem[];
  /** Bytes of layer data actually removed. */
  spaceReclaimed: number;
}

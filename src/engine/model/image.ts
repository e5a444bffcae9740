/** Engine-side image records. */
import type { HealthConfig } from './container.js';

/** The runtime part of an OCI/Docker image config. */
export interface ImageRuntimeConfig {
  cmd: string[] | null;
  entrypoint: string[] | null;
  env: string[];
  workingDir: string;
  user: string;
  labels: Record<string, string>;
  /**
   * The config holds its Labels map even when it is empty (`{}`, not left
   * out): dockerd's commit copies the container's map, which is never
   * absent, and a config read with `"Labels": {}` keeps it. Otherwise an
   * empty map is written as none (null).
   */
  emptyLabelsMap?: boolean;
  exposedPorts: string[];
  stopSignal: string;
  volumes: string[];
  /** The image's HEALTHCHECK; absent = none. */
  healthcheck?: HealthConfig | null;
  /** ONBUILD triggers, as written after ONBUILD. */
  onBuild?: string[];
  /** SHELL of a built image. */
  shell?: string[];
}

export interface ImageHistoryEntry {
  created: string;
  createdBy: string;
  comment: string;
  author: string;
  emptyLayer: boolean;
}

export interface ImageRecord {
  /** sha256:<hex> of the config JSON. */
  id: string;
  /** Normalized references, e.g. "docker.io/library/busybox:latest". */
  tags: string[];
  /** "repo@sha256:<manifest digest>" references recorded by pull and push (Docker's RepoDigests). */
  repoDigests: string[];
  /** RFC 3339 nano. */
  created: string;
  architecture: string;
  os: string;
  author: string;
  comment: string;
  config: ImageRuntimeConfig;
  /** Uncompressed layer digests, bottom first. */
  diffIds: string[];
  /** Layer store ids (directories), bottom first. */
  layerIds: string[];
  history: ImageHistoryEntry[];
  /** Sum of the layers' unpacked sizes in bytes. */
  size: number;
  parent: string;
}

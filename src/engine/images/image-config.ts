/**
 * The OCI/Docker image config JSON that an image's ID is the digest of.
 * Pure. Serialization is deterministic: keys are written in a fixed order
 * and maps (labels, ports, volumes) sorted, so the same input gives the same
 * bytes and therefore the same ID.
 */
import { createHash } from 'node:crypto';
import type { HealthConfig as HealthcheckConfig } from '../model/container.js';
import type { ImageHistoryEntry, ImageRecord, ImageRuntimeConfig } from '../model/image.js';

/** Node's process.arch → Go's GOARCH, which image configs use. */
const GO_ARCH: Record<string, string> = {
  x64: 'amd64',
  ia32: '386',
  arm64: 'arm64',
  arm: 'arm',
  ppc64: 'ppc64le',
  s390x: 's390x',
  riscv64: 'riscv64',
  loong64: 'loong64',
  mips: 'mips',
  mipsel: 'mipsle',
};

export function goArch(nodeArch: string = process.arch): string {
  return GO_ARCH[nodeArch] ?? nodeArch;
}

export interface ImageConfigInput {
  /** RFC 3339. */
  created: string;
  architecture: string;
  os: string;
  author: string;
  comment: string;
  config: ImageRuntimeConfig;
  /** "sha256:<hex>", bottom first. */
  diffIds: string[];
  history: ImageHistoryEntry[];
}

/** The image config JSON (exact bytes) and its ID. */
export function serializeImageConfig(input: ImageConfigInput): { json: string; id: string } {
  const doc = {
    architecture: input.architecture,
    ...(input.author ? { author: input.author } : {}),
    ...(input.comment ? { comment: input.comment } : {}),
    config: runtimeConfigJson(input.config),
    created: input.created,
    history: input.history.map(historyJson),
    os: input.os,
    rootfs: { type: 'layers', diff_ids: input.diffIds },
  };
  const json = JSON.stringify(doc);
  return { json, id: `sha256:${createHash('sha256').update(json).digest('hex')}` };
}

/** Docker's config field names; empty fields are left out (OCI omitempty). */
function runtimeConfigJson(c: ImageRuntimeConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (c.user) out.User = c.user;
  if (c.exposedPorts.length) out.ExposedPorts = setJson(c.exposedPorts);
  if (c.env.length) out.Env = c.env;
  if (c.entrypoint) out.Entrypoint = c.entrypoint;
  if (c.cmd) out.Cmd = c.cmd;
  if (c.volumes.length) out.Volumes = setJson(c.volumes);
  if (c.workingDir) out.WorkingDir = c.workingDir;
  const labelKeys = Object.keys(c.labels).sort();
  if (labelKeys.length || c.emptyLabelsMap) out.Labels = Object.fromEntries(labelKeys.map((k) => [k, c.labels[k]]));
  if (c.stopSignal) out.StopSignal = c.stopSignal;
  if (c.healthcheck) out.Healthcheck = healthcheckJson(c.healthcheck);
  if (c.onBuild?.length) out.OnBuild = c.onBuild;
  if (c.shell?.length) out.Shell = c.shell;
  return out;
}

/** Docker's Healthcheck JSON (zero durations left out, as Go's omitempty does). */
function healthcheckJson(h: HealthcheckConfig): Record<string, unknown> {
  return {
    Test: h.test,
    ...(h.interval ? { Interval: h.interval } : {}),
    ...(h.timeout ? { Timeout: h.timeout } : {}),
    ...(h.startPeriod ? { StartPeriod: h.startPeriod } : {}),
    ...(h.retries ? { Retries: h.retries } : {}),
  };
}

function setJson(items: string[]): Record<string, Record<string, never>> {
  return Object.fromEntries([...new Set(items)].sort().map((k) => [k, {}]));
}

function historyJson(h: ImageHistoryEntry): Record<string, unknown> {
  return {
    created: h.created,
    ...(h.author ? { author: h.author } : {}),
    ...(h.createdBy ? { created_by: h.createdBy } : {}),
    ...(h.comment ? { comment: h.comment } : {}),
    ...(h.emptyLayer ? { empty_layer: true } : {}),
  };
}

/** An ImageRecord for a freshly built config (no tags yet). */
export function recordFromConfig(input: ImageConfigInput, id: string, layers: { layerIds: string[]; size: number }): ImageRecord {
  return {
    id,
    tags: [],
    repoDigests: [],
    created: input.created,
    architecture: input.architecture,
    os: input.os,
    author: input.author,
    comment: input.comment,
    config: input.config,
    diffIds: input.diffIds,
    layerIds: layers.layerIds,
    history: input.history,
    size: layers.size,
    parent: '',
  };
}

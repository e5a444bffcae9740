/**
 * Reading an image config JSON that came from outside (docker load): the
 * bytes are kept verbatim (their sha256 is the image ID); this only extracts
 * what berth's ImageRecord needs, and refuses what cannot be an image.
 * Pure.
 */
import type { HealthConfig } from '../model/container.js';
import { createHash } from 'node:crypto';
import { invalid } from '../errors.js';
import type { ImageConfigInput } from './image-config.js';
import type { ImageHistoryEntry, ImageRuntimeConfig } from '../model/image.js';

const DIGEST_RE = /^sha256:[a-f0-9]{64}$/;

const bad = (detail: string) => invalid('BERTH_IMAGE_BAD_CONFIG', `invalid image config: ${detail}`);

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const strList = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const keysOf = (v: unknown): string[] => (isObject(v) ? Object.keys(v) : []);
const nullableList = (v: unknown): string[] | null => (Array.isArray(v) ? strList(v) : null);

/** "sha256:<hex>" of `bytes`. */
export function sha256Digest(bytes: string | Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/**
 * Chain IDs (64 hex, no prefix) of a diff ID list, bottom first:
 * chain[0] = diff[0]; chain[n] = sha256(chain[n-1] + " " + diff[n]) — the
 * identity of "this layer on top of exactly these", which names layer dirs.
 */
export function chainIds(diffIds: string[]): string[] {
  const out: string[] = [];
  for (const d of diffIds) {
    const prev = out.length ? `sha256:${out[out.length - 1]}` : '';
    out.push(prev ? createHash('sha256').update(`${prev} ${d}`).digest('hex') : d.slice('sha256:'.length));
  }
  return out;
}

function runtimeConfigOf(c: unknown): ImageRuntimeConfig {
  const cfg = isObject(c) ? c : {};
  const labels = isObject(cfg.Labels)
    ? (Object.fromEntries(Object.entries(cfg.Labels).filter(([, v]) => typeof v === 'string')) as Record<string, string>)
    : {};
  return {
    cmd: nullableList(cfg.Cmd),
    entrypoint: nullableList(cfg.Entrypoint),
    env: strList(cfg.Env),
    workingDir: str(cfg.WorkingDir),
    user: str(cfg.User),
    labels,
    ...(isObject(cfg.Labels) && Object.keys(labels).length === 0 ? { emptyLabelsMap: true } : {}),
    exposedPorts: keysOf(cfg.ExposedPorts),
    stopSignal: str(cfg.StopSignal),
    volumes: keysOf(cfg.Volumes),
    ...(isObject(cfg.Healthcheck) ? { healthcheck: healthConfigOf(cfg.Healthcheck) } : {}),
    ...(Array.isArray(cfg.OnBuild) && cfg.OnBuild.length ? { onBuild: strList(cfg.OnBuild) } : {}),
    ...(Array.isArray(cfg.Shell) && cfg.Shell.length ? { shell: strList(cfg.Shell) } : {}),
  };
}

/** An image config's Healthcheck (Go durations as integer nanoseconds). */
function healthConfigOf(h: Record<string, unknown>): HealthConfig {
  const n = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  return { test: strList(h.Test), interval: n(h.Interval), timeout: n(h.Timeout), startPeriod: n(h.StartPeriod), retries: n(h.Retries) };
}

function historyOf(h: unknown): ImageHistoryEntry[] {
  if (!Array.isArray(h)) return [];
  return h.filter(isObject).map((e) => ({
    created: str(e.created),
    createdBy: str(e.created_by),
    comment: str(e.comment),
    author: str(e.author),
    emptyLayer: e.empty_layer === true,
  }));
}

/**
 * Parses config bytes. Throws invalid-parameter when the text is not a JSON
 * object, or rootfs.diff_ids is not a list of sha256 digests, or the
 * history names more non-empty layers than there are diff IDs.
 */
export function parseImageConfig(json: string): ImageConfigInput {
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch (err) {
    throw bad((err as Error).message);
  }
  if (!isObject(doc)) throw bad('not a JSON object');
  const rootfs = isObject(doc.rootfs) ? doc.rootfs : {};
  const diffIds = rootfs.diff_ids ?? [];
  if (!Array.isArray(diffIds) || !diffIds.every((d) => typeof d === 'string' && DIGEST_RE.test(d))) throw bad('rootfs.diff_ids must be sha256 digests');
  const history = historyOf(doc.history);
  if (history.filter((e) => !e.emptyLayer).length > diffIds.length) throw bad('history names more layers than rootfs.diff_ids');
  return {
    created: str(doc.created) || new Date(0).toISOString(),
    architecture: str(doc.architecture),
    os: str(doc.os) || 'linux',
    author: str(doc.author),
    comment: str(doc.comment),
    config: runtimeConfigOf(doc.config),
    diffIds: diffIds as string[],
    history,
  };
}

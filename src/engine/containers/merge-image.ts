/**
 * How a create request merges with the image's config, as Docker does it:
 * an explicit Entrypoint discards the image's Cmd; Env is the request's
 * followed by the image's entries it does not override; Labels merge; everything else falls back to the
 * image when the request leaves it empty.
 */
import type { CreateContainerOptions } from '../api/containers.js';
import { invalid } from '../errors.js';
import type { ImageRuntimeConfig } from '../model/image.js';
import type { HealthConfig } from '../model/container.js';

export interface MergedCommand {
  entrypoint: string[];
  cmd: string[];
  env: string[];
  workingDir: string;
  user: string;
  labels: Record<string, string>;
  stopSignal: string;
  exposedPorts: string[];
  healthcheck: HealthConfig | null;
}

export function mergeWithImage(opts: CreateContainerOptions, image: ImageRuntimeConfig): MergedCommand {
  const entrypoint = opts.entrypoint ?? image.entrypoint ?? [];
  const cmd = opts.cmd ?? (opts.entrypoint !== null ? [] : (image.cmd ?? []));
  if (entrypoint.length === 0 && cmd.length === 0) {
    throw invalid('BERTH_CONTAINER_NO_COMMAND', 'No command specified');
  }
  return {
    entrypoint,
    cmd,
    env: mergeEnv(image.env, opts.spec.env),
    workingDir: opts.spec.workingDir || image.workingDir || '',
    user: opts.spec.user || image.user || '',
    labels: { ...image.labels, ...opts.spec.labels },
    // As written (dockerd echoes `term` for --stop-signal term); '' = SIGTERM when stopping.
    stopSignal: opts.spec.stopSignal || image.stopSignal || '',
    exposedPorts: [...new Set([...image.exposedPorts, ...opts.spec.exposedPorts])],
    healthcheck: mergeHealthcheck(opts.spec.healthcheck ?? null, image.healthcheck ?? null),
  };
}

/** Docker's merge: no user check → the image's; else each empty field (Test, durations, Retries) from the image. */
export function mergeHealthcheck(user: HealthConfig | null, image: HealthConfig | null): HealthConfig | null {
  if (!user) return image;
  if (!image) return user;
  return {
    test: user.test.length ? user.test : image.test,
    interval: user.interval || image.interval,
    timeout: user.timeout || image.timeout,
    startPeriod: user.startPeriod || image.startPeriod,
    retries: user.retries || image.retries,
  };
}

/**
 * Docker's create-time merge: the request's entries as given, then each image
 * entry whose variable the request does not set; no request env → the image's.
 */
export function mergeEnv(image: string[], request: string[]): string[] {
  if (request.length === 0) return image;
  const name = (entry: string) => entry.split('=', 1)[0];
  const set = new Set(request.map(name));
  return [...request, ...image.filter((entry) => !set.has(name(entry)))];
}

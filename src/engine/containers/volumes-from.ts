/**
 * HostConfig.VolumesFrom: `name[:ro|rw]` names a container whose volume and
 * bind mounts the new container inherits (read-only or read-write for all
 * of them when a mode is given, else each as it is).
 */
import { invalid, isEngineError } from '../errors.js';
import type { VolumesFromSource } from '../volumes/container-mounts.js';
import type { ContainerContext } from './context.js';
import { findContainer } from './resolve.js';

/** Splits `name[:mode]`. Pure; an unknown mode is Docker's 400. */
export function parseVolumesFrom(spec: string): { ref: string; mode: '' | 'ro' | 'rw' } {
  const colon = spec.lastIndexOf(':');
  if (colon < 0) return { ref: spec, mode: '' };
  const mode = spec.slice(colon + 1);
  if (mode !== 'ro' && mode !== 'rw') throw invalid('BERTH_MOUNT_BAD_MODE', `invalid mode: ${mode}`);
  return { ref: spec.slice(0, colon), mode };
}

/** Each entry's container and mode; an unknown container is a 400 (Docker's). */
export function resolveVolumesFrom(ctx: ContainerContext, specs: string[]): VolumesFromSource[] {
  return specs.map((spec) => {
    const { ref, mode } = parseVolumesFrom(spec);
    try {
      return { mounts: findContainer(ctx, ref).spec.mounts, mode };
    } catch (err) {
      if (isEngineError(err, 'not-found')) throw invalid('BERTH_MOUNT_NO_SOURCE_CONTAINER', `No such container: ${ref}`, err);
      throw err;
    }
  });
}

/**
 * HostConfig.VolumesFrom: `name[:mode]` names a container whose volume and
 * bind mounts the new container inherits; a mode with `ro` makes all of them
 * read-only, otherwise each stays as it is in the other container.
 */
import { invalid, isEngineError } from '../errors.js';
import type { VolumesFromSource } from '../volumes/container-mounts.js';
import { MOUNT_PROPAGATIONS, validMountMode } from '../model/mount-modes.js';
import type { ContainerContext } from './context.js';
import { findContainer } from './resolve.js';

/**
 * Splits `name[:mode]` at the first colon, with dockerd's rules and texts:
 * the mode is a Binds mode ("ro", "rw", "z", "ro,z"…) without propagation
 * or nocopy. Pure.
 */
export function parseVolumesFrom(spec: string): { ref: string; readOnly: boolean } {
  if (spec === '') throw invalid('BERTH_MOUNT_BAD_MODE', 'volumes-from specification cannot be an empty string');
  const colon = spec.indexOf(':');
  if (colon < 0) return { ref: spec, readOnly: false };
  const mode = spec.slice(colon + 1);
  if (!validMountMode(mode)) throw invalid('BERTH_MOUNT_BAD_MODE', `invalid mode: ${mode}`);
  const opts = mode.split(',');
  if (opts.some((o) => o === 'nocopy' || MOUNT_PROPAGATIONS.has(o))) throw invalid('BERTH_MOUNT_BAD_MODE', `invalid volume specification: '${spec}'`);
  return { ref: spec.slice(0, colon), readOnly: opts.includes('ro') };
}

/** Each entry's container and mode; an unknown container is a 400 (Docker's). */
export function resolveVolumesFrom(ctx: ContainerContext, specs: string[]): VolumesFromSource[] {
  return specs.map((spec) => {
    const { ref, readOnly } = parseVolumesFrom(spec);
    try {
      return { mounts: findContainer(ctx, ref).spec.mounts, readOnly };
    } catch (err) {
      if (isEngineError(err, 'not-found')) throw invalid('BERTH_MOUNT_NO_SOURCE_CONTAINER', `No such container: ${ref}`, err);
      throw err;
    }
  });
}

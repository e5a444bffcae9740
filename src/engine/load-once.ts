/**
 * A module (or anything costly) loaded at its first use, once: concurrent
 * first calls share the load; a load that fails rejects that call with
 * BERTH_HOST_MODULE_LOAD and the next call tries again. Used for the engine
 * areas loaded on demand (on-demand.ts) and for execa (execa-on-demand.ts).
 */
import { systemError } from './errors.js';

export interface OnDemand<T> {
  /** The area, loading it on the first call. */
  (): Promise<T>;
  /** The area if it has been loaded, else undefined (nothing is loaded). */
  loaded(): T | undefined;
}

/** berthd's modules on disk no longer match the running process (rebuilt or upgraded under it), or the load failed. */
function loadFailed(err: unknown): Error {
  return systemError(
    'BERTH_HOST_MODULE_LOAD',
    `loading a part of berthd at its first use: ${(err as Error).message}; if berthd was rebuilt or upgraded while running, restart it`,
    err,
  );
}

/** Wraps `load` so that it runs once, at the first call that succeeds. */
export function onDemand<T>(load: () => Promise<T>): OnDemand<T> {
  let pending: Promise<T> | undefined;
  let value: T | undefined;
  const get = () =>
    (pending ??= load().then(
      (v) => {
        value = v;
        return v;
      },
      (err: unknown) => {
        pending = undefined; // the next call tries again (EMFILE passes; a missing chunk does not)
        throw loadFailed(err);
      },
    ));
  return Object.assign(get, { loaded: () => value });
}

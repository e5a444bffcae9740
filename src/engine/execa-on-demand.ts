/**
 * execa, loaded at its first call rather than when berthd starts: the package
 * and its dependencies are about 150 modules (about 0.9 MiB of heap once
 * loaded), which berthd need not load (unbundled) or evaluate (in
 * dist/berthd.mjs, where esbuild puts a dynamic import in a chunk of its own)
 * unless it runs tar to a buffer or `berthd check`. Everything the daemon
 * runs on its own (the lifecycle's programs, the network tools, ps) goes
 * through the spawn helper (host/spawner.ts) instead.
 *
 * Same call as execa's for what berth does with it: the result is awaited,
 * never used as a live subprocess.
 */
import type { Options, Result } from 'execa';
import { onDemand } from './load-once.js';

const loadExeca = onDemand(() => import('execa'));

/** Runs `file` with `args` (no shell) and resolves to execa's result for `options`. */
export function execa<O extends Options>(file: string, args: readonly string[], options: O): Promise<Result<O>> {
  // A ResultPromise is a Promise of the Result; TypeScript cannot see that through the generic.
  return loadExeca().then(({ execa: run }) => run(file, args, options) as Promise<Result<O>>);
}

/**
 * execa, loaded at its first call rather than when berthd starts: the package
 * and its dependencies are about 150 modules, which berthd's start need not
 * load (unbundled) or evaluate (in dist/berthd.mjs, where esbuild keeps a
 * dynamic import lazy). Call `preloadExeca()` once the daemon listens so the
 * first container operation does not pay for the load either.
 *
 * Same call as execa's for what berth does with it: the result is awaited,
 * never used as a live subprocess.
 */
import type { Options, Result } from 'execa';

let execaModule: Promise<typeof import('execa')> | undefined;

/** Starts loading execa (once); resolves to the module. */
export function preloadExeca(): Promise<typeof import('execa')> {
  return (execaModule ??= import('execa'));
}

/** Runs `file` with `args` (no shell) and resolves to execa's result for `options`. */
export function execa<O extends Options>(file: string, args: readonly string[], options: O): Promise<Result<O>> {
  // A ResultPromise is a Promise of the Result; TypeScript cannot see that through the generic.
  return preloadExeca().then(({ execa: run }) => run(file, args, options) as Promise<Result<O>>);
}

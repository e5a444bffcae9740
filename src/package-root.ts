/**
 * Where berth's files are: the package root is the nearest directory above
 * the running code that holds package.json. The same lookup works from
 * src/ (tests under a TypeScript loader), dist/src/ (tsc output) and
 * dist/berthd.mjs (the bundle), so data files (openapi.yaml, SQL
 * migrations, package.json) are never addressed relative to a module.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Walks up from `start` to the first directory holding package.json. Throws when there is none. */
export function findPackageRoot(start: string): string {
  let dir = start;
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${start}`);
    dir = parent;
  }
}

let root: string | undefined;

/** berth's package root (computed once). */
export function packageRoot(): string {
  return (root ??= findPackageRoot(dirname(fileURLToPath(import.meta.url))));
}

/** berth's own version, from its package.json. */
export function readPackageVersion(): string {
  const file = join(packageRoot(), 'package.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

/** Finding the binaries berthd runs, its own version, and how node should run it. */

/**
 * V8 flags berthd's launchers pass to node (the shebang, scripts/run-berthd.sh,
 * the systemd wrapper, the benchmark). A 4 MiB young generation instead of
 * V8's 16 MiB default keeps a daemon's RSS about 10–25 MiB lower at no
 * measured cost to the container lifecycle. They only take effect on node's
 * command line, never from inside the process.
 */
export const NODE_FLAGS = ['--max-semi-space-size=4'];
import fs from 'node:fs';
import path from 'node:path';
import { packageRoot } from './package-root.js';

const SEARCH_PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** An absolute path for `name` (or `name` itself when it is a path). Throws when missing. */
export async function resolveBinary(name: string): Promise<string> {
  if (name.includes('/')) {
    if (!isExecutable(name)) throw new Error(`${name} is not an executable file`);
    return path.resolve(name);
  }
  const dirs = [...(process.env.PATH ?? '').split(':').filter(Boolean), ...SEARCH_PATH];
  const found = dirs.map((d) => path.join(d, name)).find(isExecutable);
  if (!found) throw new Error(`${name} not found in PATH; install it (apt-get install ${name})`);
  return found;
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

export function readPackageVersion(): string {
  const file = path.join(packageRoot(), 'package.json');
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
}

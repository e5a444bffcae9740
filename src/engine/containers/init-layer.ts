/**
 * Docker's init layer, in the container's own upper dir.
 *
 * dockerd puts a layer between the image and every container's writable
 * layer with the mount points its runtime setup needs (moby's
 * daemon/initlayer): so a container that never ran already has an (empty)
 * /etc/hosts, /etc/hostname, /etc/resolv.conf and /.dockerenv, and `docker
 * cp` of those paths works before the first start. berth has no separate
 * layer: at create it makes the same placeholders in the upper dir, each
 * only where the image has nothing at that path (an image's own file is
 * never shadowed). `docker diff` (diff.ts) and commit leave them out, as
 * Docker does with its init layer.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { lstatInLowers } from './lower-dirs.js';
import { settleAll } from '../settle-all.js';

type Placeholder = 'dir' | 'file' | { symlink: string };

/** moby's init layer entries (container path → what is made). */
export const INIT_LAYER: ReadonlyMap<string, Placeholder> = new Map<string, Placeholder>([
  ['/dev/pts', 'dir'],
  ['/dev/shm', 'dir'],
  ['/proc', 'dir'],
  ['/sys', 'dir'],
  ['/.dockerenv', 'file'],
  ['/etc/resolv.conf', 'file'],
  ['/etc/hosts', 'file'],
  ['/etc/hostname', 'file'],
  ['/dev/console', 'file'],
  ['/etc/mtab', { symlink: '/proc/mounts' }],
]);

/**
 * Makes the init layer's placeholders in `upper` for a container of the image
 * whose lower dirs (absolute, top-most first) are `lowers`. A path the image
 * has is skipped, and so is one whose parent the image has as a non-directory
 * (a directory in the upper dir would hide it).
 */
export async function makeInitPlaceholders(upper: string, lowers: string[]): Promise<void> {
  const plan = placeholdersFor(lowers);
  // Parents first (each once), then the placeholders side by side.
  const parents = new Set(plan.map(([rel]) => path.dirname(path.join(upper, rel))));
  await settleAll([...parents], (d) => fs.mkdir(d, { recursive: true, mode: 0o755 }));
  await settleAll(plan, ([rel, kind]) => {
    const target = path.join(upper, rel);
    if (kind === 'dir') return fs.mkdir(target, { recursive: true, mode: 0o755 });
    if (kind === 'file') return fs.writeFile(target, '', { flag: 'a', mode: 0o755 });
    return fs.symlink(kind.symlink, target).catch((err: NodeJS.ErrnoException) => (err.code === 'EEXIST' ? undefined : Promise.reject(err)));
  });
}

/**
 * The placeholders an image needs (relative paths), by its lower dirs. A
 * layer's directory never changes once the layer is stored, so the answer
 * is looked up once per image instead of with ~20 lstat calls per create
 * (synchronous ones, lower-dirs.ts: reads that never wait for the journal).
 * Bounded: a daemon with many images keeps only the most recent plans.
 */
const plans = new Map<string, Array<[string, Placeholder]>>();
const PLANS_MAX = 64;

function placeholdersFor(lowers: string[]): Array<[string, Placeholder]> {
  const key = lowers.join('\n');
  let plan = plans.get(key);
  if (plan) return plan;
  plan = [];
  for (const [p, kind] of INIT_LAYER) {
    const rel = p.slice(1);
    if (lstatInLowers(lowers, rel)) continue;
    const parent = path.posix.dirname(rel);
    const parentStat = parent === '.' ? null : lstatInLowers(lowers, parent);
    if (parentStat && !parentStat.isDirectory()) continue;
    plan.push([rel, kind]);
  }
  if (plans.size >= PLANS_MAX) plans.delete(plans.keys().next().value!);
  plans.set(key, plan);
  return plan;
}

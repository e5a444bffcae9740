/**
 * Docker's init layer, made once per image and shared by its containers.
 *
 * dockerd puts a layer between the image and every container's writable
 * layer with the mount points its runtime setup needs (moby's
 * daemon/initlayer): so a container that never ran already has an (empty)
 * /etc/hosts, /etc/hostname, /etc/resolv.conf and /.dockerenv, and `docker
 * cp` of those paths works before the first start. Its contents depend only
 * on the image's layers, so berth makes it once per layer stack, in the
 * image's top layer directory (`<layerId>/init`; `empty-init` for an image
 * without layers), and every container of the image mounts it read-only as
 * the lower dir right below its upper dir: nothing to make at create or to
 * remove at `docker rm`, and removing the layer removes it. A placeholder
 * is made only where the image has nothing at that path (an image's own
 * file is never shadowed). The container's binds cover the etc files; a
 * change the container makes to a placeholder lands in its upper dir.
 * `docker diff` (diff.ts) and commit leave these paths out, as Docker does
 * with its init layer. Containers created before keep their placeholders
 * in their upper dir, which hides the shared ones.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { lstatOrNull } from '../host/read-sync.js';
import type { ImageRecord } from '../model/image.js';
import { lstatInLowers } from './lower-dirs.js';
import { settleAll } from '../settle-all.js';
import type { ImageService } from '../images/service.js';

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
 * Makes the init layer's placeholders in `upper` (a new directory) for the
 * image whose lower dirs (absolute, top-most first) are `lowers`. A path the
 * image has is skipped, and so is one whose parent the image has as a
 * non-directory (a directory above it would hide it).
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

/**
 * The lower dirs of a container of `image`, relative to the overlay root,
 * top-most first: its init layer (made here when missing), then the
 * image's layers. Throws not-found when the image has no row.
 */
export async function containerLowers(images: ImageService, image: Pick<ImageRecord, 'id'>): Promise<string[]> {
  const root = images.overlayRoot;
  const lowers = images.lowerDirs(image);
  const top = images.layerSizes(image.id).at(-1)?.id;
  const init = top === undefined ? 'empty-init' : path.join(top, 'init');
  // A synchronous lstat (a read) per use: a layer may be removed and stored again.
  if (!lstatOrNull(path.join(root, init)))
    await makeInitLayer(
      root,
      init,
      lowers.map((l) => path.resolve(root, l)),
    );
  return [init, ...lowers];
}

/**
 * Fills a tmp-* dir (the layer store's startup sweep removes one a crash
 * left) and renames it into place; a concurrent create that got there
 * first wins, and this one's copy is dropped.
 */
async function makeInitLayer(root: string, init: string, lowers: string[]): Promise<void> {
  const tmp = await fs.mkdtemp(path.join(root, 'tmp-init-'));
  try {
    await fs.chmod(tmp, 0o755);
    await makeInitPlaceholders(tmp, lowers);
    await fs.rename(tmp, path.join(root, init));
  } catch (err) {
    await fs.rm(tmp, { recursive: true, force: true });
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
  }
}

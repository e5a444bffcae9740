/**
 * Removing a directory tree with synchronous calls, a batch at a time.
 *
 * `fs.promises.rm(dir, { recursive: true })` sends every lstat, readdir,
 * unlink and rmdir to libuv's thread pool: each costs a hand-off to a
 * worker thread and a wake-up of the event loop, several times the syscall
 * itself. A container's directories hold a few dozen entries, removed on
 * every `docker rm`, so that overhead was a large part of berthd's CPU per
 * lifecycle. Here each call is made on the loop, and the loop is given back
 * (setImmediate) after every BATCH calls, so a container that wrote a
 * million files delays other requests by one batch at a time, never by the
 * whole removal.
 */
import fs from 'node:fs';
import path from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';

/** Calls made between two turns of the event loop: about a millisecond of metadata work on a local disk. */
const BATCH = 64;

/**
 * Removes `target` and everything below it, like `fs.rm(target, { recursive:
 * true, force: true })`: a missing target (or entry) is no error, symlinks
 * are removed, never followed. Other errors (EBUSY of a mount point, EACCES)
 * are thrown as fs.rm throws them.
 */
export async function removeTree(target: string): Promise<void> {
  let calls = 0;
  const pace = async () => {
    if (++calls % BATCH === 0) await nextTurn();
  };
  const top = lstatIfAny(target);
  if (!top) return;
  if (!top.isDirectory()) return ignoreMissing(() => fs.unlinkSync(target));
  // Post-order walk with an explicit stack: a directory is removed once its entries are.
  const stack: Array<{ dir: string; listed: boolean }> = [{ dir: target, listed: false }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (top.listed) {
      stack.pop();
      ignoreMissing(() => fs.rmdirSync(top.dir));
      await pace();
      continue;
    }
    top.listed = true;
    for (const entry of readDirIfAny(top.dir)) {
      const p = path.join(top.dir, entry.name);
      if (entry.isDirectory()) stack.push({ dir: p, listed: false });
      else ignoreMissing(() => fs.unlinkSync(p));
      await pace();
    }
  }
}

function lstatIfAny(p: string): fs.Stats | undefined {
  return fs.lstatSync(p, { throwIfNoEntry: false });
}

function readDirIfAny(dir: string): fs.Dirent[] {
  try {
    return fs.readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

function ignoreMissing(fn: () => void): void {
  try {
    fn();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

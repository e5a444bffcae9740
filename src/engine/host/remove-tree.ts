/**
 * Removing a directory tree with fewer calls than `fs.rm(dir, { recursive:
 * true })`, which lstat's every entry before unlinking it. Here a
 * directory's listing (readdir with file types) says what each entry is,
 * so a file costs one call (unlink) and a directory two (readdir, rmdir).
 * Every call still goes through libuv's thread pool: an unlink or rmdir
 * waits for ext4's journal, at times for tens of milliseconds on a busy
 * disk, and must never hold berthd's event loop that long. A container's
 * directories hold a few dozen entries, removed at every `docker rm`.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';

/** Entries of one directory removed concurrently at most. */
const WIDTH = 32;

/**
 * Removes `target` and everything below it, like `fs.rm(target, { recursive:
 * true, force: true })`: a missing target (or entry) is no error, symlinks
 * are removed, never followed. Other errors (EBUSY of a mount point, EACCES)
 * are thrown as fs.rm throws them.
 */
export async function removeTree(target: string): Promise<void> {
  const top = await fsp.lstat(target).catch(missingAs(undefined));
  if (!top) return;
  if (top.isDirectory()) await removeDir(target);
  else await fsp.unlink(target).catch(missingAs(undefined));
}

/**
 * Removes the file (or symlink) `file`; missing is no error. One unlink,
 * where `fs.rm(file, { force: true })` lstat's it twice first.
 */
export async function removeFile(file: string): Promise<void> {
  await fsp.unlink(file).catch(missingAs(undefined));
}

async function removeDir(dir: string): Promise<void> {
  const entries = await fsp.readdir(dir, { withFileTypes: true }).catch(missingAs([]));
  for (let i = 0; i < entries.length; i += WIDTH) {
    await Promise.all(
      entries.slice(i, i + WIDTH).map((e) => {
        const p = path.join(dir, e.name);
        return e.isDirectory() ? removeDir(p) : fsp.unlink(p).catch(missingAs(undefined));
      }),
    );
  }
  await fsp.rmdir(dir).catch(missingAs(undefined));
}

/** A catch handler: ENOENT (gone meanwhile, or never there) becomes `value`; anything else is rethrown. */
function missingAs<T>(value: T): (err: NodeJS.ErrnoException) => T {
  return (err) => {
    if (err.code === 'ENOENT') return value;
    throw err;
  };
}

/**
 * Removing a directory tree with fewer calls than `fs.rm(dir, { recursive:
 * true })`, which lstat's every entry before unlinking it. Here a
 * directory's listing (readdir with file types) says what each entry is,
 * so a file costs one call (unlink); a directory below the target is first
 * simply rmdir'ed (one call: most are empty, like a container's unmounted
 * `merged`, its `upper` after a command that wrote nothing, overlayfs's
 * `work/work`) and listed only when that fails because it is not empty.
 *
 * Whether something is there at all is asked with a synchronous lstat: a
 * read never waits for the journal, and a missing path (the bundle the
 * exit command already removed, an exit file nobody left) then costs no
 * round trip through libuv's thread pool. Every write (unlink, rmdir) and
 * every listing still goes through the pool: an unlink or rmdir waits for
 * ext4's journal, at times for tens of milliseconds on a busy disk, and
 * must never hold berthd's event loop that long (measured, see the commit
 * that moved them back); a listing of a container's upper dir may be long.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';

/** Entries of one directory removed concurrently at most. */
const WIDTH = 32;
/** Listings of one directory at most, when entries keep appearing in it while it is emptied. */
const LISTINGS = 3;

/**
 * Removes `target` and everything below it, like `fs.rm(target, { recursive:
 * true, force: true })`: a missing target (or entry) is no error, symlinks
 * are removed, never followed. Other errors (EBUSY of a mount point, EACCES)
 * are thrown as fs.rm throws them; a mount point below the target is
 * refused by its rmdir (EBUSY) before anything inside it is touched.
 */
export async function removeTree(target: string): Promise<void> {
  const top = probe(target);
  if (top === 'missing') return;
  if (top === 'directory') await removeDir(target, true);
  else await unlinkFile(target);
}

/**
 * Removes the file (or symlink) `file`; missing is no error. A missing
 * file costs one synchronous lstat, a present one that and one unlink
 * (where `fs.rm(file, { force: true })` lstat's it twice first). A file
 * made between the two calls is left, as if the unlink had come first.
 */
export async function removeFile(file: string): Promise<void> {
  if (probe(file) !== 'missing') await unlinkFile(file);
}

/**
 * Unlinks `file`, which is most likely there (a probe would only add a
 * call); missing is no error.
 */
export async function unlinkFile(file: string): Promise<void> {
  await fsp.unlink(file).catch(missingAs(undefined));
}

/** What lstat says is at `p`; 'other' also when it cannot say (the write that follows reports why). */
function probe(p: string): 'missing' | 'directory' | 'other' {
  try {
    const st = fs.lstatSync(p, { throwIfNoEntry: false });
    if (!st) return 'missing';
    return st.isDirectory() ? 'directory' : 'other';
  } catch {
    return 'other';
  }
}

/**
 * Removes the directory `dir` with everything in it. `listFirst`: list it
 * at once (it is known to hold entries), else try rmdir first and list
 * only when it is not empty. An entry made while the listed ones are
 * removed (an exec session's directory in a bundle being torn down) makes
 * the rmdir fail: the directory is listed again, as fs.rm does, a few times.
 */
async function removeDir(dir: string, listFirst: boolean): Promise<void> {
  for (let pass = 0; ; pass++) {
    if (listFirst || pass > 0) await removeEntries(dir);
    const removed = await fsp.rmdir(dir).then(
      () => true,
      (err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return true;
        if ((err.code === 'ENOTEMPTY' || err.code === 'EEXIST') && pass < LISTINGS) return false;
        throw err;
      },
    );
    if (removed) return;
  }
}

/** Removes what a listing of `dir` shows, WIDTH entries at a time. */
async function removeEntries(dir: string): Promise<void> {
  const entries = await fsp.readdir(dir, { withFileTypes: true }).catch(missingAs([]));
  for (let i = 0; i < entries.length; i += WIDTH) {
    await Promise.all(
      entries.slice(i, i + WIDTH).map((e) => {
        const p = path.join(dir, e.name);
        return e.isDirectory() ? removeDir(p, false) : unlinkFile(p);
      }),
    );
  }
}

/** A catch handler: ENOENT (gone meanwhile, or never there) becomes `value`; anything else is rethrown. */
function missingAs<T>(value: T): (err: NodeJS.ErrnoException) => T {
  return (err) => {
    if (err.code === 'ENOENT') return value;
    throw err;
  };
}

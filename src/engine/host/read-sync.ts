/**
 * Synchronous reads of small files that may be missing: kernel files
 * (/proc, /sys/fs/cgroup), the host's /etc files and berth's own records.
 * For files of a few KiB a synchronous read costs the event loop less than
 * a round trip through libuv's thread pool; a write is never done this way
 * (it may wait for the disk's journal).
 */
import fs, { type Stats } from 'node:fs';

/**
 * The file's text, or undefined when it cannot be read (missing, not
 * permitted, a directory). Missing is what several callers mostly find (a
 * cgroup gone with its container, a pid file the exit command removed):
 * existsSync answers that without the error object a failed read throws
 * (about 15 µs each, most of it the stack trace), for one access(2) more
 * when the file is there.
 */
export function readTextSync(file: string): string | undefined {
  if (!fs.existsSync(file)) return undefined;
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** The file's bytes, or undefined when it cannot be read. */
export function readBytesSync(file: string): Buffer | undefined {
  try {
    return fs.readFileSync(file);
  } catch {
    return undefined;
  }
}

/** lstat, or null when the path cannot be examined (missing, not reachable). A missing path throws no error on the way. */
export function lstatOrNull(p: string): Stats | null {
  try {
    return fs.lstatSync(p, { throwIfNoEntry: false }) ?? null;
  } catch {
    return null;
  }
}

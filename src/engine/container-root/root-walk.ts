/**
 * Resolves a path inside a container root without ever leaving it, also
 * while processes in the container rename directories or plant symlinks.
 *
 * Node has no openat(2) and no openat2(RESOLVE_IN_ROOT); berth gets the
 * same guarantee by walking with directory file descriptors: every step
 * names ONE component relative to an already-open directory, through the
 * magic link `/proc/self/fd/<dirfd>/<name>`, which the kernel resolves to
 * exactly that open directory (whatever its path is by now). Components are
 * opened with O_NOFOLLOW | O_DIRECTORY, so the kernel never follows a
 * symlink on its own: symlinks are read (readlink) and resolved here, an
 * absolute target restarting at the container root, `..` popping the stack
 * of open directories and stopping at the root. A component that changes
 * kind between the lstat and the open is retried, never followed.
 *
 * The base may be `/proc/<pid>/root` of a running container (its own view,
 * mounts included) or a host directory holding a stopped container's root.
 */
import fsSync from 'node:fs';
import fs from 'node:fs/promises';
import { notFound, invalid } from '../errors.js';

const MAX_SYMLINKS = 40;
const MAX_RETRIES = 100;
const DIR_FLAGS = fsSync.constants.O_RDONLY | fsSync.constants.O_DIRECTORY | fsSync.constants.O_NOFOLLOW | fsSync.constants.O_NONBLOCK;

/** The host path naming `name` inside the open directory `fd` (one component; no symlink followed at the end by lstat). */
export const atPath = (fd: number, name: string) => `/proc/self/fd/${fd}/${name}`;

/** Splits a container path into components, dropping '' and '.'. Pure. */
export function pathComponents(p: string): string[] {
  return p.split('/').filter((c) => c !== '' && c !== '.');
}

export interface Walked {
  /** Open directory that holds the final component (or the root itself when `name` is null). */
  dirFd: number;
  /** The final component; null when the path resolved to the root. */
  name: string | null;
  /** lstat of the final component; null when it does not exist (only the last component may be missing). */
  stat: fsSync.BigIntStats | null;
  /** The resolved absolute path inside the container ("/" for the root). */
  containerPath: string;
  /** Closes every descriptor of the walk. Idempotent. */
  close(): void;
}

interface Frame {
  fd: number;
  name: string;
}

/**
 * Walks `inner` (absolute or relative to "/" of the container) from `base`.
 * With `followFinal` a symlink as last component is resolved too; without,
 * it is reported as itself (lstat semantics). Errors: a missing or
 * non-directory intermediate component → not-found; a symlink loop →
 * invalid-parameter. With `createDirs`, missing intermediate directories
 * are made (mode 0755, owned by the daemon's user) instead.
 */
export async function walkInRoot(base: string, inner: string, opts: { followFinal: boolean; createDirs?: boolean }): Promise<Walked> {
  const stack: Frame[] = [{ fd: fsSync.openSync(base, fsSync.constants.O_RDONLY | fsSync.constants.O_DIRECTORY), name: '' }];
  const close = () => {
    for (const f of stack.splice(0)) fsSync.closeSync(f.fd);
  };
  const popTo = (depth: number) => {
    while (stack.length > depth) fsSync.closeSync(stack.pop()!.fd);
  };
  const containerPath = (extra?: string) => `/${[...stack.slice(1).map((f) => f.name), ...(extra ? [extra] : [])].join('/')}`;
  try {
    const todo = pathComponents(inner);
    let links = 0;
    let retries = 0;
    while (todo.length > 0) {
      const part = todo.shift()!;
      if (part === '..') {
        popTo(Math.max(1, stack.length - 1));
        continue;
      }
      const top = stack[stack.length - 1];
      const last = todo.length === 0;
      const st = await fs.lstat(atPath(top.fd, part), { bigint: true }).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return null;
        throw err;
      });
      if (st === null) {
        if (last) return { dirFd: top.fd, name: part, stat: null, containerPath: containerPath(part), close };
        if (opts.createDirs && ++retries <= MAX_RETRIES) {
          // mkdir(2) never follows a final symlink; EEXIST means someone was faster: look again.
          await fs.mkdir(atPath(top.fd, part), { mode: 0o755 }).catch((err: NodeJS.ErrnoException) => {
            if (err.code !== 'EEXIST') throw err;
          });
          todo.unshift(part);
          continue;
        }
        throw notFound('BERTH_PATH_NOT_FOUND', `${containerPath(part)}: no such file or directory`);
      }
      if (st.isSymbolicLink() && (!last || opts.followFinal)) {
        if (++links > MAX_SYMLINKS) throw invalid('BERTH_PATH_LOOP', `too many levels of symbolic links: ${inner}`);
        const target = await fs.readlink(atPath(top.fd, part)).catch((err: NodeJS.ErrnoException) => {
          if (err.code === 'ENOENT' || err.code === 'EINVAL') return null;
          throw err;
        });
        if (target === null) {
          // No longer a symlink (a race with the container): look again.
          if (++retries > MAX_RETRIES) throw invalid('BERTH_PATH_UNSTABLE', `${inner} keeps changing`);
          links--;
          todo.unshift(part);
          continue;
        }
        if (target.startsWith('/')) popTo(1);
        todo.unshift(...pathComponents(target));
        continue;
      }
      if (last) return { dirFd: top.fd, name: part, stat: st, containerPath: containerPath(part), close };
      if (!st.isDirectory()) throw notFound('BERTH_PATH_NOT_FOUND', `${containerPath(part)}: not a directory`);
      const fd = await openDir(atPath(top.fd, part));
      if (fd === null) {
        // Changed kind since the lstat (a race with the container): look again.
        if (++retries > MAX_RETRIES) throw invalid('BERTH_PATH_UNSTABLE', `${inner} keeps changing`);
        todo.unshift(part);
        continue;
      }
      stack.push({ fd, name: part });
    }
    return {
      dirFd: stack[stack.length - 1].fd,
      name: null,
      stat: await fs.lstat(atPath(stack[stack.length - 1].fd, '.'), { bigint: true }),
      containerPath: containerPath(),
      close,
    };
  } catch (err) {
    close();
    throw err;
  }
}

/** open(2) of a directory without following a final symlink; null when it is (now) a symlink or not a directory. */
async function openDir(p: string): Promise<number | null> {
  try {
    return await new Promise<number>((resolve, reject) => fsSync.open(p, DIR_FLAGS, (err, fd) => (err ? reject(err) : resolve(fd))));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP' || code === 'ENOTDIR' || code === 'ENOENT') return null;
    throw err;
  }
}

/**
 * Opens the directory a walk ended at (following nothing): the root, or the
 * final component when it is a directory. Null when it is not one (now).
 */
export async function openWalkedDir(w: Walked): Promise<number | null> {
  if (w.name === null) return openDir(atPath(w.dirFd, '.'));
  return openDir(atPath(w.dirFd, w.name));
}

/**
 * Resolves a container's `User` ("", "name", "uid", "name:group",
 * "uid:gid") against the image's /etc/passwd and /etc/group, with Docker's
 * (runc's libcontainer/user) semantics.
 *
 * The rootfs is untrusted: files are read through `readFileInRoot`, which
 * never follows a symlink out of the rootfs and caps the bytes read.
 */
import fs, { constants as fsc } from 'node:fs';
import path from 'node:path';
import { invalid } from '../errors.js';
import { lstatOrNull } from '../host/read-sync.js';

export interface ResolvedUser {
  uid: number;
  gid: number;
  additionalGids: number[];
  home: string;
}

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

export interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

/** Bigger passwd/group files are refused rather than truncated. */
export const MAX_ACCOUNT_FILE_BYTES = 1024 * 1024;
const MAX_ID = 2147483647;
const MAX_SYMLINKS = 40;

/** Splits account-file lines; skips blank lines and comments. */
function fields(text: string): string[][] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => l.split(':'));
}

/** A decimal id in 0..2^31-1, or null. */
function parseId(s: string | undefined): number | null {
  if (s === undefined || !/^\d{1,10}$/.test(s)) return null;
  const n = Number(s);
  return n <= MAX_ID ? n : null;
}

/**
 * Parses /etc/passwd. Entries with a non-numeric uid or gid are skipped
 * (runc would read them as 0, i.e. root; skipping is the safe reading).
 */
export function parsePasswd(text: string): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const f of fields(text)) {
    const uid = parseId(f[2]);
    const gid = parseId(f[3]);
    if (!f[0] || uid === null || gid === null) continue;
    out.push({ name: f[0], uid, gid, home: f[5] ?? '', shell: f[6] ?? '' });
  }
  return out;
}

/** Parses /etc/group; members is the comma list in the fourth field. */
export function parseGroup(text: string): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const f of fields(text)) {
    const gid = parseId(f[2]);
    if (!f[0] || gid === null) continue;
    const members = (f[3] ?? '')
      .split(',')
      .map((m) => m.trim())
      .filter((m) => m !== '');
    out.push({ name: f[0], gid, members });
  }
  return out;
}

const rangeError = () => invalid('BERTH_USER_INVALID', 'uids and gids must be in range 0-2147483647');

/**
 * Pure resolution of `user` against parsed files (null = file missing).
 * - "" means uid 0; with a passwd entry its gid and home are used.
 * - a numeric uid without an entry is allowed: gid 0, home "/".
 * - an unknown name throws `unable to find user X: no matching entries in passwd file`.
 * - without an explicit group, additionalGids are the groups listing the
 *   user's name as a member; with an explicit group there are none.
 */
export function resolveUserFrom(user: string, passwd: PasswdEntry[] | null, group: GroupEntry[] | null): ResolvedUser {
  const sep = user.indexOf(':');
  const userArg = sep < 0 ? user : user.slice(0, sep);
  const groupArg = sep < 0 ? '' : user.slice(sep + 1);
  const result: ResolvedUser = { uid: 0, gid: 0, additionalGids: [], home: '/' };

  const numericUid = userArg === '' ? 0 : /^\d+$/.test(userArg) ? parseId(userArg) : null;
  if (/^\d+$/.test(userArg) && numericUid === null) throw rangeError();
  const entry = (passwd ?? []).find((p) => (numericUid !== null ? p.uid === numericUid : p.name === userArg));
  if (entry) {
    Object.assign(result, { uid: entry.uid, gid: entry.gid, home: entry.home || '/' });
  } else if (numericUid !== null) {
    result.uid = numericUid;
  } else {
    throw invalid('BERTH_USER_UNKNOWN', `unable to find user ${userArg}: no matching entries in passwd file`);
  }

  if (groupArg !== '') {
    result.gid = resolveGroup(groupArg, group);
  } else if (entry && group) {
    result.additionalGids = group.filter((g) => g.members.includes(entry.name)).map((g) => g.gid);
  }
  return result;
}

function resolveGroup(groupArg: string, group: GroupEntry[] | null): number {
  if (/^\d+$/.test(groupArg)) {
    const gid = parseId(groupArg);
    if (gid === null) throw rangeError();
    return gid;
  }
  const found = (group ?? []).find((g) => g.name === groupArg);
  if (!found) {
    throw invalid('BERTH_GROUP_UNKNOWN', `unable to find group ${groupArg}: no matching entries in group file`);
  }
  return found.gid;
}

/**
 * Resolves `user` inside `rootfs` (Docker semantics, see resolveUserFrom).
 * A missing /etc/passwd or /etc/group is fine for numeric ids.
 */
export async function resolveUser(rootfs: string, user: string): Promise<ResolvedUser> {
  const passwdText = readFileInRoot(rootfs, '/etc/passwd', MAX_ACCOUNT_FILE_BYTES);
  const groupText = readFileInRoot(rootfs, '/etc/group', MAX_ACCOUNT_FILE_BYTES);
  return resolveUserFrom(user.trim(), passwdText === null ? null : parsePasswd(passwdText), groupText === null ? null : parseGroup(groupText));
}

/** What a path resolution learns of one component: missing (null), a symlink and its target, or whether it is a directory. */
export type ScopedEntry = null | { symlink: string } | { dir: boolean };

/**
 * Resolves `inner` component by component as if the tree were "/", asking
 * `lookup` about each prefix (the components, no symlinks among them):
 * absolute symlink targets restart at the root, and `..` stops at it.
 * Returns the components, or null when one is missing or not a directory.
 * Throws after 40 symlinks (a loop).
 */
export function resolveScoped(inner: string, lookup: (parts: string[]) => ScopedEntry): string[] | null {
  const todo = inner.split('/').filter((c) => c !== '' && c !== '.');
  const done: string[] = [];
  let links = 0;
  while (todo.length > 0) {
    const part = todo.shift() as string;
    if (part === '..') {
      done.pop();
      continue;
    }
    const e = lookup([...done, part]);
    if (e === null) return null;
    if ('symlink' in e) {
      if (++links > MAX_SYMLINKS) throw invalid('BERTH_PATH_LOOP', `too many levels of symbolic links: ${inner}`);
      if (e.symlink.startsWith('/')) done.length = 0;
      todo.unshift(...e.symlink.split('/').filter((c) => c !== '' && c !== '.'));
      continue;
    }
    if (todo.length > 0 && !e.dir) return null;
    done.push(part);
  }
  return done;
}

/**
 * Resolves `inner` inside `root` (see resolveScoped). Returns the host
 * path, or null when a component is missing or not a directory.
 * Synchronous, as readFileInRoot: a few lstat calls at every start.
 */
export function resolveInRoot(root: string, inner: string): string | null {
  const parts = resolveScoped(inner, (p) => {
    const candidate = path.join(root, ...p);
    const st = lstatOrNull(candidate);
    if (st === null) return null;
    return st.isSymbolicLink() ? { symlink: fs.readlinkSync(candidate) } : { dir: st.isDirectory() };
  });
  return parts === null ? null : path.join(root, ...parts);
}

/**
 * Reads a regular file at `inner` inside `root` (see resolveInRoot).
 * Returns null when it does not exist or is not a regular file; throws
 * when it is larger than `maxBytes`. The final open uses O_NOFOLLOW and
 * O_NONBLOCK (a FIFO planted there must not hang the daemon).
 * Synchronous: two small files at every start (the account files), where
 * the thread pool's round trips cost more CPU than the reads.
 */
export function readFileInRoot(root: string, inner: string, maxBytes: number): string | null {
  const hostPath = resolveInRoot(root, inner);
  if (hostPath === null) return null;
  let fd: number;
  try {
    fd = fs.openSync(hostPath, fsc.O_RDONLY | fsc.O_NOFOLLOW | fsc.O_NONBLOCK);
  } catch {
    return null;
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) return null;
    const buf = Buffer.alloc(Math.min(st.size, maxBytes) + 1);
    let total = 0;
    for (;;) {
      const bytesRead = fs.readSync(fd, buf, total, buf.length - total, total);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > maxBytes) {
        throw invalid('BERTH_USER_FILE_TOO_LARGE', `${inner} in the container is larger than ${maxBytes} bytes`);
      }
      if (total === buf.length) break;
    }
    return buf.subarray(0, total).toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}

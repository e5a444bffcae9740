/**
 * Starting a program with posix_spawn(3) from berthd's own process. Node's
 * child_process forks (libuv: fork(2)), which copies the page tables of the
 * forking process: about 3 ms of CPU per spawn from berthd, 2 ms from the
 * spawn helper. glibc's posix_spawn uses clone(CLONE_VM|CLONE_VFORK): the
 * child shares berthd's memory until it execs, and a spawn costs about
 * 0.2 ms, whatever berthd's size.
 *
 * Contract of spawnProcess:
 * - the child gets /dev/null on fds 0, 1 and 2 unless a pipe is asked for
 *   there, the asked pipes on their fds, and no other fd of berthd's;
 * - its signal mask is empty and every signal's action is the default
 *   (berthd ignores SIGPIPE; a program must not inherit that);
 * - `newSession` makes it a session leader (setsid): a Ctrl-C meant for
 *   berthd does not reach it;
 * - it is reaped when it ends, driven by SIGCHLD (child-reaper.ts): no
 *   thread waits for it, however long it runs; `exited` resolves exactly
 *   once with its wait status, and `kill` never signals it after the reap.
 */
import fs from 'node:fs';
import net from 'node:net';
import { errnoText, loadLibc, type Libc } from './libc.js';
import { prepareReaper, watchChild, type WatchedChild } from './child-reaper.js';

const O_RDONLY = 0;
const O_WRONLY = 1;
const O_CLOEXEC = 0o2000000;
const F_DUPFD_CLOEXEC = 1030;
const POSIX_SPAWN_SETSIGDEF = 0x04;
const POSIX_SPAWN_SETSIGMASK = 0x08;
const POSIX_SPAWN_SETSID = 0x80;
/** Room for glibc's posix_spawn_file_actions_t (80 bytes), posix_spawnattr_t (336) and sigset_t (128) on any architecture. */
const OPAQUE_BYTES = 1024;

export interface SpawnPlan {
  file: string;
  /** The arguments after argv[0] (which is `file`). */
  args: readonly string[];
  /** The whole environment of the child. */
  env: Readonly<Record<string, string>>;
  cwd?: string;
  /** The child's fds that get a pipe: 'out' = the child writes and berthd reads, 'in' = the other way. */
  pipes: Readonly<Record<number, 'out' | 'in'>>;
  newSession?: boolean;
}

export interface SpawnedProcess extends WatchedChild {
  pid: number;
  /** berthd's end of each pipe, by the child's fd. */
  pipes: Map<number, net.Socket>;
}

interface PipeFds {
  /** berthd's end. */
  ours: number;
  /** The child's end, before it is moved onto its fd. */
  theirs: number;
}

/** Starts the program; rejects with the errno's text when it cannot be (no such file, not executable). */
export async function spawnProcess(plan: SpawnPlan): Promise<SpawnedProcess> {
  const c = await loadLibc();
  const pipes = openPipes(c, plan.pipes);
  const actions = Buffer.alloc(OPAQUE_BYTES);
  const attr = Buffer.alloc(OPAQUE_BYTES);
  const pid = new Int32Array(1);
  let failure: Error | undefined;
  try {
    check(c.spawnFileActionsInit(actions), 'posix_spawn_file_actions_init');
    check(c.spawnAttrInit(attr), 'posix_spawnattr_init');
    planFileActions(c, actions, pipes, plan.cwd);
    planAttributes(c, attr, plan.newSession === true);
    const argv = [plan.file, ...plan.args, null];
    const envp = [...Object.entries(plan.env).map(([k, v]) => `${k}=${v}`), null];
    prepareReaper(c);
    const errno = c.posixSpawn(pid, plan.file, actions, attr, argv, envp);
    if (errno !== 0) failure = new Error(`${plan.file}: ${errnoText(errno)}`);
  } catch (err) {
    failure = err as Error;
  } finally {
    c.spawnFileActionsDestroy(actions);
    c.spawnAttrDestroy(attr);
    for (const p of pipes.values()) fs.closeSync(p.theirs);
  }
  if (failure) {
    for (const p of pipes.values()) fs.closeSync(p.ours);
    throw failure;
  }
  const ends = new Map(
    [...pipes].map(([fd, p]) => [fd, new net.Socket({ fd: p.ours, readable: plan.pipes[fd] === 'out', writable: plan.pipes[fd] === 'in' })]),
  );
  return { pid: pid[0], pipes: ends, ...watchChild(pid[0]) };
}

/** A posix_spawn setup call's result (an errno number, 0 = done) as an exception. */
function check(errno: number, call: string): void {
  if (errno !== 0) throw new Error(`${call}: ${errnoText(errno)}`);
}

/**
 * One close-on-exec pipe per asked fd. The child's end is kept above every
 * asked fd, so that moving one end onto its fd never overwrites another's.
 * On a failure, every fd opened so far is closed.
 */
function openPipes(c: Libc, asked: Readonly<Record<number, 'out' | 'in'>>): Map<number, PipeFds> {
  const highest = Math.max(2, ...Object.keys(asked).map(Number));
  const pipes = new Map<number, PipeFds>();
  const opened: number[] = [];
  try {
    for (const [fd, direction] of Object.entries(asked)) {
      const fds = new Int32Array(2);
      if (c.pipe2(fds, O_CLOEXEC) !== 0) throw new Error(`pipe2: ${errnoText(c.errno())}`);
      opened.push(fds[0], fds[1]);
      const read = above(c, fds[0], highest, opened);
      const write = above(c, fds[1], highest, opened);
      pipes.set(Number(fd), direction === 'out' ? { ours: read, theirs: write } : { ours: write, theirs: read });
    }
    return pipes;
  } catch (err) {
    for (const fd of opened) fs.closeSync(fd);
    throw err;
  }
}

/** `fd` itself when above `highest`, else a close-on-exec copy above it (the original closed); `opened` follows. */
function above(c: Libc, fd: number, highest: number, opened: number[]): number {
  if (fd > highest) return fd;
  const copy = c.fcntl(fd, F_DUPFD_CLOEXEC, highest + 1);
  if (copy < 0) throw new Error(`fcntl: ${errnoText(c.errno())}`);
  fs.closeSync(fd);
  opened.splice(opened.indexOf(fd), 1, copy);
  return copy;
}

function planFileActions(c: Libc, actions: Buffer, pipes: Map<number, PipeFds>, cwd: string | undefined): void {
  for (const fd of [0, 1, 2])
    if (!pipes.has(fd)) check(c.spawnFileActionsAddOpen(actions, fd, '/dev/null', fd === 0 ? O_RDONLY : O_WRONLY, 0), 'posix_spawn_file_actions_addopen');
  for (const [fd, p] of pipes) check(c.spawnFileActionsAddDup2(actions, p.theirs, fd), 'posix_spawn_file_actions_adddup2');
  // Whatever else berthd has open, even without close-on-exec, stays out of the child.
  check(c.spawnFileActionsAddCloseFrom(actions, Math.max(2, ...pipes.keys()) + 1), 'posix_spawn_file_actions_addclosefrom_np');
  if (cwd !== undefined) check(c.spawnFileActionsAddChdir(actions, cwd), 'posix_spawn_file_actions_addchdir_np');
}

function planAttributes(c: Libc, attr: Buffer, newSession: boolean): void {
  const none = Buffer.alloc(OPAQUE_BYTES);
  const all = Buffer.alloc(OPAQUE_BYTES);
  c.sigEmptySet(none);
  c.sigFillSet(all);
  c.spawnAttrSetSigMask(attr, none);
  c.spawnAttrSetSigDefault(attr, all);
  c.spawnAttrSetFlags(attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | (newSession ? POSIX_SPAWN_SETSID : 0));
}

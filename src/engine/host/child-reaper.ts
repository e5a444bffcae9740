/**
 * Reaping the children berthd starts itself (posix-spawn.ts), driven by
 * SIGCHLD: no thread waits for them, however long they live (an exec
 * session's conmon may wait half a minute for its start; a blocking
 * waitpid(2) on libuv's thread pool would hold one of its 4 threads, which
 * every file operation shares, for as long).
 *
 * One `process.on('SIGCHLD')` listener, installed before the first spawn.
 * At each SIGCHLD it asks waitpid(pid, WNOHANG) of every pid it watches,
 * and only of those: node's child_process reaps its own children the same
 * way (libuv's SIGCHLD handler calls waitpid(process->pid, WNOHANG) for
 * each of its process handles, and only ECHILD is a failure it tolerates:
 * it never meets one for a pid of ours), so neither side takes the other's
 * children, and signals merged into one are harmless (every watched pid is
 * asked each time). libuv delivers one signal to every handle listening
 * for it, so node's handler and this one both run. A child that ends between its
 * spawn and `watchChild` is not missed: the listener runs on the event
 * loop, after the synchronous spawn and watch.
 *
 * Contract of watchChild:
 * - `exited` resolves exactly once, with the child's wait status;
 * - the child is reaped as soon as the event loop sees its SIGCHLD: no
 *   zombie is left;
 * - `kill` never signals a pid that was reaped (it may belong to another
 *   process by then); until the reap the pid is ours, even as a zombie.
 * Neither the listener nor a watched child keeps node alive (node unrefs
 * signal handles): berthd's server does.
 */
import type { Libc } from './libc.js';

const WNOHANG = 1;
const EINTR = 4;

export interface ExitStatus {
  code: number | null;
  /** The number of the signal that ended it. */
  signal: number | null;
}

export interface WatchedChild {
  exited: Promise<ExitStatus>;
  /** Sends `signal` unless the child was reaped; whether it was sent. */
  kill(signal: NodeJS.Signals): boolean;
}

/** Decodes waitpid(2)'s status of a child that ended. Pure. */
export function decodeWaitStatus(status: number): ExitStatus {
  const signal = status & 0x7f;
  return signal === 0 ? { code: (status >> 8) & 0xff, signal: null } : { code: null, signal };
}

/** The children not yet reaped, by pid: what each one's `exited` resolves with. */
const watched = new Map<number, (status: ExitStatus) => void>();
let libc: Libc | undefined;

/** Installs the SIGCHLD listener (once); call before spawning a child that `watchChild` will take. */
export function prepareReaper(c: Libc): void {
  if (libc) return;
  libc = c;
  process.on('SIGCHLD', reapEnded);
}

/** Follows a child spawned after `prepareReaper`, until it is reaped. */
export function watchChild(pid: number): WatchedChild {
  let entry: ((status: ExitStatus) => void) | undefined;
  const exited = new Promise<ExitStatus>((resolve) => watched.set(pid, (entry = resolve)));
  return {
    exited,
    kill(signal) {
      // This child's own entry: after its reap the pid may come back as another child of berthd.
      if (watched.get(pid) !== entry) return false;
      try {
        process.kill(pid, signal);
        return true;
      } catch {
        // ESRCH cannot happen to an unreaped child; EPERM would be a setuid program.
        return false;
      }
    },
  };
}

/** Reaps every watched child that has ended. */
function reapEnded(): void {
  const status = new Int32Array(1);
  for (const [pid, resolve] of watched) {
    let ret: number;
    do ret = libc!.waitpidNow(pid, status, WNOHANG);
    while (ret === -1 && libc!.errno() === EINTR);
    if (ret === 0) continue;
    watched.delete(pid);
    // -1 (ECHILD: someone else reaped it, which berthd never does) reads as an unknown end.
    resolve(ret === pid ? decodeWaitStatus(status[0]) : { code: null, signal: null });
  }
}

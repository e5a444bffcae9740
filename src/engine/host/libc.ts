/**
 * The libc calls berthd makes itself, reached through koffi (a maintained
 * FFI package that ships prebuilt binaries):
 * - mount(2) and umount2(2): running mount(8) for a container's root costs
 *   a fork and an exec (about 2 ms of the spawn helper's CPU per
 *   lifecycle); the call alone costs the kernel's work and nothing else.
 *   They run on libuv's thread pool (koffi's async variant), never on the
 *   event loop: an overlay mount takes about a millisecond of kernel time;
 * - posix_spawn(3) and its attribute and file-action calls, pipe2(2),
 *   fcntl(2): see posix-spawn.ts; waitpid(2) with WNOHANG, which never
 *   blocks: see child-reaper.ts;
 * - malloc_trim(3): see trimCHeap.
 * libc is bound at the first use, so a berthd that never mounts or spawns
 * never loads the package.
 */
import util from 'node:util';

/** How a call ended: errno 0 = success. */
export interface SyscallResult {
  errno: number;
  /** '' on success, else the errno's name and text, e.g. "EBUSY: Device or resource busy". */
  message: string;
}

/** mount(2) flags berthd uses (linux/mount.h). */
export const MountFlag = {
  RDONLY: 0x1,
  NOSUID: 0x2,
  NODEV: 0x4,
  NOEXEC: 0x8,
  BIND: 0x1000,
  PRIVATE: 0x40000,
} as const;

/** umount2(2)'s MNT_DETACH: detach now, free when no longer busy. */
export const UMOUNT_DETACH = 0x2;

type AsyncCall = (...args: unknown[]) => void;
/** A synchronous libc call returning an int (errno in `errno()` when it says so). */
type SyncCall = (...args: unknown[]) => number;

/** The bound calls. Buffers stand for the opaque structs (posix_spawn_file_actions_t, posix_spawnattr_t, sigset_t). */
export interface Libc {
  mount: AsyncCall;
  umount2: AsyncCall;
  errno: () => number;
  pipe2: SyncCall;
  fcntl: SyncCall;
  spawnFileActionsInit: SyncCall;
  spawnFileActionsAddOpen: SyncCall;
  spawnFileActionsAddDup2: SyncCall;
  spawnFileActionsAddChdir: SyncCall;
  spawnFileActionsAddCloseFrom: SyncCall;
  spawnFileActionsDestroy: SyncCall;
  spawnAttrInit: SyncCall;
  spawnAttrSetFlags: SyncCall;
  spawnAttrSetSigMask: SyncCall;
  spawnAttrSetSigDefault: SyncCall;
  spawnAttrDestroy: SyncCall;
  sigEmptySet: SyncCall;
  sigFillSet: SyncCall;
  posixSpawn: SyncCall;
  /** waitpid(2) on the event loop: only with WNOHANG (it must not block). */
  waitpidNow: SyncCall;
  mallocTrim: SyncCall;
}

let libc: Promise<Libc> | undefined;
/** The bindings once made (loadLibc's value, for calls that must not load koffi themselves). */
let bound: Libc | undefined;

/** Binds libc at the first call; later calls get the same bindings. A failed binding is tried again at the next call. */
export function loadLibc(): Promise<Libc> {
  libc ??= bindLibc().catch((err: unknown) => {
    libc = undefined;
    throw err;
  });
  return libc;
}

function bindLibc(): Promise<Libc> {
  return import('koffi').then(({ default: koffi }) => {
    const lib = koffi.load('libc.so.6');
    const sync = (declaration: string) => lib.func(declaration) as unknown as SyncCall;
    const async = (declaration: string) => lib.func(declaration).async as AsyncCall;
    const variadicFcntl = sync('int fcntl(int fd, int cmd, ...)');
    bound = {
      mount: async('int mount(const char *source, const char *target, const char *fstype, unsigned long flags, const char *data)'),
      umount2: async('int umount2(const char *target, int flags)'),
      errno: () => koffi.errno(),
      pipe2: sync('int pipe2(_Out_ int *fds, int flags)'),
      fcntl: (fd: unknown, cmd: unknown, arg: unknown) => variadicFcntl(fd, cmd, 'int', arg),
      spawnFileActionsInit: sync('int posix_spawn_file_actions_init(void *actions)'),
      spawnFileActionsAddOpen: sync('int posix_spawn_file_actions_addopen(void *actions, int fd, const char *path, int oflag, unsigned int mode)'),
      spawnFileActionsAddDup2: sync('int posix_spawn_file_actions_adddup2(void *actions, int fd, int newfd)'),
      spawnFileActionsAddChdir: sync('int posix_spawn_file_actions_addchdir_np(void *actions, const char *path)'),
      spawnFileActionsAddCloseFrom: sync('int posix_spawn_file_actions_addclosefrom_np(void *actions, int from)'),
      spawnFileActionsDestroy: sync('int posix_spawn_file_actions_destroy(void *actions)'),
      spawnAttrInit: sync('int posix_spawnattr_init(void *attr)'),
      spawnAttrSetFlags: sync('int posix_spawnattr_setflags(void *attr, short flags)'),
      spawnAttrSetSigMask: sync('int posix_spawnattr_setsigmask(void *attr, const void *set)'),
      spawnAttrSetSigDefault: sync('int posix_spawnattr_setsigdefault(void *attr, const void *set)'),
      spawnAttrDestroy: sync('int posix_spawnattr_destroy(void *attr)'),
      sigEmptySet: sync('int sigemptyset(void *set)'),
      sigFillSet: sync('int sigfillset(void *set)'),
      posixSpawn: sync('int posix_spawn(_Out_ int *pid, const char *path, const void *actions, const void *attr, const char **argv, const char **envp)'),
      waitpidNow: sync('int waitpid(int pid, _Out_ int *status, int options)'),
      mallocTrim: sync('int malloc_trim(size_t pad)'),
    };
    return bound;
  });
}

/**
 * malloc_trim(3) with no padding: glibc hands the free pages of every
 * malloc arena back to the kernel, not only the top of the main heap.
 * berthd's native work (SQLite; the thread pool's file system and mount
 * calls) leaves freed blocks in the arenas, and glibc keeps them resident:
 * called from outside (gdb) on an idle berthd after 100 lifecycles, it
 * gave back 0.8 and 2.6 MiB in two runs.
 * Synchronous, for quiet moments only (idle-memory.ts). Does nothing, and
 * loads nothing, while libc is not bound (a berthd that never mounted or
 * spawned). Returns whether it ran.
 */
export function trimCHeap(): boolean {
  if (!bound) return false;
  bound.mallocTrim(0);
  return true;
}

/** "ENOENT: No such file or directory" for errno 2. */
export function errnoText(errno: number): string {
  const entry = util.getSystemErrorMap().get(-errno);
  return entry ? `${entry[0]}: ${entry[1]}` : `errno ${errno}`;
}

async function call(name: 'mount' | 'umount2', args: unknown[]): Promise<SyscallResult> {
  const c = await loadLibc();
  return new Promise((resolve, reject) => {
    c[name](...args, (err: unknown, ret: number) => {
      if (err) return reject(err instanceof Error ? err : new Error(`${name} could not be called`));
      // koffi hands the errno of an async call over to this thread before its callback runs.
      const errno = ret === 0 ? 0 : c.errno();
      resolve({ errno, message: errno === 0 ? '' : errnoText(errno) });
    });
  });
}

/** mount(2). `fstype` and `data` may be null (a bind mount, a propagation change). */
export function mountCall(source: string, target: string, fstype: string | null, flags: number, data: string | null): Promise<SyscallResult> {
  return call('mount', [source, target, fstype, flags, data]);
}

/** umount2(2). */
export function umountCall(target: string, flags: number): Promise<SyscallResult> {
  return call('umount2', [target, flags]);
}

/**
 * berth's default seccomp profile, following the choices of Docker's
 * default profile (moby/profiles default.json; see
 * reliability-security.md §3.1), written out as data (names of x86_64's
 * table; names unknown on another architecture are skipped, see below).
 *
 * Unknown syscall names are harmless: runc skips names libseccomp cannot
 * resolve, and returns ENOSYS for syscalls newer than any the filter names.
 */
import type { OciSeccomp, OciSeccompArg, OciSyscall } from './oci-types.js';
import { hostSeccompArchitectures } from './seccomp-arches.js';

const EPERM = 1;
const ENOSYS = 38;

/** CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET (0x7E020000). */
const CLONE_NAMESPACE_FLAGS = 0x7e020000;

/** Address families refused to `socket`: AF_ALG (38) and AF_VSOCK (40); 39 (AF_NFC) stays allowed. */
const AF_ALG = 38;
const AF_VSOCK = 40;

interface Rule {
  names: string[];
  action?: 'SCMP_ACT_ALLOW' | 'SCMP_ACT_ERRNO';
  errnoRet?: number;
  args?: OciSeccompArg[];
  /** Applied only when every one of these capabilities is held. */
  includesCaps?: string[];
  /** Skipped when any of these capabilities is held. */
  excludesCaps?: string[];
}

/** Allowed unconditionally. ptrace/process_vm_* need kernel ≥ 4.8 (always true here). */
const ALWAYS_ALLOWED = `
accept accept4 access adjtimex alarm bind brk cachestat capget capset chdir chmod chown chown32
clock_adjtime clock_adjtime64 clock_getres clock_getres_time64 clock_gettime clock_gettime64
clock_nanosleep clock_nanosleep_time64 close close_range connect copy_file_range creat dup dup2 dup3
epoll_create epoll_create1 epoll_ctl epoll_ctl_old epoll_pwait epoll_pwait2 epoll_wait epoll_wait_old
eventfd eventfd2 execve execveat exit exit_group faccessat faccessat2 fadvise64 fadvise64_64
fallocate fanotify_mark fchdir fchmod fchmodat fchmodat2 fchown fchown32 fchownat fcntl fcntl64
fdatasync fgetxattr flistxattr flock fork fremovexattr fsetxattr fstat fstat64 fstatat64 fstatfs
fstatfs64 fsync ftruncate ftruncate64 futex futex_requeue futex_time64 futex_wait futex_waitv
futex_wake futimesat getcpu getcwd getdents getdents64 getegid getegid32 geteuid geteuid32 getgid
getgid32 getgroups getgroups32 getitimer getpeername getpgid getpgrp getpid getppid getpriority
getrandom getresgid getresgid32 getresuid getresuid32 getrlimit get_robust_list getrusage getsid
getsockname getsockopt get_thread_area gettid gettimeofday getuid getuid32 getxattr
inotify_add_watch inotify_init inotify_init1 inotify_rm_watch io_cancel ioctl io_destroy
io_getevents io_pgetevents io_pgetevents_time64 ioprio_get ioprio_set io_setup io_submit ipc kill
landlock_add_rule landlock_create_ruleset landlock_restrict_self lchown lchown32 lgetxattr link
linkat listen listxattr llistxattr _llseek lremovexattr lseek lsetxattr lstat lstat64 madvise
map_shadow_stack membarrier memfd_create memfd_secret mincore mkdir mkdirat mknod mknodat mlock
mlock2 mlockall mmap mmap2 mprotect mq_getsetattr mq_notify mq_open mq_timedreceive
mq_timedreceive_time64 mq_timedsend mq_timedsend_time64 mq_unlink mremap mseal msgctl msgget msgrcv
msgsnd msync munlock munlockall munmap nanosleep newfstatat _newselect open openat openat2 pause
pidfd_open pidfd_send_signal pipe pipe2 pkey_alloc pkey_free pkey_mprotect poll ppoll
ppoll_time64 prctl pread64 preadv preadv2 prlimit64 process_mrelease process_vm_readv
process_vm_writev pselect6 pselect6_time64 ptrace pwrite64 pwritev pwritev2 read readahead readlink
readlinkat readv recv recvfrom recvmmsg recvmmsg_time64 recvmsg remap_file_pages removexattr rename
renameat renameat2 restart_syscall rmdir rseq rt_sigaction rt_sigpending rt_sigprocmask
rt_sigqueueinfo rt_sigreturn rt_sigsuspend rt_sigtimedwait rt_sigtimedwait_time64
rt_tgsigqueueinfo sched_getaffinity sched_getattr sched_getparam sched_get_priority_max
sched_get_priority_min sched_getscheduler sched_rr_get_interval sched_rr_get_interval_time64
sched_setaffinity sched_setattr sched_setparam sched_setscheduler sched_yield seccomp select semctl
semget semop semtimedop semtimedop_time64 send sendfile sendfile64 sendmmsg sendmsg sendto setfsgid
setfsgid32 setfsuid setfsuid32 setgid setgid32 setgroups setgroups32 setitimer setpgid setpriority
setregid setregid32 setresgid setresgid32 setresuid setresuid32 setreuid setreuid32 setrlimit
set_robust_list setsid setsockopt set_thread_area set_tid_address setuid setuid32 setxattr shmat
shmctl shmdt shmget shutdown sigaltstack signalfd signalfd4 sigprocmask sigreturn socketcall
socketpair splice stat stat64 statfs statfs64 statx symlink symlinkat sync sync_file_range syncfs
sysinfo tee tgkill time timer_create timer_delete timer_getoverrun timer_gettime timer_gettime64
timer_settime timer_settime64 timerfd_create timerfd_gettime timerfd_gettime64 timerfd_settime
timerfd_settime64 times tkill truncate truncate64 ugetrlimit umask uname unlink unlinkat utime
utimensat utimensat_time64 utimes vfork vmsplice wait4 waitid waitpid write writev
arch_prctl modify_ldt
`
  .trim()
  .split(/\s+/);

/**
 * Never allowed, whatever the capabilities (listed so tests can check that
 * no rule names them): kernel keyring, io_uring, userfaultfd, kexec.
 */
export const NEVER_ALLOWED: readonly string[] = [
  'keyctl',
  'add_key',
  'request_key',
  'io_uring_setup',
  'io_uring_enter',
  'io_uring_register',
  'userfaultfd',
  'kexec_load',
  'kexec_file_load',
];

const arg0 = (op: OciSeccompArg['op'], value: number, valueTwo?: number): OciSeccompArg[] =>
  valueTwo === undefined ? [{ index: 0, value, op }] : [{ index: 0, value, valueTwo, op }];

/**
 * One condition per rule on purpose: runc ORs several conditions on the
 * same argument, so "≠38 and ≠40" must be written as "<38 or =39 or >40".
 */
const SOCKET_RULES: Rule[] = [
  { names: ['socket'], args: arg0('SCMP_CMP_LT', AF_ALG) },
  { names: ['socket'], args: arg0('SCMP_CMP_EQ', AF_ALG + 1) },
  { names: ['socket'], args: arg0('SCMP_CMP_GT', AF_VSOCK) },
];

/** PER_LINUX, UNAME26, PER_LINUX32, PER_LINUX32|UNAME26 and the query value. */
const PERSONALITY_RULES: Rule[] = [0x0, 0x0008, 0x20000, 0x20008, 0xffffffff].map((v) => ({
  names: ['personality'],
  args: arg0('SCMP_CMP_EQ', v),
}));

const CAPABILITY_RULES: Rule[] = [
  { names: ['open_by_handle_at'], includesCaps: ['CAP_DAC_READ_SEARCH'] },
  {
    names: [
      'bpf',
      'clone',
      'clone3',
      'fanotify_init',
      'fsconfig',
      'fsmount',
      'fsopen',
      'fspick',
      'lookup_dcookie',
      'lsm_get_self_attr',
      'lsm_list_modules',
      'lsm_set_self_attr',
      'mount',
      'mount_setattr',
      'move_mount',
      'name_to_handle_at',
      'open_tree',
      'perf_event_open',
      'quotactl',
      'quotactl_fd',
      'setdomainname',
      'sethostname',
      'setns',
      'syslog',
      'umount',
      'umount2',
      'unshare',
    ],
    includesCaps: ['CAP_SYS_ADMIN'],
  },
  // Plain fork/thread creation stays possible: only namespace flags need CAP_SYS_ADMIN.
  { names: ['clone'], args: arg0('SCMP_CMP_MASKED_EQ', CLONE_NAMESPACE_FLAGS, 0), excludesCaps: ['CAP_SYS_ADMIN'] },
  // ENOSYS (not EPERM) so that libc falls back to clone(2).
  { names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: ENOSYS, excludesCaps: ['CAP_SYS_ADMIN'] },
  { names: ['reboot'], includesCaps: ['CAP_SYS_BOOT'] },
  { names: ['chroot'], includesCaps: ['CAP_SYS_CHROOT'] },
  { names: ['delete_module', 'init_module', 'finit_module'], includesCaps: ['CAP_SYS_MODULE'] },
  { names: ['acct'], includesCaps: ['CAP_SYS_PACCT'] },
  { names: ['kcmp', 'pidfd_getfd', 'process_madvise'], includesCaps: ['CAP_SYS_PTRACE'] },
  { names: ['iopl', 'ioperm'], includesCaps: ['CAP_SYS_RAWIO'] },
  { names: ['settimeofday', 'stime', 'clock_settime', 'clock_settime64'], includesCaps: ['CAP_SYS_TIME'] },
  { names: ['vhangup'], includesCaps: ['CAP_SYS_TTY_CONFIG'] },
  {
    names: ['get_mempolicy', 'mbind', 'set_mempolicy', 'set_mempolicy_home_node'],
    includesCaps: ['CAP_SYS_NICE'],
  },
  { names: ['syslog'], includesCaps: ['CAP_SYSLOG'] },
  { names: ['bpf'], includesCaps: ['CAP_BPF'] },
  { names: ['perf_event_open'], includesCaps: ['CAP_PERFMON'] },
];

const RULES: Rule[] = [{ names: ALWAYS_ALLOWED }, ...SOCKET_RULES, ...PERSONALITY_RULES, ...CAPABILITY_RULES];

function applies(rule: Rule, caps: Set<string>): boolean {
  if (rule.includesCaps && !rule.includesCaps.every((c) => caps.has(c))) return false;
  if (rule.excludesCaps && rule.excludesCaps.some((c) => caps.has(c))) return false;
  return true;
}

function toSyscall(rule: Rule): OciSyscall {
  const out: OciSyscall = { names: [...rule.names], action: rule.action ?? 'SCMP_ACT_ALLOW' };
  if (rule.errnoRet !== undefined) out.errnoRet = rule.errnoRet;
  if (rule.args) out.args = rule.args.map((a) => ({ ...a }));
  return out;
}

/** Profiles built so far, by which rules apply (few distinct sets occur; bounded all the same). */
const built = new Map<string, OciSeccomp>();
const MAX_BUILT = 64;

/**
 * The default profile for a container holding `caps` (`CAP_` names, as from
 * resolveCapabilities). Default action: EPERM. Architectures: the host's
 * and the compat ABIs its kernel runs (seccomp-arches.ts), so the same
 * names are filtered there too.
 * Capabilities that select the same rules get the same profile object,
 * built once and deep-frozen (its serialization is cached by identity too,
 * see serializeOciSpec).
 */
export function buildSeccompProfile(caps: string[]): OciSeccomp {
  const held = new Set(caps);
  const rules = RULES.filter((r) => applies(r, held));
  const key = RULES.map((r) => (rules.includes(r) ? '1' : '0')).join('');
  let profile = built.get(key);
  if (!profile) {
    if (built.size >= MAX_BUILT) built.clear();
    profile = deepFreeze({
      defaultAction: 'SCMP_ACT_ERRNO',
      defaultErrnoRet: EPERM,
      architectures: hostSeccompArchitectures(),
      syscalls: rules.map(toSyscall),
    });
    built.set(key, profile);
  }
  return profile;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

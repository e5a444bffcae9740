/**
 * Leak detection and forced cleanup for one test daemon's scope: its temp root,
 * its runc state dir and its cgroup parent. Everything here only ever touches
 * processes, mounts and cgroups that carry the scope's own (random) paths or
 * names, so other daemons and engines on the machine are never affected.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface LeakScope {
  /** The daemon's temp root (data root, exec root and socket live below it). */
  root: string;
  /** runc's --root as berthd uses it: <execRoot>/runc. */
  runcRoot: string;
  /** The --cgroup-parent name given to berthd. */
  cgroupParent: string;
}

const CGROUP_FS = '/sys/fs/cgroup';

/** Live processes whose command line mentions `root` (conmon, runc, a stray berthd), never this process. */
export function processesMentioning(root: string): { pid: number; cmdline: string }[] {
  const found: { pid: number; cmdline: string }[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    let cmdline: string;
    try {
      cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
    } catch {
      continue; // exited while we looked
    }
    if (cmdline.includes(root)) found.push({ pid, cmdline });
  }
  return found;
}

/** The children of process `pid` (any of its threads' children) with their state letter (R, S, Z …) and command. */
export function childrenOf(pid: number): { pid: number; state: string; cmdline: string }[] {
  const found: { pid: number; state: string; cmdline: string }[] = [];
  const tasks = fs.readdirSync(`/proc/${pid}/task`);
  for (const child of tasks.flatMap((task) => fs.readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean))) {
    try {
      const stat = fs.readFileSync(`/proc/${child}/stat`, 'utf8');
      const cmdline = fs.readFileSync(`/proc/${child}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
      // The state letter follows the command's closing parenthesis.
      found.push({ pid: Number(child), state: stat.charAt(stat.lastIndexOf(')') + 2), cmdline });
    } catch {
      continue; // reaped while we looked
    }
  }
  return found;
}

/** Mount points at or below `root`, deepest first (mountinfo escapes spaces etc. as \ooo). */
export function mountsUnder(root: string): string[] {
  const mounts = fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split(' ')[4].replace(/\\([0-7]{3})/g, (_, oct) => String.fromCharCode(parseInt(oct, 8))))
    .filter((mp) => mp === root || mp.startsWith(root + '/'));
  return [...new Set(mounts)].sort((a, b) => b.length - a.length);
}

/** Container IDs that runc still knows under `runcRoot` ([] when the dir or runc is missing). */
export function runcContainers(runcRoot: string): string[] {
  if (!fs.existsSync(runcRoot)) return [];
  const r = spawnSync('runc', ['--root', runcRoot, 'list', '-q'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return [];
  return r.stdout
    .split('\n')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** The cgroup directories named `parent` directly below the cgroup root (v2) or each v1 hierarchy. */
export function cgroupParentDirs(parent: string): string[] {
  if (!fs.existsSync(CGROUP_FS)) return [];
  const candidates = [path.join(CGROUP_FS, parent)];
  for (const hierarchy of fs.readdirSync(CGROUP_FS)) {
    candidates.push(path.join(CGROUP_FS, hierarchy, parent));
  }
  const dirs = new Set<string>();
  for (const dir of candidates) {
    try {
      // co-mounted v1 hierarchies appear under two names (cpu,cpuacct + cpu link)
      if (fs.statSync(dir).isDirectory()) dirs.add(fs.realpathSync(dir));
    } catch {
      // no such cgroup in this hierarchy
    }
  }
  return [...dirs];
}

/** `dir` and every cgroup below it, deepest first. */
function cgroupTree(dir: string): string[] {
  const below = fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .flatMap((e) => cgroupTree(path.join(dir, e.name)));
  return [...below, dir];
}

function cgroupPids(dir: string): number[] {
  try {
    return fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Describes everything of `scope` still alive; [] means clean. Reads only, changes nothing. */
export function findLeaks(scope: LeakScope): string[] {
  const leaks: string[] = [];
  for (const p of processesMentioning(scope.root)) leaks.push(`process ${p.pid}: ${p.cmdline}`);
  for (const mp of mountsUnder(scope.root)) leaks.push(`mount ${mp}`);
  for (const id of runcContainers(scope.runcRoot)) leaks.push(`runc container ${id} (--root ${scope.runcRoot})`);
  for (const dir of cgroupParentDirs(scope.cgroupParent)) {
    for (const cg of cgroupTree(dir)) {
      for (const pid of cgroupPids(cg)) leaks.push(`process ${pid} in cgroup ${cg}`);
    }
  }
  return leaks;
}

function tryRun(cmd: string, args: string[]): void {
  try {
    execFileSync(cmd, args, { stdio: 'ignore', timeout: 15_000 });
  } catch {
    // best effort: findLeaks afterwards tells what is still there
  }
}

function writeIfExists(file: string, value: string): void {
  try {
    if (fs.existsSync(file)) fs.writeFileSync(file, value);
  } catch {
    // not a freezer cgroup, or already gone
  }
}

/**
 * SIGKILLs every process in the cgroup parent's trees, thawing frozen cgroups
 * first: a frozen (paused) task does not die from SIGKILL until it is thawed.
 */
function killCgroupProcesses(parent: string): void {
  for (const dir of cgroupParentDirs(parent)) {
    for (const cg of cgroupTree(dir)) {
      writeIfExists(path.join(cg, 'freezer.state'), 'THAWED');
      writeIfExists(path.join(cg, 'cgroup.freeze'), '0');
      for (const pid of cgroupPids(cg)) tryKill(pid);
    }
  }
}

/** Removes the cgroup parent's dirs in every hierarchy, deepest first; busy ones stay (findLeaks reports them). */
export function removeCgroupParent(parent: string): void {
  for (const dir of cgroupParentDirs(parent)) {
    for (const cg of cgroupTree(dir)) {
      try {
        fs.rmdirSync(cg);
      } catch {
        // still has tasks
      }
    }
  }
}

function tryKill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/**
 * Forcibly removes what `findLeaks` reports: runc containers, processes that
 * mention the root, mounts below it (lazily when busy), and the processes and
 * dirs of the cgroup parent. Resolves when that is done or 5 s have passed.
 */
export async function reapLeaks(scope: LeakScope): Promise<void> {
  for (const id of runcContainers(scope.runcRoot)) tryRun('runc', ['--root', scope.runcRoot, 'delete', '--force', id]);
  for (const p of processesMentioning(scope.root)) tryKill(p.pid);
  killCgroupProcesses(scope.cgroupParent);
  await waitForNoLeaks(scope, 5_000, { ignoreMounts: true });
  for (const mp of mountsUnder(scope.root)) {
    tryRun('umount', [mp]);
    if (mountsUnder(scope.root).includes(mp)) tryRun('umount', ['-l', mp]);
  }
  removeCgroupParent(scope.cgroupParent);
}

/**
 * Polls `findLeaks` until it is empty or `ms` have passed (conmon exits a
 * moment after its container) and returns the last findings.
 */
export async function waitForNoLeaks(scope: LeakScope, ms: number, opts: { ignoreMounts?: boolean } = {}): Promise<string[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const leaks = findLeaks(scope).filter((l) => !(opts.ignoreMounts && l.startsWith('mount ')));
    if (leaks.length === 0 || Date.now() >= deadline) return leaks;
    await new Promise((r) => setTimeout(r, 100));
  }
}

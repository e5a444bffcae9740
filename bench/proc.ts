/**
 * Facts about processes from /proc: resident memory of an engine's process
 * tree, and which process listens on a unix socket (to find dockerd or the
 * podman service from the socket the user gave).
 */
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';

interface ProcStat {
  pid: number;
  ppid: number;
  comm: string;
}

/** Every process's pid, parent and command name; processes that vanish while reading are skipped. */
export function allProcesses(): ProcStat[] {
  const out: ProcStat[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // comm may hold spaces and parentheses: it spans to the last ')'.
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const ppid = Number(stat.slice(close + 2).split(' ')[1]);
      out.push({ pid: Number(entry), ppid, comm });
    } catch {
      // gone
    }
  }
  return out;
}

/** VmRSS of one process in KiB; 0 when it is gone. */
export function rssKiB(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/**
 * The engine's own processes: `root` and its descendants, without the
 * per-container ones (conmon, shims, runc, the containers themselves, which
 * are below those). For dockerd this adds the containerd it started.
 */
export function engineProcesses(root: number, perContainer = /^(conmon|containerd-shim.*|runc|crun)$/): ProcStat[] {
  const procs = allProcesses();
  const byParent = new Map<number, ProcStat[]>();
  for (const p of procs) byParent.set(p.ppid, [...(byParent.get(p.ppid) ?? []), p]);
  const self = procs.find((p) => p.pid === root);
  if (!self) return [];
  const out: ProcStat[] = [];
  const queue = [self];
  while (queue.length) {
    const p = queue.shift()!;
    if (perContainer.test(p.comm)) continue;
    out.push(p);
    queue.push(...(byParent.get(p.pid) ?? []));
  }
  return out;
}

/** Sum of VmRSS over engineProcesses(root), in MiB. */
export function engineRssMiB(root: number): number {
  return engineProcesses(root).reduce((sum, p) => sum + rssKiB(p.pid), 0) / 1024;
}

/** Open file descriptors of engineProcesses(root) (entries of /proc/<pid>/fd); 0 when gone. */
export function engineFds(root: number): number {
  let sum = 0;
  for (const p of engineProcesses(root)) {
    try {
      sum += fs.readdirSync(`/proc/${p.pid}/fd`).length;
    } catch {
      // gone
    }
  }
  return sum;
}

/** The pid of a process holding the listening unix socket bound at `path`; undefined when none is found. */
export function socketOwner(path: string): number | undefined {
  const inodes = new Set<string>();
  for (const line of fs.readFileSync('/proc/net/unix', 'utf8').split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    // Num RefCount Protocol Flags Type St Inode Path; flag 00010000 = listening.
    if (fields[7] === path && (parseInt(fields[3], 16) & 0x10000) !== 0) inodes.add(fields[6]);
  }
  if (inodes.size === 0) return undefined;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = fs.readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${entry}/fd/${fd}`));
        if (m && inodes.has(m[1])) return Number(entry);
      } catch {
        // closed meanwhile
      }
    }
  }
  return undefined;
}

/** Processes whose command line contains `needle` (e.g. conmon processes of one exec root). */
export function processesWithArg(comm: string, needle: string): number[] {
  return allProcesses()
    .filter((p) => p.comm === comm)
    .filter((p) => {
      try {
        return fs.readFileSync(`/proc/${p.pid}/cmdline`, 'utf8').includes(needle);
      } catch {
        return false;
      }
    })
    .map((p) => p.pid);
}

/** SIGKILLs a child this process started, if it still runs, and waits for its exit. */
export async function killChild(child: ChildProcess | null): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

/** Clock ticks per second of /proc/<pid>/stat's times (USER_HZ; 100 on Linux for years). */
const CLK_TCK = 100;

/** User + system CPU of one process in ms, its waited-for children excluded; 0 when it is gone. */
export function cpuMs(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is stat's 3rd field (state): utime and stime are its 14th and 15th.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
  } catch {
    return 0;
  }
}

/** CPU ms of the engine's own processes (engineProcesses: for dockerd with its containerd), summed. */
export function engineCpuMs(root: number): number {
  return engineProcesses(root).reduce((sum, p) => sum + cpuMs(p.pid), 0);
}

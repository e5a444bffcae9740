/**
 * Facts the kernel keeps in a container's cgroup (cgroupfs driver:
 * `/<cgroupParent>/<id>`, as launch.ts sets cgroupsPath). Read while the
 * cgroup still exists: after the process exited, before the runtime's
 * delete removes it.
 */
import { readTextSync } from './read-sync.js';

const CGROUP_FS = '/sys/fs/cgroup';

/** Parses `oom_kill N` from memory.events (v2) or memory.oom_control (v1). Pure. */
export function parseOomKills(text: string): number {
  const m = /^oom_kill (\d+)$/m.exec(text);
  return m ? Number(m[1]) : 0;
}

/** The files of a container's cgroup that count OOM kills: v2's memory.events, v1's memory.oom_control. Pure. */
export function cgroupOomFiles(cgroupParent: string, id: string): string[] {
  return [`${CGROUP_FS}/${cgroupParent}/${id}/memory.events`, `${CGROUP_FS}/memory/${cgroupParent}/${id}/memory.oom_control`];
}

/**
 * True when the kernel's OOM killer killed a process of the container's
 * cgroup (what Docker reports as State.OOMKilled). False when the cgroup
 * is gone or the kernel does not count OOM kills.
 */
export function cgroupOomKilled(cgroupParent: string, id: string): boolean {
  for (const file of cgroupOomFiles(cgroupParent, id)) {
    // Synchronous: a kernel file read once per exit, cheaper on the loop than through the thread pool.
    const text = readTextSync(file);
    if (text !== undefined) return parseOomKills(text) > 0;
  }
  return false;
}

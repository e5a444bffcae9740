/** One stats sample of a container, in berth's terms (server/wire makes Docker's JSON of it). */

export interface CpuSample {
  /** Nanoseconds of CPU time used by the container. */
  totalUsage: number;
  /** Per CPU, nanoseconds (cgroup v1 only; null on v2). */
  percpuUsage: number[] | null;
  kernelUsage: number;
  userUsage: number;
  /** The host's CPU time in nanoseconds (/proc/stat), for the CPU % a client computes. */
  systemUsage: number;
  onlineCpus: number;
  throttling: { periods: number; throttledPeriods: number; throttledTime: number };
}

export interface MemorySample {
  usage: number;
  /** cgroup v1 only (0 on v2). */
  maxUsage: number;
  /** The cgroup limit, or the host's memory when there is none. */
  limit: number;
  failcnt: number;
  /** memory.stat as read. */
  stats: Record<string, number>;
}

export interface BlkioEntry {
  major: number;
  minor: number;
  op: string;
  value: number;
}

/** One interface's counters (Docker's NetworkStats). */
export interface NetCounters {
  rxBytes: number;
  rxPackets: number;
  rxErrors: number;
  rxDropped: number;
  txBytes: number;
  txPackets: number;
  txErrors: number;
  txDropped: number;
}

/**
 * Block I/O counters. cgroup v1 also has the CFQ scheduler's lists (empty
 * where the kernel's I/O scheduler has none); cgroup v2 has no such files,
 * so `cfq` is absent there.
 */
export interface BlkioSample {
  serviceBytes: BlkioEntry[];
  serviced: BlkioEntry[];
  cfq?: { queued: BlkioEntry[]; serviceTime: BlkioEntry[]; waitTime: BlkioEntry[]; merged: BlkioEntry[]; time: BlkioEntry[]; sectors: BlkioEntry[] };
}

export interface StatsSample {
  /** When the files were read. */
  read: Date;
  cpu: CpuSample;
  memory: MemorySample;
  pids: { current: number; limit: number };
  blkio: BlkioSample;
  /** Per interface of the container's network namespace, loopback left out; absent with the host's network. */
  networks?: Record<string, NetCounters>;
}

/** What GET /containers/{id}/stats sends per frame: a sample and the CPU part of the one before. */
export interface StatsFrame {
  name: string;
  id: string;
  /** null: the container is not running (Docker's all-zero answer). */
  sample: StatsSample | null;
  pre: { read: Date; cpu: CpuSample } | null;
}

/** Reads a cgroup file as text; null when it does not exist. */
export type FileReader = (file: string) => string | null;

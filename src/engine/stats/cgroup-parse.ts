/**
 * Parsers for cgroup files, shared by the v1 and v2 readers. Pure: each
 * takes a file's text (null when the file is missing) and returns numbers;
 * missing or malformed values read as 0.
 */
import type { BlkioEntry, NetCounters } from '../model/stats.js';

/** A file holding one integer ("max" and missing files read as `whenMax`). */
export function parseSingle(text: string | null, whenMax = 0): number {
  const t = text?.trim() ?? '';
  if (t === '' || t === 'max') return whenMax;
  const n = Number(t);
  return Number.isFinite(n) ? n : 0;
}

/** "key value" lines (memory.stat, cpu.stat, cpuacct.stat). */
export function parseKeyValues(text: string | null): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of (text ?? '').split('\n')) {
    const [key, value] = line.trim().split(/\s+/);
    if (key && value !== undefined && /^\d+$/.test(value)) out[key] = Number(value);
  }
  return out;
}

/** Whitespace-separated integers (cpuacct.usage_percpu). */
export function parseList(text: string | null): number[] {
  return (text ?? '').trim().split(/\s+/).filter(Boolean).map(Number).filter(Number.isFinite);
}

/** v1 blkio "MAJ:MIN Op value" lines; the device-less "Total" line is skipped. */
export function parseBlkioV1(text: string | null): BlkioEntry[] {
  const out: BlkioEntry[] = [];
  for (const line of (text ?? '').split('\n')) {
    // "8:0 Read 4096", or "8:0 4096" in the files without an operation (io_time, sectors).
    const m = /^(\d+):(\d+)\s+(?:(\S+)\s+)?(\d+)$/.exec(line.trim());
    if (m) out.push({ major: Number(m[1]), minor: Number(m[2]), op: m[3] ?? '', value: Number(m[4]) });
  }
  return out;
}

/** v2 io.stat "MAJ:MIN rbytes=… wbytes=… rios=… wios=…" → bytes and ops, as moby names them ("read", "write"). */
export function parseIoStatV2(text: string | null): { serviceBytes: BlkioEntry[]; serviced: BlkioEntry[] } {
  const serviceBytes: BlkioEntry[] = [];
  const serviced: BlkioEntry[] = [];
  for (const line of (text ?? '').split('\n')) {
    const [dev, ...fields] = line.trim().split(/\s+/);
    const m = /^(\d+):(\d+)$/.exec(dev ?? '');
    if (!m) continue;
    const kv = Object.fromEntries(
      fields
        .map((f) => f.split('='))
        .filter((p) => p.length === 2)
        .map(([k, v]) => [k, Number(v)]),
    );
    const at = { major: Number(m[1]), minor: Number(m[2]) };
    serviceBytes.push({ ...at, op: 'read', value: kv.rbytes ?? 0 }, { ...at, op: 'write', value: kv.wbytes ?? 0 });
    serviced.push({ ...at, op: 'read', value: kv.rios ?? 0 }, { ...at, op: 'write', value: kv.wios ?? 0 });
  }
  return { serviceBytes, serviced };
}

/**
 * The host's CPU time in nanoseconds and the online CPU count, from
 * /proc/stat (the first line's user…steal ticks, USER_HZ = 100, as dockerd).
 */
export function parseProcStat(text: string): { systemUsage: number; onlineCpus: number } {
  const lines = text.split('\n');
  const cpu = lines.find((l) => l.startsWith('cpu '));
  const ticks = (cpu ?? '')
    .trim()
    .split(/\s+/)
    .slice(1, 9)
    .map(Number)
    .reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0);
  const onlineCpus = lines.filter((l) => /^cpu\d+\s/.test(l)).length;
  return { systemUsage: ticks * 10_000_000, onlineCpus };
}

/**
 * /proc/<pid>/net/dev (the interfaces of that process's network namespace)
 * → counters per interface, `lo` left out as dockerd does. Columns: 8
 * receive (bytes packets errs drop fifo frame compressed multicast), then
 * 8 transmit (bytes packets errs drop fifo colls carrier compressed).
 */
export function parseNetDev(text: string): Record<string, NetCounters> {
  const out: Record<string, NetCounters> = {};
  for (const line of text.split('\n').slice(2)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    const n = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/)
      .map(Number);
    if (name === 'lo' || n.length < 16 || n.some((v) => !Number.isFinite(v))) continue;
    out[name] = { rxBytes: n[0], rxPackets: n[1], rxErrors: n[2], rxDropped: n[3], txBytes: n[8], txPackets: n[9], txErrors: n[10], txDropped: n[11] };
  }
  return out;
}

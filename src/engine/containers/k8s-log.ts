/**
 * conmon's k8s-file log format, one record per line:
 *   <RFC3339Nano local time with ±HH:MM> <stdout|stderr> <F|P> <content>\n
 * `P` marks a partial record (the read ended mid-line): its content is
 * continued by the next record of the same stream. Pure parsing helpers.
 */

export interface LogRecord {
  /** RFC 3339 with nanoseconds, UTC ("…Z"). */
  time: string;
  /** Nanoseconds since the epoch, for since/until comparisons. */
  timeNs: bigint;
  stream: 'stdout' | 'stderr';
  partial: boolean;
  /** The bytes of the record: a full record's end with its newline. */
  data: Buffer;
}

const SPACE = 0x20;

/**
 * Parses the record in `buf` from `start` to `end` (exclusive; default: all
 * of it), read in place so a caller walking a chunk of lines makes no
 * buffer per line. The record may end with its newline: a full (F)
 * record's content then keeps it, without a copy; a partial (P) record's
 * content never has one. Undefined for a malformed line.
 */
export function parseLogLine(buf: Buffer, start = 0, end = buf.length): LogRecord | undefined {
  const contentEnd = end > start && buf[end - 1] === 0x0a ? end - 1 : end;
  const s1 = buf.indexOf(SPACE, start);
  const s2 = s1 < 0 || s1 >= contentEnd ? -1 : buf.indexOf(SPACE, s1 + 1);
  if (s2 < 0 || s2 + 1 >= contentEnd) return undefined;
  const stream = streamAt(buf, s1 + 1, s2);
  if (!stream) return undefined;
  const stamp = cachedUtc(buf, start, s1);
  if (!stamp) return undefined;
  const partial = buf[s2 + 1] === 0x50; /* P */
  const contentStart = Math.min(s2 + 3, contentEnd);
  return { time: stamp.time, timeNs: stamp.timeNs, stream, partial, data: buf.subarray(contentStart, partial ? contentEnd : end) };
}

/** "stdout" or "stderr" from the bytes [from, to), without making a string per line. */
function streamAt(line: Buffer, from: number, to: number): 'stdout' | 'stderr' | undefined {
  if (to - from !== 6 || line[from] !== 0x73 || line[from + 1] !== 0x74 || line[from + 2] !== 0x64) return undefined;
  if (line[from + 3] === 0x6f && line[from + 4] === 0x75 && line[from + 5] === 0x74) return 'stdout';
  if (line[from + 3] === 0x65 && line[from + 4] === 0x72 && line[from + 5] === 0x72) return 'stderr';
  return undefined;
}

// conmon stamps every line of one read with the same time: remember the last conversion,
// compared byte for byte so that a repeated stamp costs no string.
let lastStamp = Buffer.alloc(0);
let lastUtc: { time: string; timeNs: bigint } | undefined;

function cachedUtc(buf: Buffer, from: number, to: number): { time: string; timeNs: bigint } | undefined {
  if (!sameBytes(buf, from, to, lastStamp)) {
    lastStamp = Buffer.from(buf.subarray(from, to));
    lastUtc = toUtc(lastStamp.toString('latin1'));
  }
  return lastUtc;
}

/**
 * Whether buf[from, to) equals `other`, compared in JS from the end (where
 * two stamps differ first: the nanoseconds): a native compare per line
 * costs more than the compare itself.
 */
function sameBytes(buf: Buffer, from: number, to: number, other: Buffer): boolean {
  if (to - from !== other.length) return false;
  for (let i = to - from - 1; i >= 0; i -= 1) if (buf[from + i] !== other[i]) return false;
  return true;
}

/** "2026-11-28T10:37:10.001256116+01:00" → UTC RFC 3339 nano and epoch nanoseconds. */
export function toUtc(stamp: string): { time: string; timeNs: bigint } | undefined {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(stamp);
  if (!m) return undefined;
  const seconds = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(seconds)) return undefined;
  const frac = (m[2] ?? '').padEnd(9, '0');
  const utc = new Date(seconds).toISOString().slice(0, 19);
  return { time: `${utc}.${frac}Z`, timeNs: BigInt(seconds) * 1_000_000n + BigInt(frac) };
}

/**
 * Joins partial records: feed records in file order, get complete entries
 * back (content of the pieces concatenated, ending with the full record's
 * newline when it had one, the time of the first piece).
 */
export class PartialJoiner {
  #pending: Record<'stdout' | 'stderr', LogRecord | undefined> = { stdout: undefined, stderr: undefined };

  push(record: LogRecord): LogRecord | undefined {
    const pending = this.#pending[record.stream];
    if (!pending && !record.partial) return record;
    // A piece kept for later is copied: the caller's buffer may be reused before the rest comes.
    const merged = pending ? { ...pending, data: Buffer.concat([pending.data, record.data]) } : { ...record, data: Buffer.from(record.data) };
    this.#pending[record.stream] = record.partial ? { ...merged, partial: true } : undefined;
    return record.partial ? undefined : { ...merged, partial: false };
  }

  /** What is left at the end of the log (a last line without newline). */
  flush(): LogRecord[] {
    const rest = [this.#pending.stdout, this.#pending.stderr].filter((r): r is LogRecord => r !== undefined);
    this.#pending = { stdout: undefined, stderr: undefined };
    return rest;
  }
}

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
  content: Buffer;
}

const SPACE = 0x20;

/**
 * Parses one record. `line` may end with its newline: a full (F) record's
 * content then keeps it, without a copy; a partial (P) record's content
 * never has one. Undefined for a malformed line.
 */
export function parseLogLine(line: Buffer): LogRecord | undefined {
  const end = line.length > 0 && line[line.length - 1] === 0x0a ? line.length - 1 : line.length;
  const s1 = line.indexOf(SPACE);
  const s2 = s1 < 0 ? -1 : line.indexOf(SPACE, s1 + 1);
  if (s2 < 0 || s2 + 1 >= end) return undefined;
  const stream = line.toString('latin1', s1 + 1, s2);
  if (stream !== 'stdout' && stream !== 'stderr') return undefined;
  const partial = line[s2 + 1] === 0x50; /* P */
  const stamp = cachedUtc(line.toString('latin1', 0, s1));
  if (!stamp) return undefined;
  const contentStart = Math.min(s2 + 3, end);
  return { ...stamp, stream, partial, content: line.subarray(contentStart, partial ? end : line.length) };
}

// conmon stamps every line of one read with the same time: remember the last conversion.
let lastStamp = '';
let lastUtc: { time: string; timeNs: bigint } | undefined;

function cachedUtc(stamp: string): { time: string; timeNs: bigint } | undefined {
  if (stamp !== lastStamp) {
    lastStamp = stamp;
    lastUtc = toUtc(stamp);
  }
  return lastUtc;
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
    const merged = pending ? { ...pending, content: Buffer.concat([pending.content, record.content]) } : record;
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


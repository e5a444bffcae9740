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

/** Parses one line (without its newline); undefined for a malformed line. */
export function parseLogLine(line: Buffer): LogRecord | undefined {
  const s1 = line.indexOf(SPACE);
  const s2 = s1 < 0 ? -1 : line.indexOf(SPACE, s1 + 1);
  const s3 = s2 < 0 ? -1 : line.indexOf(SPACE, s2 + 1);
  if (s3 < 0 && !(s2 > 0 && line.length === s2 + 2)) return undefined;
  const stream = line.toString('latin1', s1 + 1, s2);
  if (stream !== 'stdout' && stream !== 'stderr') return undefined;
  const flag = line[s2 + 1];
  const stamp = toUtc(line.toString('latin1', 0, s1));
  if (!stamp) return undefined;
  return { ...stamp, stream, partial: flag === 0x50 /* P */, content: s3 < 0 ? Buffer.alloc(0) : line.subarray(s3 + 1) };
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
 * back (content of the pieces concatenated, a newline appended for full
 * lines, the time of the first piece).
 */
export class PartialJoiner {
  #pending: Record<'stdout' | 'stderr', LogRecord | undefined> = { stdout: undefined, stderr: undefined };

  push(record: LogRecord): LogRecord | undefined {
    const pending = this.#pending[record.stream];
    const merged = pending ? { ...pending, content: Buffer.concat([pending.content, record.content]) } : record;
    if (record.partial) {
      this.#pending[record.stream] = { ...merged, partial: true };
      return undefined;
    }
    this.#pending[record.stream] = undefined;
    return { ...merged, partial: false, content: Buffer.concat([merged.content, NEWLINE]) };
  }

  /** What is left at the end of the log (a last line without newline). */
  flush(): LogRecord[] {
    const rest = [this.#pending.stdout, this.#pending.stderr].filter((r): r is LogRecord => r !== undefined);
    this.#pending = { stdout: undefined, stderr: undefined };
    return rest;
  }
}

const NEWLINE = Buffer.from('\n');

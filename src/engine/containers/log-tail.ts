/**
 * `docker logs --tail N`: the last N whole lines across the log's files,
 * newest file first until N are found, each file read whole (a file is at
 * most max-size bytes).
 */
import fsp from 'node:fs/promises';
import { parseLogLine, PartialJoiner, type LogRecord } from './k8s-log.js';
import type { LogCursor } from './log-cursor.js';
import { listRotated } from './log-files.js';

/**
 * The last `n` records up to the cursor's position; the cursor is moved
 * back to the end of the last whole line, where a follow continues.
 */
export async function lastRecords(path: string, cursor: LogCursor, n: number): Promise<LogRecord[]> {
  const newest = await cursor.readPrefix();
  if (n <= 0) return [];
  const files = [newest];
  // Counted per file, a record split over a file boundary (a P piece at the end of one file, its F at
  // the start of the next, when a rotation came between conmon's two writes) counts once too many:
  // one spare record per file read keeps the count on the safe side.
  let count = wholeRecords(newest).length;
  const older = listRotated(path)
    .filter((r) => r.seq < cursor.oldestAfter)
    .reverse();
  for (const file of older) {
    if (count >= n + files.length) break;
    const data = await fsp.readFile(file.path).catch(() => undefined); // deleted by rotation meanwhile: past retention
    if (!data) continue;
    files.unshift(data);
    count += wholeRecords(data).length;
  }
  // One pass over the files in order, so that the pieces of a split record are joined.
  const all = wholeRecords(Buffer.concat(files));
  return all.slice(Math.max(0, all.length - n));
}

/** The joined records of the whole lines in `data`. */
function wholeRecords(data: Buffer): LogRecord[] {
  const end = data.lastIndexOf(0x0a) + 1;
  const joiner = new PartialJoiner();
  const out: LogRecord[] = [];
  for (let start = 0; start < end;) {
    const stop = data.indexOf(0x0a, start);
    const record = parseLogLine(data, start, stop + 1);
    start = stop + 1;
    const whole = record && joiner.push(record);
    if (whole) out.push(whole);
  }
  return out;
}

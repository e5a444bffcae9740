/**
 * Docker's stream multiplexing (non-TTY attach, exec and logs): every frame
 * is an 8-byte header — byte 0 the stream (1 stdout, 2 stderr, 3 systemerr),
 * bytes 1-3 zero, bytes 4-7 the payload length as big-endian uint32 — then
 * the payload. TTY streams are raw and carry no header. Also the
 * back-pressure-aware writer every stream in src/server uses.
 */
import type { Writable } from 'node:stream';

export type StreamId = 'stdout' | 'stderr' | 'systemerr';

const STREAM_BYTE: Readonly<Record<StreamId, number>> = { stdout: 1, stderr: 2, systemerr: 3 };
/** Frames are cut at this size (the length field allows 4 GiB; clients' buffers do not). */
const MAX_PAYLOAD = 1 << 20;

/** The 8-byte header for a payload of `length` bytes. */
export function frameHeader(stream: StreamId, length: number): Buffer {
  const h = Buffer.alloc(8);
  h[0] = STREAM_BYTE[stream];
  h.writeUInt32BE(length, 4);
  return h;
}

/**
 * One or more frames carrying `data` (split above 1 MiB). An empty payload
 * gives no frames, because a zero-length frame means nothing to clients.
 */
export function frame(stream: StreamId, data: Buffer): Buffer {
  if (data.length === 0) return data;
  const parts: Buffer[] = [];
  for (let off = 0; off < data.length; off += MAX_PAYLOAD) {
    const chunk = data.subarray(off, Math.min(off + MAX_PAYLOAD, data.length));
    parts.push(frameHeader(stream, chunk.length), chunk);
  }
  return Buffer.concat(parts);
}

/** Parses a buffer of complete frames (for tests and clients). Throws on a torn frame. */
export function parseFrames(buf: Buffer): Array<{ stream: number; data: Buffer }> {
  const out: Array<{ stream: number; data: Buffer }> = [];
  let off = 0;
  while (off < buf.length) {
    if (off + 8 > buf.length) throw new Error('truncated frame header');
    const len = buf.readUInt32BE(off + 4);
    if (off + 8 + len > buf.length) throw new Error('truncated frame payload');
    out.push({ stream: buf[off], data: buf.subarray(off + 8, off + 8 + len) });
    off += 8 + len;
  }
  return out;
}

/**
 * Writes `data` and, when the stream's buffer is full, waits for 'drain' so
 * a slow reader slows the producer instead of growing memory. Resolves false
 * when the stream closed or errored first (the caller should stop).
 */
export async function writeWithBackpressure(out: Writable, data: Buffer | string): Promise<boolean> {
  if (out.destroyed || out.writableEnded) return false;
  if (out.write(data)) return true;
  // Plain listeners, not events.once with an AbortSignal: a fast stream waits here for most of its
  // writes, and each aborted once() costs an AbortError with a stack trace.
  await new Promise<void>((resolve) => {
    const done = () => {
      out.off('drain', done);
      out.off('close', done);
      out.off('error', done);
      resolve();
    };
    out.on('drain', done);
    out.on('close', done);
    out.on('error', done);
  });
  return !out.destroyed;
}

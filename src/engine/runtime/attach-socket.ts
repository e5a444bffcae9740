/**
 * A client of conmon's attach socket (libpod-internals.md §1.4): an AF_UNIX
 * SOCK_SEQPACKET socket in the bundle dir. Every message from conmon is one
 * stream-id byte (2 stdout, 3 stderr) plus up to 8192 payload bytes; stdin
 * goes the other way as raw bytes, at most 32768 per message (conmon reads
 * that much at once and would cut a longer message). A half-close
 * (shutdown SHUT_WR) makes conmon close the process's stdin.
 *
 * The bundle path may exceed sun_path's 108 bytes, so the socket is reached
 * through /proc/self/fd/<dirfd>/attach with the directory opened
 * O_DIRECTORY for the duration of connect().
 *
 * conmon blocks when a client's socket buffer is full, stalling the
 * container, so messages are drained at once into an in-memory queue; a
 * consumer that lets the queue grow past `maxQueuedBytes` is disconnected.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { SeqpacketSocket } from 'node-unix-socket';

let seqpacketModule: Promise<typeof import('node-unix-socket')> | undefined;
/** The native socket module, loaded at the first attach rather than at daemon start (an idle daemon stays smaller). */
const loadSeqpacket = () => (seqpacketModule ??= import('node-unix-socket'));

export interface AttachFrame {
  stream: 'stdout' | 'stderr';
  data: Buffer;
}

/** conmon's largest stdin read (CONN_SOCK_BUF_SIZE). */
export const STDIN_MESSAGE_MAX = 32768;
const DEFAULT_QUEUE_CAP = 8 * 1024 * 1024;

/** One conmon message → a frame; null for ids other than stdout/stderr or an empty message. Pure. */
export function parseAttachMessage(msg: Buffer): AttachFrame | null {
  if (msg.length < 2) return null;
  if (msg[0] === 2) return { stream: 'stdout', data: msg.subarray(1) };
  if (msg[0] === 3) return { stream: 'stderr', data: msg.subarray(1) };
  return null;
}

/** Cuts stdin bytes into messages conmon reads whole. An empty buffer gives no messages. Pure. */
export function splitStdin(data: Buffer, max = STDIN_MESSAGE_MAX): Buffer[] {
  const out: Buffer[] = [];
  for (let off = 0; off < data.length; off += max) out.push(data.subarray(off, Math.min(off + max, data.length)));
  return out;
}

export interface AttachSocketOptions {
  /** Bytes queued for the consumer before the socket is dropped. */
  maxQueuedBytes?: number;
  /** Called once when the consumer was too slow and the socket was dropped. */
  onOverflow?: () => void;
}

export class AttachSocket implements AsyncIterable<AttachFrame> {
  #queue: AttachFrame[] = [];
  #queued = 0;
  #ended = false;
  #wake: (() => void) | null = null;
  #closed = false;
  /** Payload bytes received so far (stdout and stderr). */
  receivedBytes = 0;
  #markEnded!: () => void;
  /** Resolves once no more frames can arrive (conmon closed the socket, or close()); receivedBytes is final then. */
  readonly ended = new Promise<void>((resolve) => (this.#markEnded = resolve));

  private constructor(
    private readonly socket: SeqpacketSocket,
    private readonly opts: AttachSocketOptions,
  ) {
    socket.setInternalReadBufferSize(8193);
    socket.on('data', (msg: Buffer) => this.#push(msg));
    socket.on('end', () => this.#finish());
    socket.on('close', () => this.#finish());
    socket.on('error', () => this.close());
  }

  /** Connects to `<dir>/attach`. Rejects when nothing listens there. */
  static async connect(dir: string, opts: AttachSocketOptions = {}): Promise<AttachSocket> {
    const { SeqpacketSocket } = await loadSeqpacket();
    const dirFd = fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
    return new Promise<AttachSocket>((resolve, reject) => {
      const socket = new SeqpacketSocket();
      const fail = (err: Error) => {
        socket.destroy();
        reject(err);
      };
      socket.once('error', fail);
      try {
        socket.connect(path.join('/proc/self/fd', String(dirFd), 'attach'), () => {
          socket.off('error', fail);
          resolve(new AttachSocket(socket, opts));
        });
      } catch (err) {
        fail(err as Error);
      }
    }).finally(() => fs.closeSync(dirFd));
  }

  #push(msg: Buffer): void {
    const frame = parseAttachMessage(msg);
    if (!frame || this.#ended) return;
    // The native read buffer is reused: keep a copy.
    this.#queue.push({ stream: frame.stream, data: Buffer.from(frame.data) });
    this.#queued += frame.data.length;
    this.receivedBytes += frame.data.length;
    if (this.#queued > (this.opts.maxQueuedBytes ?? DEFAULT_QUEUE_CAP)) {
      this.opts.onOverflow?.();
      this.#queue = [];
      this.#queued = 0;
      this.close();
    }
    this.#notify();
  }

  #finish(): void {
    this.#ended = true;
    this.#markEnded();
    this.#notify();
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  /** Frames in arrival order; ends when conmon closes the socket or close() is called. */
  async *[Symbol.asyncIterator](): AsyncGenerator<AttachFrame> {
    for (;;) {
      const next = this.#queue.shift();
      if (next) {
        this.#queued -= next.data.length;
        yield next;
        continue;
      }
      if (this.#ended) return;
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }

  /** Sends stdin bytes; resolves once handed to the kernel. A closed socket swallows them. */
  write(data: Buffer): Promise<void> {
    const parts = splitStdin(data);
    return new Promise((resolve) => {
      if (this.#closed || parts.length === 0) return resolve();
      try {
        parts.forEach((part, i) => this.socket.write(part, 0, part.length, i === parts.length - 1 ? resolve : undefined));
      } catch {
        resolve();
      }
    });
  }

  /** Half-close: conmon closes the process's stdin; output keeps coming. */
  endStdin(): void {
    if (this.#closed) return;
    try {
      this.socket.end();
    } catch {
      // already gone
    }
  }

  /** Drops the connection; the iterator ends after what is queued. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.socket.destroy();
    this.#finish();
  }
}

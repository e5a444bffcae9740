/**
 * An attach's stdin towards conmon: a Writable that watches for the detach
 * keys and forwards everything else to conmon's attach socket.
 *
 * Output is not read from this socket (the attach follows the log, which
 * loses nothing before start), but conmon blocks when a client's socket is
 * full, so the frames it sends here are drained and dropped at once.
 *
 * End of the client's stdin: with `closeStdinOnEnd` (Docker's StdinOnce
 * without a TTY) the socket is half-closed and conmon closes the
 * container's stdin; otherwise nothing is sent and the container's stdin
 * stays open (conmon runs with --leave-stdin-open then).
 */
import { Writable } from 'node:stream';
import { AttachSocket } from '../runtime/attach-socket.js';
import { DetachKeyMatcher } from './detach-keys.js';

export interface StdinChannelOptions {
  /** The bundle dir holding conmon's `attach` socket. */
  bundleDir: string;
  detachKeys: Buffer;
  closeStdinOnEnd: boolean;
  /** Called once when the detach sequence was typed. */
  onDetach: () => void;
}

export interface StdinChannel {
  stdin: Writable;
  /** Drops the connection to conmon (idempotent). */
  close(): void;
}

/** Connects to conmon; rejects when its attach socket does not answer. */
export async function openStdinChannel(opts: StdinChannelOptions): Promise<StdinChannel> {
  const socket = await AttachSocket.connect(opts.bundleDir);
  void drain(socket);
  const matcher = new DetachKeyMatcher(opts.detachKeys);
  let detached = false;
  const stdin = new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (detached) return cb();
      const scan = matcher.push(chunk);
      const sent = scan.pass.length > 0 ? socket.write(scan.pass) : Promise.resolve();
      void sent.then(() => {
        if (scan.detached && !detached) {
          detached = true;
          opts.onDetach();
        }
        cb();
      });
    },
    final(cb) {
      if (opts.closeStdinOnEnd && !detached) socket.endStdin();
      cb();
    },
  });
  return { stdin, close: () => socket.close() };
}

async function drain(socket: AttachSocket): Promise<void> {
  for await (const _frame of socket) {
    // discarded: the output side reads the log
  }
}

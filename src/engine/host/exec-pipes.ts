/**
 * berthd's side of an exec conmon's sync (3), start (4) and attach (5)
 * pipes. The spawn helper starts conmon and hands these three sockets over
 * to berthd (node's IPC passes them as handles, spawn-protocol.ts
 * ExecPipe): every message of the exec handshake then goes straight
 * between berthd and conmon, not through the helper's event loop as well,
 * and the session no longer depends on the helper once they arrived.
 */
import type { Socket } from 'node:net';
import type { ExecEvent, ExecPipe } from './spawn-protocol.js';

export class ExecPipes {
  readonly #sockets = new Map<ExecPipe['pipe'], Socket>();
  #startBytes = 0;
  #destroyed = false;
  #open = 0;
  #markClosed!: () => void;
  /** Resolves once the sync and attach pipes, having arrived, are closed; never if they do not arrive. */
  readonly closed = new Promise<void>((resolve) => (this.#markClosed = resolve));

  /** The exec-conmon request's id, for the events. */
  id = 0;

  constructor(
    private readonly onEvent: (e: ExecEvent) => void,
    private readonly onPipeEnd: (pipe: 'sync' | 'attach') => void,
  ) {}

  /** Whether all three pipes arrived: from then on the session does not need the helper. */
  get received(): boolean {
    return this.#sockets.size === 3;
  }

  /** Takes a pipe handed over by the helper. */
  take(pipe: ExecPipe['pipe'], socket: Socket): void {
    if (this.#destroyed) {
      socket.destroy();
      return;
    }
    this.#sockets.set(pipe, socket);
    socket.on('error', () => socket.destroy());
    if (pipe === 'start') {
      if (this.#startBytes > 0) socket.write(Buffer.alloc(this.#startBytes));
      this.#startBytes = 0;
      return;
    }
    this.#open++;
    socket.setEncoding('utf8');
    socket.on('data', (data: string) => this.onEvent({ id: this.id, event: pipe, data }));
    socket.once('close', () => {
      this.onPipeEnd(pipe);
      if (--this.#open === 0 && this.#sockets.has('sync') && this.#sockets.has('attach')) this.#markClosed();
    });
  }

  /** One byte on the start pipe (kept until the pipe arrived). */
  release(): void {
    const start = this.#sockets.get('start');
    if (start && !start.destroyed) start.write(Buffer.from([0]));
    else if (!start) this.#startBytes++;
  }

  /** Lets go of every pipe, also of those still to arrive. */
  destroy(): void {
    this.#destroyed = true;
    for (const socket of this.#sockets.values()) socket.destroy();
  }
}

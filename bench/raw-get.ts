/**
 * A minimal keep-alive HTTP/1.1 GET client on one unix socket connection,
 * for timing small reads (list, inspect) of an engine. node:http's client
 * spends more time per request than a warm engine does answering it, so it
 * would measure itself; this writes one preformatted request and reads one
 * response (Content-Length or chunked), nothing else. Only for status-200
 * GETs whose body the caller may look at as a Buffer.
 */
import net from 'node:net';

export class RawGetClient {
  readonly #socket: net.Socket;
  #buffer: Buffer = Buffer.alloc(0);
  #waiting: { resolve: (body: Buffer) => void; reject: (err: Error) => void } | null = null;

  private constructor(socket: net.Socket) {
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.#buffer = this.#buffer.length ? Buffer.concat([this.#buffer, chunk]) : chunk;
      this.#tryComplete();
    });
    const fail = (err: Error) => {
      const w = this.#waiting;
      this.#waiting = null;
      w?.reject(err);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('the engine closed the connection')));
  }

  static connect(socketPath: string): Promise<RawGetClient> {
    return new Promise((resolve, reject) => {
      const socket = net.createConnection(socketPath);
      socket.once('connect', () => resolve(new RawGetClient(socket)));
      socket.once('error', reject);
    });
  }

  /** GET `path`; resolves the body once the whole response is in. Rejects on a status other than 200. */
  get(path: string): Promise<Buffer> {
    if (this.#waiting) return Promise.reject(new Error('RawGetClient: one request at a time'));
    return new Promise((resolve, reject) => {
      this.#waiting = { resolve, reject };
      this.#socket.write(`GET ${path} HTTP/1.1\r\nHost: docker\r\n\r\n`);
    });
  }

  close(): void {
    this.#socket.destroy();
  }

  #tryComplete(): void {
    const w = this.#waiting;
    if (!w) return;
    const headEnd = this.#buffer.indexOf('\r\n\r\n');
    if (headEnd < 0) return;
    const head = this.#buffer.subarray(0, headEnd).toString('latin1');
    const length = /\r\ncontent-length: *(\d+)/i.exec(head);
    let body: Buffer;
    let end: number;
    if (length) {
      end = headEnd + 4 + Number(length[1]);
      if (this.#buffer.length < end) return;
      body = this.#buffer.subarray(headEnd + 4, end);
    } else if (/\r\ntransfer-encoding: *chunked/i.test(head)) {
      const parsed = dechunk(this.#buffer, headEnd + 4);
      if (!parsed) return;
      ({ body, end } = parsed);
    } else {
      this.#waiting = null;
      return w.reject(new Error(`response without a length: ${head.split('\r\n')[0]}`));
    }
    this.#buffer = this.#buffer.subarray(end);
    this.#waiting = null;
    const status = head.slice(9, 12);
    if (status !== '200') return w.reject(new Error(`GET answered ${head.split('\r\n')[0]}: ${body.subarray(0, 300).toString()}`));
    w.resolve(body);
  }
}

/** A complete chunked body starting at `from`, or null while more bytes are needed. */
function dechunk(buf: Buffer, from: number): { body: Buffer; end: number } | null {
  const parts: Buffer[] = [];
  let at = from;
  for (;;) {
    const lineEnd = buf.indexOf('\r\n', at);
    if (lineEnd < 0) return null;
    const size = parseInt(buf.subarray(at, lineEnd).toString('latin1'), 16);
    if (size === 0) {
      // The last chunk, no trailers: "0\r\n\r\n".
      return buf.length >= lineEnd + 4 ? { body: Buffer.concat(parts), end: lineEnd + 4 } : null;
    }
    if (buf.length < lineEnd + 2 + size + 2) return null;
    parts.push(buf.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}

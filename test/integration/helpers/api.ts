/**
 * Raw-API helpers for integration tests: create/start/wait in one call,
 * Docker's 8-byte stream framing, and streaming requests whose headers
 * arrive before their body ends (wait, logs -f, attach).
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import type { TestDaemon } from './daemon.js';
import { withQuery, type QueryValue } from './unix-http.js';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A time as the API's since/until take it ("seconds.nanoseconds"), exact to
 * the millisecond. `(ms / 1000).toFixed(9)` is not: the float's digits below
 * the millisecond can read just under it ("…122999907" for …123), which
 * puts an event of that very millisecond after an until of "now".
 */
export function unixTime(ms = Date.now()): string {
  return `${Math.floor(ms / 1000)}.${String(ms % 1000).padStart(3, '0')}000000`;
}

/** `docker events` from `since` to a second from now, one line per event in the CLI's `format`. */
export async function eventLines(d: TestDaemon, since: string, format: string): Promise<string[]> {
  const out = await d.docker(['events', '--since', since, '--until', unixTime(Date.now() + 1000), '--format', format]);
  assert.equal(out.code, 0, out.stderr);
  return out.stdout.trim().split('\n').filter(Boolean);
}

/** POST /containers/create with `body` (Image defaults to busybox); asserts 201 and returns the ID. */
export async function create(d: TestDaemon, body: Record<string, unknown>, name?: string): Promise<string> {
  const res = await d.request('POST', '/containers/create', { query: { name }, body: { Image: 'busybox', ...body } });
  assert.equal(res.status, 201, `create ${JSON.stringify(body)} → ${res.status} ${res.body}`);
  return res.json().Id;
}

/** POST /containers/{id}/{verb}; asserts the status (default 204). */
export async function verb(d: TestDaemon, id: string, action: string, query?: Record<string, QueryValue>, status = 204) {
  const res = await d.request('POST', `/containers/${id}/${action}`, { query });
  assert.equal(res.status, status, `${action} ${id} → ${res.status} ${res.body}`);
  return res;
}

/** Creates and starts a container; returns its ID. */
export async function run(d: TestDaemon, body: Record<string, unknown>, name?: string): Promise<string> {
  const id = await create(d, body, name);
  await verb(d, id, 'start');
  return id;
}

/** POST /containers/{id}/wait → StatusCode (asserts 200). */
export async function waitExit(d: TestDaemon, id: string, condition?: string): Promise<number> {
  const res = await d.request('POST', `/containers/${id}/wait`, { query: { condition } });
  assert.equal(res.status, 200, `wait ${id} → ${res.status} ${res.body}`);
  return res.json().StatusCode;
}

/** GET /containers/{id}/json (asserts 200). */
export async function inspectApi(d: TestDaemon, id: string): Promise<any> {
  const res = await d.request('GET', `/containers/${id}/json`);
  assert.equal(res.status, 200, `inspect ${id} → ${res.status} ${res.body}`);
  return res.json();
}

export interface Frame {
  stream: number;
  data: Buffer;
}

/** Splits Docker's stdcopy stream (8-byte header: stream, 0, 0, 0, big-endian length) and checks every header byte. */
export function demux(buf: Buffer): Frame[] {
  const frames: Frame[] = [];
  let at = 0;
  while (at < buf.length) {
    // The message is built only on failure: building it per frame made big streams quadratic.
    if (buf.length - at < 8) assert.fail(`truncated frame header at ${at}: ${buf.subarray(at).toString('hex')}`);
    const stream = buf[at];
    assert.ok(stream === 1 || stream === 2, `stream byte ${stream} at ${at}`);
    assert.deepEqual([...buf.subarray(at + 1, at + 4)], [0, 0, 0], `padding bytes at ${at}`);
    const len = buf.readUInt32BE(at + 4);
    assert.ok(at + 8 + len <= buf.length, `frame at ${at} claims ${len} bytes, ${buf.length - at - 8} left`);
    frames.push({ stream, data: buf.subarray(at + 8, at + 8 + len) });
    at += 8 + len;
  }
  return frames;
}

/** The concatenated text of the frames of one stream (1 stdout, 2 stderr). */
export function streamText(frames: Frame[], stream: number): string {
  return Buffer.concat(frames.filter((f) => f.stream === stream).map((f) => f.data)).toString('utf8');
}

/** GET /containers/{id}/logs with `query` (stdout=1 by default) → demuxed stdout and stderr text. */
export async function logs(d: TestDaemon, id: string, query: Record<string, QueryValue> = { stdout: 1 }) {
  const res = await d.request('GET', `/containers/${id}/logs`, { query });
  assert.equal(res.status, 200, `logs ${id} → ${res.status} ${res.body}`);
  const frames = demux(res.body);
  return { stdout: streamText(frames, 1), stderr: streamText(frames, 2), frames, raw: res.body };
}

export interface StreamingResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** When the headers arrived (Date.now()). */
  headersAt: number;
  /** Resolves with the whole body when the response ends. */
  body: Promise<Buffer>;
  /** Ends the request early. */
  abort(): void;
}

/** Sends a request and resolves as soon as the response headers arrive. */
export function streamRequest(d: TestDaemon, method: string, path: string, query?: Record<string, QueryValue>): Promise<StreamingResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath: d.socket, method, path: withQuery(path, query), agent: false }, (res) => {
      const chunks: Buffer[] = [];
      const body = new Promise<Buffer>((ok, fail) => {
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => ok(Buffer.concat(chunks)));
        res.on('error', fail);
        res.on('close', () => ok(Buffer.concat(chunks)));
      });
      resolve({ status: res.statusCode ?? 0, headers: res.headers, headersAt: Date.now(), body, abort: () => req.destroy() });
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * A raw HTTP/1.1 exchange on the daemon's socket (for the hijacked attach):
 * the request is written verbatim and everything received is collected.
 */
export class RawConnection {
  private data = Buffer.alloc(0);
  private ended = false;
  private readonly sock: net.Socket;
  readonly closed: Promise<void>;

  constructor(socketPath: string, request: string) {
    this.sock = net.connect(socketPath);
    this.sock.on('data', (c: Buffer) => (this.data = Buffer.concat([this.data, c])));
    this.closed = new Promise((r) => this.sock.on('close', () => ((this.ended = true), r())));
    this.sock.on('error', () => undefined);
    this.sock.write(request);
  }

  /** Resolves with the response head (status line + headers) once it is complete. */
  async head(timeoutMs = 10_000): Promise<string> {
    await this.until(() => this.data.includes('\r\n\r\n'), timeoutMs);
    return this.data.subarray(0, this.data.indexOf('\r\n\r\n')).toString('latin1');
  }

  /** Everything after the response head so far. */
  body(): Buffer {
    const at = this.data.indexOf('\r\n\r\n');
    return at < 0 ? Buffer.alloc(0) : this.data.subarray(at + 4);
  }

  /** Polls until `pred` holds or the connection ends; rejects after `timeoutMs`. */
  async until(pred: () => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pred()) {
      if (this.ended) throw new Error(`connection closed; received ${JSON.stringify(this.data.toString('latin1'))}`);
      if (Date.now() > deadline) throw new Error(`timed out; received ${JSON.stringify(this.data.toString('latin1'))}`);
      await sleep(20);
    }
  }

  /** Sends more bytes on the connection (stdin of a hijacked attach). */
  write(data: string | Buffer): void {
    this.sock.write(data);
  }

  /** Half-closes: the client sends no more (EOF of stdin). */
  end(): void {
    this.sock.end();
  }

  close(): void {
    this.sock.destroy();
  }
}

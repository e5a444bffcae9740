/**
 * Streams over a real listening server on a temp unix socket: wait flushes
 * its headers before the result exists; attach hijacks the connection with
 * and without `Upgrade: tcp`.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { OutputChunk, WaitResult } from '../../src/engine/api.js';
import { buildApp } from '../../src/server/app.js';
import { parseFrames, writeWithBackpressure } from '../../src/server/streams/stdcopy.js';
import { FakeEngine, Feed } from './fake-engine.js';

let dir: string;
let sock: string;
let app: FastifyInstance;
const engine = new FakeEngine();

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'berth-srv-'));
  sock = join(dir, 'api.sock');
  app = buildApp(engine, { logger: false, version: 'test' });
  await app.listen({ path: sock });
});

after(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

test('wait sends 200 headers before the result, then the JSON line', async () => {
  let settle!: (r: WaitResult) => void;
  engine.on('containers.wait', async () => ({ result: new Promise<WaitResult>((r) => (settle = r)) }));
  const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
    const req = http.request({ socketPath: sock, method: 'POST', path: '/v1.41/containers/x/wait?condition=next-exit' }, resolve);
    req.on('error', reject);
    req.end();
  });
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['content-type'], 'application/json');
  assert.equal(res.headers['api-version'], '1.41');
  let body = '';
  res.on('data', (c) => (body += c));
  const ended = new Promise((r) => res.on('end', r));
  settle({ exitCode: 3, error: '' });
  await ended;
  assert.equal(body, '{"StatusCode":3,"Error":null}\n');
});

test('wait: client disconnect aborts the engine wait', async () => {
  let signal!: AbortSignal;
  engine.on('containers.wait', async (...args: unknown[]) => {
    signal = args[2] as AbortSignal;
    return { result: new Promise<WaitResult>(() => {}) };
  });
  await new Promise<void>((resolve) => {
    const req = http.request({ socketPath: sock, method: 'POST', path: '/containers/x/wait' }, () => {
      req.destroy();
      resolve();
    });
    req.end();
  });
  await new Promise<void>((r) => (signal.aborted ? r() : signal.addEventListener('abort', () => r())));
  assert.equal(signal.aborted, true);
});

/** Opens a raw connection, sends `head`, resolves with the socket and a reader of everything received. */
async function rawRequest(head: string): Promise<{ socket: net.Socket; received: () => Buffer; ended: Promise<void> }> {
  const socket = net.connect({ path: sock, allowHalfOpen: true });
  const chunks: Buffer[] = [];
  socket.on('data', (c) => chunks.push(c));
  const ended = new Promise<void>((r) =>
    socket.on('end', () => {
      socket.end();
      r();
    }),
  );
  await new Promise((r) => socket.once('connect', r));
  socket.write(head);
  return { socket, received: () => Buffer.concat(chunks), ended };
}

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(cond(), `timed out waiting for ${what}`);
}

function attachSession(stdin: PassThrough | null) {
  const output = new Feed<OutputChunk>();
  let detached = 0;
  engine.on('containers.attach', async () => ({
    tty: false,
    output,
    stdin,
    detach: () => {
      detached++;
      output.end();
    },
  }));
  return { output, detachedCount: () => detached };
}

const UPGRADED = 'HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n';

test('attach with Upgrade: 101, framed output after half-close, stdin, socket end', async () => {
  const stdin = new PassThrough();
  const { output } = attachSession(stdin);
  const conn = await rawRequest(
    'POST /v1.41/containers/x/attach?stream=1&stdin=1&stdout=1&stderr=1 HTTP/1.1\r\n' +
      'Host: api\r\nContent-Type: text/plain\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n',
  );
  await until(() => conn.received().length >= UPGRADED.length, '101 response');
  assert.equal(conn.received().toString(), UPGRADED);
  conn.socket.write('typed input');
  let input = '';
  stdin.on('data', (c) => (input += c));
  await until(() => input === 'typed input', 'stdin bytes');
  conn.socket.end(); // the CLI half-closes when it has no more stdin
  output.push({ stream: 'stdout', data: Buffer.from('hello\n') });
  output.push({ stream: 'stderr', data: Buffer.from('err') });
  await until(() => conn.received().length >= UPGRADED.length + 14 + 11, 'frames');
  const frames = parseFrames(conn.received().subarray(UPGRADED.length));
  assert.deepEqual(
    frames.map((f) => [f.stream, f.data.toString()]),
    [
      [1, 'hello\n'],
      [2, 'err'],
    ],
  );
  output.end();
  await conn.ended;
});

test('attach without Upgrade: 200 raw-stream, body ends when the socket closes', async () => {
  const { output } = attachSession(null);
  const conn = await rawRequest('POST /containers/x/attach?stream=1&stdout=1 HTTP/1.1\r\nHost: api\r\nContent-Length: 0\r\n\r\n');
  const ok = 'HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.raw-stream\r\n\r\n';
  await until(() => conn.received().length >= ok.length, '200 response');
  assert.equal(conn.received().toString(), ok);
  output.push({ stream: 'stdout', data: Buffer.from('x') });
  output.end();
  await conn.ended;
  assert.deepEqual(
    parseFrames(conn.received().subarray(ok.length)).map((f) => f.data.toString()),
    ['x'],
  );
});

test('attach: client disconnect detaches; engine errors are JSON before the takeover', async () => {
  const s = attachSession(null);
  const conn = await rawRequest('POST /containers/x/attach?stream=1&stdout=1 HTTP/1.1\r\nHost: api\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n');
  await until(() => conn.received().length >= UPGRADED.length, '101 response');
  conn.socket.destroy();
  // A client close looks like a half-close until a write fails (as with dockerd).
  for (let i = 0; i < 20 && s.detachedCount() === 0; i++) {
    s.output.push({ stream: 'stdout', data: Buffer.from('late') });
    await new Promise((r) => setTimeout(r, 10));
  }
  await until(() => s.detachedCount() > 0, 'detach');
  engine.fail('containers.attach', 'not-found', 'No such container: x');
  const bad = await rawRequest('POST /containers/x/attach?stream=1&stdout=1 HTTP/1.1\r\nHost: api\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n');
  await bad.ended;
  const text = bad.received().toString();
  assert.match(text, /^HTTP\/1.1 404 /);
  assert.match(text, /\{"message":"No such container: x"\}$/);
});

test('writeWithBackpressure waits for drain on a full stream, and answers false once it is destroyed', async () => {
  let release: (() => void) | undefined;
  const slow = new Writable({
    highWaterMark: 4,
    write: (_chunk, _enc, cb) => {
      release = cb;
    },
  });
  let settled = false;
  const waiting = writeWithBackpressure(slow, Buffer.alloc(16)).then((ok) => {
    settled = true;
    return ok;
  });
  await new Promise((r) => setImmediate(r));
  assert.equal(settled, false, 'a full stream holds the writer');
  release?.();
  assert.equal(await waiting, true, 'drain lets it go on');
  assert.equal(slow.listenerCount('drain') + slow.listenerCount('close') + slow.listenerCount('error'), 0, 'no listener is left behind');
  const blocked = writeWithBackpressure(slow, Buffer.alloc(16));
  slow.destroy();
  assert.equal(await blocked, false, 'a stream destroyed while waiting ends the writer');
  assert.equal(await writeWithBackpressure(slow, Buffer.alloc(1)), false);
});

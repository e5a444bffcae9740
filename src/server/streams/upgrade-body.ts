/**
 * The body of an `Upgrade: tcp` request. Node hands such requests over as
 * 'upgrade' with the parser detached, so a JSON body (exec start sends
 * `{"Detach":false,"Tty":false}` with Upgrade) never reaches the
 * IncomingMessage: its first bytes are in the 'upgrade' head and the rest,
 * if any, still unread on the socket. This preParsing hook takes exactly
 * Content-Length bytes from there and gives them to Fastify as the payload;
 * whatever follows stays in the head (it is stdin).
 */
import type { IncomingMessage } from 'node:http';
import { PassThrough, type Duplex } from 'node:stream';
import type { preParsingHookHandler } from 'fastify';

/** The upgraded connection and the bytes Node read past the request headers. */
export interface UpgradeRecord {
  socket: Duplex;
  head: Buffer;
}

/** Where hijack.ts's 'upgrade' listener keeps the record on the raw request. */
export const kUpgrade = Symbol('berth.upgrade');

export type UpgradedRequest = IncomingMessage & { [kUpgrade]?: UpgradeRecord };

const BODY_TIMEOUT_MS = 30_000;

/** Splits `length` body bytes off the front of `head`, reading more from the socket when needed. */
export async function takeBody(record: UpgradeRecord, length: number): Promise<Buffer> {
  while (record.head.length < length) {
    const chunk = await readChunk(record.socket);
    record.head = Buffer.concat([record.head, chunk]);
  }
  const body = record.head.subarray(0, length);
  record.head = record.head.subarray(length);
  return body;
}

function readChunk(socket: Duplex): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
    };
    const onData = (chunk: Buffer) => {
      cleanup();
      socket.pause();
      resolve(chunk);
    };
    const onEnd = () => {
      cleanup();
      reject(new Error('the connection ended inside the request body'));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error('timed out reading the request body'));
    }, BODY_TIMEOUT_MS);
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('close', onEnd);
    socket.resume();
  });
}

/**
 * Fastify preParsing hook (callback style: it runs on every request); a
 * no-op for ordinary requests and for upgrades without a body.
 */
export const upgradedBodyHook: preParsingHookHandler = (request, _reply, payload, done) => {
  const record = (request.raw as UpgradedRequest)[kUpgrade];
  const length = record ? Number(request.headers['content-length'] ?? 0) : 0;
  if (!record || !Number.isInteger(length) || length <= 0) return done(null, payload);
  takeBody(record, length).then(
    (body) => {
      const stream = new PassThrough();
      stream.end(body);
      done(null, stream);
    },
    (err: Error) => done(err),
  );
};

/**
 * Blob transfer: downloads verified while they stream (sha256 and size
 * against the descriptor; nothing unverified is handed on), and uploads
 * (existence check, cross-repository mount, streamed upload).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { EngineError, invalid } from '../errors.js';
import { registryError, wrapTransport, type RepoSession } from './client.js';
import { readBody } from './http.js';
import type { Descriptor } from './manifest.js';

/** A config blob larger than this is refused. */
const CONFIG_MAX_BYTES = 8 * 1024 * 1024;
export const DOWNLOAD_ATTEMPTS = 3;

const verificationFailed = (digest: string) => invalid('BERTH_REGISTRY_DIGEST_MISMATCH', `filesystem layer verification failed for digest ${digest}`);

/** Fetches a small blob (an image config) into memory and checks its digest and size. */
export async function fetchBlob(session: RepoSession, desc: Descriptor): Promise<Buffer> {
  if (desc.size > CONFIG_MAX_BYTES)
    throw invalid('BERTH_REGISTRY_BLOB_TOO_LARGE', `blob ${desc.digest} is ${desc.size} bytes, more than berth accepts for a config`);
  const res = await session.send('GET', session.url(`blobs/${desc.digest}`));
  if (res.status !== 200) throw await registryError(res, `fetching blob ${desc.digest}`);
  const bytes = await readBody(res, desc.size).catch((err: Error) => {
    throw invalid('BERTH_REGISTRY_BLOB_TOO_LARGE', `blob ${desc.digest}: ${err.message} (the descriptor says ${desc.size})`);
  });
  if (bytes.length !== desc.size || `sha256:${createHash('sha256').update(bytes).digest('hex')}` !== desc.digest) throw verificationFailed(desc.digest);
  return bytes;
}

/**
 * Streams the blob into `file` (created or truncated), hashing as it goes.
 * A blob longer than its descriptor is cut off at once; a digest or size
 * mismatch rejects (the caller removes the file). Network failures are
 * retried from the start, a few times.
 */
export async function downloadBlob(
  session: RepoSession,
  desc: Descriptor,
  file: string,
  onBytes: (current: number) => void,
  signal?: AbortSignal,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await downloadOnce(session, desc, file, onBytes, signal);
      return;
    } catch (err) {
      const retry = !(err instanceof EngineError) && !signal?.aborted && attempt < DOWNLOAD_ATTEMPTS;
      if (!retry) throw wrapTransport(err);
      onBytes(0);
    }
  }
}

async function downloadOnce(session: RepoSession, desc: Descriptor, file: string, onBytes: (current: number) => void, signal?: AbortSignal): Promise<void> {
  const res = await session.send('GET', session.url(`blobs/${desc.digest}`));
  if (res.status !== 200) throw await registryError(res, `fetching blob ${desc.digest}`);
  const verify = blobVerifier(desc, onBytes);
  await pipeline(res.body, verify, fs.createWriteStream(file, { mode: 0o600 }), { signal });
  if (!verify.complete) throw verificationFailed(desc.digest);
}

/** A pass-through that counts and hashes a blob; it fails the stream on excess bytes and, at the end, on a size or digest mismatch. */
export interface BlobVerifier extends Transform {
  /** True once the whole blob went through and matched. */
  readonly complete: boolean;
}

export function blobVerifier(desc: Descriptor, onBytes: (current: number) => void): BlobVerifier {
  const hash = createHash('sha256');
  let total = 0;
  let complete = false;
  const verify = new Transform({
    transform(chunk: Buffer, _enc, done) {
      total += chunk.length;
      if (total > desc.size)
        return done(invalid('BERTH_REGISTRY_BLOB_TOO_LARGE', `blob ${desc.digest} is larger than the ${desc.size} bytes its descriptor says`));
      hash.update(chunk);
      onBytes(total);
      done(null, chunk);
    },
    flush(done) {
      if (total !== desc.size || `sha256:${hash.digest('hex')}` !== desc.digest) return done(verificationFailed(desc.digest));
      complete = true;
      done();
    },
  });
  return Object.defineProperty(verify, 'complete', { get: () => complete }) as BlobVerifier;
}

/**
 * Opens the blob as a stream that verifies itself as it is read (see
 * blobVerifier): its consumer sees an error instead of an end when the
 * bytes are not the blob. `networkFailed()` tells a dropped connection (worth
 * a retry) from bad content.
 */
export async function openVerifiedBlob(
  session: RepoSession,
  desc: Descriptor,
  onBytes: (current: number) => void,
  signal?: AbortSignal,
): Promise<{ stream: BlobVerifier; networkFailed(): boolean }> {
  const res = await session.send('GET', session.url(`blobs/${desc.digest}`));
  if (res.status !== 200) throw await registryError(res, `fetching blob ${desc.digest}`);
  const verify = blobVerifier(desc, onBytes);
  let network = false;
  res.body.on('error', () => {
    network = true;
  });
  res.body.on('aborted', () => {
    network = true;
  });
  pipeline(res.body, verify, { signal }).catch(() => {}); // errors reach the consumer through `verify`
  // The verifier's own refusal also tears the response down; that is bad content, not a dropped connection.
  const refused = () => verify.errored instanceof EngineError;
  return { stream: verify, networkFailed: () => network && !refused() && !signal?.aborted };
}

/** HEAD of a blob: its size when the repository has it, else null. */
export async function blobExists(session: RepoSession, digest: string): Promise<number | null> {
  const res = await session.send('HEAD', session.url(`blobs/${digest}`));
  res.body.resume();
  if (res.status === 200) return Number(res.headers['content-length'] ?? -1);
  if (res.status === 404) return null;
  throw await registryError(res, `checking blob ${digest}`);
}

/**
 * Tries a cross-repository mount of `digest` from `from` (same registry).
 * True when the registry mounted it; false when it offered an upload instead
 * (that upload is cancelled).
 */
export async function mountBlob(session: RepoSession, digest: string, from: string): Promise<boolean> {
  const url = session.url('blobs/uploads/');
  url.searchParams.set('mount', digest);
  url.searchParams.set('from', from);
  const res = await session.send('POST', url, { retry: true });
  res.body.resume();
  if (res.status === 201) return true;
  if (res.status === 202 && res.headers.location) {
    await session.send('DELETE', session.url(new URL(res.headers.location, session.endpoint.base).href)).then(
      (r) => r.body.resume(),
      () => {},
    );
    return false;
  }
  return false;
}

/**
 * Uploads a blob: POST opens the upload, PATCH streams the bytes (Docker's
 * way: the registry takes the whole stream as one chunk), PUT closes it with
 * the digest. `open` gives a fresh stream of exactly `size` bytes.
 */
export async function uploadBlob(session: RepoSession, desc: Descriptor, open: () => NodeJS.ReadableStream, onBytes: (current: number) => void): Promise<void> {
  const start = await session.send('POST', session.url('blobs/uploads/'), { retry: true });
  if (start.status !== 202 || !start.headers.location) throw await registryError(start, `starting upload of ${desc.digest}`);
  start.body.resume();
  let location = new URL(start.headers.location, session.endpoint.base);
  let sent = 0;
  const patch = await session.send('PATCH', location, {
    headers: { 'Content-Type': 'application/octet-stream' },
    body: {
      length: desc.size,
      open: () => {
        const counter = new Transform({
          transform(chunk: Buffer, _e, done) {
            sent += chunk.length;
            onBytes(sent);
            done(null, chunk);
          },
        });
        (open() as fs.ReadStream).pipe(counter);
        return counter;
      },
    },
  });
  if (patch.status !== 202 && patch.status !== 204) throw await registryError(patch, `uploading ${desc.digest}`);
  patch.body.resume();
  if (patch.headers.location) location = new URL(patch.headers.location, session.endpoint.base);
  location.searchParams.set('digest', desc.digest);
  const put = await session.send('PUT', location, { headers: { 'Content-Length': '0' } });
  if (put.status !== 201) throw await registryError(put, `completing upload of ${desc.digest}`);
  put.body.resume();
}

/**
 * dockerode (npm, the current major) against a test berthd: the client on
 * the daemon's socket, and small stream helpers written with dockerode's
 * own tools (modem.demuxStream, modem.followProgress), as its users write
 * them.
 */
import { PassThrough } from 'node:stream';
import Docker from 'dockerode';
import type { TestDaemon } from '../../integration/helpers/daemon.js';

/** skip reason for the dockerode files: integration tests need root. */
export function skipUnlessRoot(): string | false {
  return process.getuid?.() === 0 ? false : 'needs root';
}

export function dockerode(d: TestDaemon): Docker {
  return new Docker({ socketPath: d.socket });
}

/** Everything a readable stream gives until it ends (or closes). */
export function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer | string) => chunks.push(Buffer.from(c)));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('close', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

export interface Demuxed {
  stdout: string;
  stderr: string;
}

/**
 * Splits a multiplexed stream with `modem.demuxStream` and resolves with both
 * texts once the stream ends. Call before the output starts.
 */
export function demuxed(docker: Docker, stream: NodeJS.ReadableStream): Promise<Demuxed> {
  const out = new PassThrough();
  const err = new PassThrough();
  const texts = { stdout: '', stderr: '' };
  out.on('data', (c: Buffer) => (texts.stdout += c.toString()));
  err.on('data', (c: Buffer) => (texts.stderr += c.toString()));
  docker.modem.demuxStream(stream, out, err);
  return new Promise((resolve, reject) => {
    const done = () => resolve({ ...texts });
    stream.on('end', done);
    stream.on('close', done);
    stream.on('error', reject);
  });
}

/**
 * `modem.followProgress` as a promise: every JSON message of a progress
 * stream. It rejects only when the stream fails: an in-band error (a failed
 * build step) is one of the messages, as docker-modem hands it over.
 */
export function followProgress(docker: Docker, stream: NodeJS.ReadableStream, onProgress?: (event: any) => void): Promise<any[]> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(stream, (err, output) => (err ? reject(err) : resolve(output)), onProgress);
  });
}

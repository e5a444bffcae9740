/**
 * Extracts one untrusted layer tar (plain or gzip) into a fresh directory
 * while hashing the uncompressed bytes. node-tar does the path safety: with
 * preservePaths off it refuses entries with `..`, strips a leading `/`, and
 * refuses to write through a symlink (SymlinkError). Every refusal or damage
 * fails the whole extraction (a layer is all or nothing); only the
 * "stripped a leading /" notice is tolerated, as Docker does.
 *
 * Skipped: device nodes and FIFOs, xattrs. With `whiteouts`, `.wh.` entries
 * are not written as files but become overlay whiteouts (see whiteouts.ts).
 * With `keepTar`, the uncompressed tar bytes are also written to that file
 * (save must hand out the very bytes whose digest is the layer's diff ID).
 */
import { createHash } from 'node:crypto';
import fsSync from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Readable, pipeline } from 'node:stream';
import { once } from 'node:events';
import zlib from 'node:zlib';
import type { Unpack, ReadEntry } from 'tar';
import { invalid } from '../errors.js';
import { applyWhiteouts, classifyWhiteout, type Whiteouts } from './whiteouts.js';

export interface UntarResult {
  /** Hex sha256 of the uncompressed tar stream; '' when `digest: false`. */
  digest: string;
  /** Sum of regular file sizes, in bytes. */
  size: number;
}

const SKIPPED_TYPES = new Set(['CharacterDevice', 'BlockDevice', 'FIFO']);
const FILE_TYPES = new Set(['File', 'OldFile', 'ContiguousFile']);

const badArchive = (detail: string, cause?: unknown) => invalid('BERTH_IMAGE_BAD_ARCHIVE', `invalid tar archive: ${detail}`, cause);

/**
 * Extracts `source` into `dest` (an existing, empty, trusted directory).
 * Rejects with invalid-parameter on a damaged or unsafe archive; the caller
 * removes `dest`. The source is read to its end even after a refusal, so an
 * HTTP upload is not cut off mid-body.
 */
export interface UntarOptions {
  /** Turn `.wh.` entries into overlay whiteouts (layers); off = plain files (e.g. a `docker load` archive). */
  whiteouts?: boolean;
  /** Also write the uncompressed tar here. */
  keepTar?: string;
  /** false = no digest of the stream (a build context needs none; it saves hashing every byte). Default true. */
  digest?: boolean;
}

export async function untarLayer(source: Readable, dest: string, opts: UntarOptions = {}): Promise<UntarResult> {
  const cwd = await fs.realpath(dest);
  const hash = opts.digest === false ? undefined : createHash('sha256');
  const st: UntarState = { size: 0, allZero: true, failure: undefined, modeFixes: [], whiteouts: opts.whiteouts ? { deleted: [], opaque: [] } : undefined };
  const keep = opts.keepTar ? fsSync.createWriteStream(opts.keepTar, { mode: 0o600 }) : undefined;
  const unpack = await createUnpack(cwd, st);
  const done = new Promise<void>((resolve, reject) => {
    unpack.on('close', resolve);
    unpack.on('error', (err: Error & { tarCode?: string }) => {
      if (st.allZero && !st.failure && err.tarCode === 'TAR_BAD_ARCHIVE') resolve();
      else reject(st.failure ?? badArchive(err.message, err));
    });
  });
  done.catch(() => {}); // observed below; avoid an unhandled rejection while writing
  try {
    for await (const chunk of decompressed(source)) {
      hash?.update(chunk);
      if (keep && !keep.write(chunk)) await once(keep, 'drain');
      if (st.allZero) st.allZero = chunk.every((b) => b === 0);
      if (st.failure) continue;
      if (!unpack.write(chunk)) await Promise.race([once(unpack, 'drain'), done]);
    }
  } catch (err) {
    st.failure ??= err instanceof Error && 'kind' in err ? err : badArchive(String((err as Error).message ?? err), err);
  }
  unpack.end();
  await done.catch((err: Error) => {
    st.failure ??= err;
  });
  if (keep) await new Promise<void>((resolve, reject) => keep.end((err?: Error | null) => (err ? reject(err) : resolve())));
  if (st.failure) throw st.failure;
  if (st.whiteouts) await applyWhiteouts(cwd, st.whiteouts);
  await restoreModes(cwd, st.modeFixes);
  return { digest: hash?.digest('hex') ?? '', size: st.size };
}

interface UntarState {
  size: number;
  /** An empty tar (no bytes, or only zero blocks) is a valid empty layer, though node-tar calls it an unrecognized format. */
  allZero: boolean;
  /** The first refusal; the extraction fails with it. */
  failure: Error | undefined;
  /** Entries whose mode umask or chown will strip. */
  modeFixes: ReadEntry[];
  /** Collected whiteouts, when they are to be applied. */
  whiteouts: Whiteouts | undefined;
}

async function createUnpack(cwd: string, st: UntarState): Promise<Unpack> {
  const { Unpack } = await import('tar'); // loaded on first use: most daemons rarely unpack
  const umask = process.umask();
  return new Unpack({
    cwd,
    preservePaths: false,
    preserveOwner: true,
    strict: false,
    chmod: true,
    processUmask: 0,
    filter: (p: string, entry: unknown) => !SKIPPED_TYPES.has((entry as ReadEntry).type) && !isWhiteout(p, st),
    onwarn: (code: string, message: string | Error) => {
      if (code !== 'TAR_ENTRY_INFO') st.failure ??= badArchive(`${code}: ${String(message instanceof Error ? message.message : message)}`);
    },
    onReadEntry: (entry: ReadEntry) => {
      if (FILE_TYPES.has(entry.type)) st.size += entry.size ?? 0;
      // open(2) and mkdir(2) apply the process umask, and chown(2) clears
      // setuid/setgid: such modes are put back once everything is written.
      const mode = (entry.mode ?? 0) & 0o7777;
      if ((FILE_TYPES.has(entry.type) || entry.type === 'Directory') && (mode & (umask | 0o7000)) !== 0) st.modeFixes.push(entry);
    },
  });
}

/** True (and recorded) when whiteouts are on and `p` is one; a malformed one fails the extraction. */
function isWhiteout(p: string, st: UntarState): boolean {
  if (!st.whiteouts) return false;
  try {
    const w = classifyWhiteout(p);
    if (w.kind === 'none') return false;
    (w.kind === 'deleted' ? st.whiteouts.deleted : st.whiteouts.opaque).push(w.target);
  } catch (err) {
    st.failure ??= err as Error;
  }
  return true;
}

/**
 * The uncompressed bytes of `source`: gzip is decompressed in-process (no
 * external decompressor is ever run); other compressions are refused.
 */
export async function* decompressed(source: Readable): AsyncGenerator<Buffer> {
  const { head, rest } = await peek(source, 6);
  const kind = compressionOf(head);
  if (kind === 'none') {
    yield* rest;
    return;
  }
  if (kind !== 'gzip') throw badArchive(`${kind} compression is not supported (use plain tar or gzip)`);
  const gunzip = zlib.createGunzip({ chunkSize: GUNZIP_CHUNK }); // fewer, larger chunks through the hash and the unpack
  pipeline(Readable.from(batched(rest, GUNZIP_CHUNK)), gunzip, () => {});
  try {
    for await (const chunk of gunzip) yield chunk as Buffer;
  } catch (err) {
    throw badArchive(`gzip: ${(err as Error).message}`, err);
  }
}

/**
 * Each write into zlib is a trip through libuv's pool: socket-sized (64 KiB)
 * pieces joined to GUNZIP_CHUNK make those trips (and the file writes that
 * follow the output's chunks) a sixteenth as many.
 */
const GUNZIP_CHUNK = 1024 * 1024;

async function* batched(source: AsyncIterable<Buffer>, size: number): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let length = 0;
  for await (const chunk of source) {
    parts.push(chunk);
    length += chunk.length;
    if (length >= size) {
      yield parts.length === 1 ? parts[0] : Buffer.concat(parts, length);
      parts = [];
      length = 0;
    }
  }
  if (length > 0) yield Buffer.concat(parts, length);
}

function compressionOf(head: Buffer): 'none' | 'gzip' | 'bzip2' | 'xz' | 'zstd' {
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.subarray(0, 3).toString('latin1') === 'BZh') return 'bzip2';
  if (head.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return 'xz';
  if (head.subarray(0, 4).equals(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]))) return 'zstd';
  return 'none';
}

/** Reads at least `n` bytes (fewer at end of stream) and returns them plus an iterable of everything. */
async function peek(source: Readable, n: number): Promise<{ head: Buffer; rest: AsyncGenerator<Buffer> }> {
  const it = source[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  const buffered: Buffer[] = [];
  let total = 0;
  let ended = false;
  while (total < n) {
    const r = await it.next();
    if (r.done) {
      ended = true;
      break;
    }
    const b = Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value);
    buffered.push(b);
    total += b.length;
  }
  const head = Buffer.concat(buffered);
  async function* rest(): AsyncGenerator<Buffer> {
    if (head.length > 0) yield head;
    if (ended) return;
    for (let r = await it.next(); !r.done; r = await it.next()) yield Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value);
  }
  return { head, rest: rest() };
}

/** Re-applies modes that umask/chown stripped, never following a symlink out of `root`. */
async function restoreModes(root: string, entries: ReadEntry[]): Promise<void> {
  for (const entry of entries) {
    const abs = entry.absolute;
    if (!abs || path.relative(root, abs).startsWith('..')) continue;
    const real = await fs.realpath(abs).catch(() => '');
    if (real !== abs) continue;
    const st = await fs.lstat(abs);
    if (st.isSymbolicLink()) continue;
    await fs.chmod(abs, (entry.mode ?? 0) & 0o7777);
  }
}

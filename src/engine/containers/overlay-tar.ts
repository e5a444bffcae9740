/**
 * Turns a tar of an overlay upper dir into a layer tar in Docker's (AUFS
 * style) whiteout format, as a stream rewrite:
 *   - a 0/0 character device `dir/name` (an overlay whiteout) becomes an
 *     empty regular file `dir/.wh.name`, mode 0600;
 *   - a directory whose PAX record `SCHILY.xattr.trusted.overlay.opaque` is
 *     "y" keeps its entry (that record dropped) and is followed by an empty
 *     regular file `dir/.wh..wh..opq` with the directory's permission bits.
 * Every other entry (its PAX header included) passes through byte for byte.
 *
 * The input is what GNU tar writes with `--format=posix --xattrs`; GNU
 * long-name ('L'/'K') entries are not expected there and pass through
 * untouched. File contents are streamed, never held whole.
 */
import path from 'node:path';
import { OPAQUE_MARKER, OPAQUE_XATTR, WHITEOUT_PREFIX } from '../images/whiteouts.js';
import { entryHeader, paxRecord } from '../images/tar-writer.js';

const BLOCK = 512;
const OPAQUE_RECORD = `SCHILY.xattr.${OPAQUE_XATTR}`;

/** Reads exact byte counts from an async chunk source. */
class ByteReader {
  #it: AsyncIterator<Buffer>;
  #buf: Buffer = Buffer.alloc(0);
  #done = false;

  constructor(source: AsyncIterable<Buffer>) {
    this.#it = source[Symbol.asyncIterator]();
  }

  /** Exactly `n` bytes, or fewer only at the end of the input. */
  async read(n: number): Promise<Buffer> {
    while (this.#buf.length < n && !this.#done) {
      const r = await this.#it.next();
      if (r.done) this.#done = true;
      else this.#buf = this.#buf.length ? Buffer.concat([this.#buf, r.value]) : r.value;
    }
    const out = this.#buf.subarray(0, n);
    this.#buf = this.#buf.subarray(out.length);
    return out;
  }

  /** Up to `max` bytes (at least one unless at the end): for streaming contents. */
  async readSome(max: number): Promise<Buffer> {
    if (this.#buf.length === 0 && !this.#done) {
      const r = await this.#it.next();
      if (r.done) this.#done = true;
      else this.#buf = r.value;
    }
    const out = this.#buf.subarray(0, max);
    this.#buf = this.#buf.subarray(out.length);
    return out;
  }
}

/** A tar numeric field: octal text, or GNU base-256 when the high bit is set. */
export function tarNumber(field: Buffer): number {
  if (field[0] & 0x80) {
    let n = field[0] & 0x7f;
    for (const b of field.subarray(1)) n = n * 256 + b;
    return n;
  }
  const text = field.toString('latin1').replace(/\0.*$/s, '').trim();
  return text ? parseInt(text, 8) : 0;
}

const cstr = (b: Buffer) => b.toString('utf8').replace(/\0.*$/s, '');
const padded = (size: number) => Math.ceil(size / BLOCK) * BLOCK;

/** PAX records of an 'x' entry's data, in order. Malformed records end the parse. */
export function parsePax(data: Buffer): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    const len = space > pos ? parseInt(data.subarray(pos, space).toString('latin1'), 10) : NaN;
    if (!Number.isFinite(len) || len <= 0 || pos + len > data.length) break;
    const rec = data.subarray(space + 1, pos + len - 1).toString('utf8');
    const eq = rec.indexOf('=');
    if (eq > 0) out.push([rec.slice(0, eq), rec.slice(eq + 1)]);
    pos += len;
  }
  return out;
}

/** A copy of a header block with a new size field and checksum. */
function withSize(header: Buffer, size: number): Buffer {
  const h = Buffer.from(header);
  h.write(size.toString(8).padStart(11, '0') + '\0', 124, 'latin1');
  h.write('        ', 148, 'latin1');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
  return h;
}

interface HeaderFields {
  name: string;
  type: string;
  size: number;
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  devmajor: number;
  devminor: number;
}

function headerFields(h: Buffer, pax: Map<string, string>): HeaderFields {
  const prefix = h.subarray(257, 263).toString('latin1').startsWith('ustar') ? cstr(h.subarray(345, 500)) : '';
  const base = cstr(h.subarray(0, 100));
  return {
    name: pax.get('path') ?? (prefix ? `${prefix}/${base}` : base),
    type: String.fromCharCode(h[156] || 0x30),
    size: pax.has('size') ? Number(pax.get('size')) : tarNumber(h.subarray(124, 136)),
    mode: tarNumber(h.subarray(100, 108)),
    uid: pax.has('uid') ? Number(pax.get('uid')) : tarNumber(h.subarray(108, 116)),
    gid: pax.has('gid') ? Number(pax.get('gid')) : tarNumber(h.subarray(116, 124)),
    mtime: Math.floor(pax.has('mtime') ? Number(pax.get('mtime')) : tarNumber(h.subarray(136, 148))),
    devmajor: tarNumber(h.subarray(329, 337)),
    devminor: tarNumber(h.subarray(337, 345)),
  };
}

/** `dir/name` → `dir/.wh.name`. Pure. */
export function whiteoutEntryName(name: string): string {
  const clean = name.replace(/\/+$/, '');
  const dir = path.posix.dirname(clean);
  const wh = `${WHITEOUT_PREFIX}${path.posix.basename(clean)}`;
  return dir === '.' ? wh : `${dir}/${wh}`;
}

/** The PAX 'x' entry re-encoded without the opaque record; empty when nothing else is left. */
function paxWithoutOpaque(xHeader: Buffer, records: Array<[string, string]>): Buffer[] {
  const kept = records.filter(([k]) => k !== OPAQUE_RECORD);
  if (kept.length === 0) return [];
  const data = Buffer.from(kept.map(([k, v]) => paxRecord(k, v)).join(''), 'utf8');
  return [withSize(xHeader, data.length), data, Buffer.alloc(padded(data.length) - data.length)];
}

/** The rewritten archive. Throws when the input ends inside an entry. */
export async function* convertOverlayTar(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const r = new ByteReader(source);
  let pax: { header: Buffer; data: Buffer; records: Array<[string, string]> } | null = null;
  for (;;) {
    const h = await r.read(BLOCK);
    if (h.length === 0) return;
    if (h.length < BLOCK) throw new Error('tar stream ends inside a header');
    if (h.every((b) => b === 0)) {
      yield h;
      continue;
    }
    const typeflag = String.fromCharCode(h[156]);
    if (typeflag === 'x') {
      const size = tarNumber(h.subarray(124, 136));
      const data = await r.read(padded(size));
      if (data.length < padded(size)) throw new Error('tar stream ends inside a PAX header');
      pax = { header: h, data, records: parsePax(data.subarray(0, size)) };
      continue;
    }
    const records = new Map(pax?.records ?? []);
    const f = headerFields(h, records);
    if (f.type === '3' && f.devmajor === 0 && f.devminor === 0) {
      yield entryHeader({ name: whiteoutEntryName(f.name), type: 'file', mode: 0o600, uid: f.uid, gid: f.gid, mtime: f.mtime, size: 0 });
    } else if (f.type === '5' && records.get(OPAQUE_RECORD) === 'y' && pax) {
      yield* paxWithoutOpaque(pax.header, pax.records);
      yield h;
      const dir = f.name.replace(/\/+$/, '');
      yield entryHeader({
        name: dir ? `${dir}/${OPAQUE_MARKER}` : OPAQUE_MARKER,
        type: 'file',
        mode: f.mode & 0o777,
        uid: f.uid,
        gid: f.gid,
        mtime: f.mtime,
        size: 0,
      });
    } else {
      if (pax) yield Buffer.concat([pax.header, pax.data]);
      yield h;
      yield* copyBytes(r, padded(hasData(f.type) ? f.size : 0));
    }
    pax = null;
  }
}

/** Entry types whose size field counts content blocks that follow. */
function hasData(type: string): boolean {
  return !['1', '2', '3', '4', '5', '6'].includes(type);
}

async function* copyBytes(r: ByteReader, n: number): AsyncGenerator<Buffer> {
  let left = n;
  while (left > 0) {
    const chunk = await r.readSome(Math.min(left, 1 << 20));
    if (chunk.length === 0) throw new Error('tar stream ends inside an entry');
    left -= chunk.length;
    yield chunk;
  }
}

/**
 * A minimal tar writer for archives berth makes itself (save, whiteout
 * helpers). Pure header building plus an async generator of chunks, so the
 * caller streams with back-pressure. Names longer than ustar allows and
 * xattrs go into a PAX extended header ('x'), as GNU tar and Docker read it.
 */
import fs from 'node:fs';

export interface TarEntry {
  /** Relative path inside the archive; directories may end in '/'. */
  name: string;
  type: 'file' | 'dir' | 'symlink' | 'char';
  /** Permission bits (0o7777 mask). */
  mode: number;
  uid?: number;
  gid?: number;
  /** Unix seconds. */
  mtime?: number;
  /** file: the byte count of the content. */
  size?: number;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  /** Written as SCHILY.xattr.<key> PAX records. */
  xattrs?: Record<string, string>;
}

const BLOCK = 512;
const TYPE_FLAG: Record<TarEntry['type'], string> = { file: '0', dir: '5', symlink: '2', char: '3' };

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

function rawHeader(name: string, typeflag: string, e: Omit<TarEntry, 'name' | 'type'> & { size: number }): Buffer {
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, 100, 'utf8');
  h.write(octal(e.mode & 0o7777, 8), 100, 'latin1');
  h.write(octal(e.uid ?? 0, 8), 108, 'latin1');
  h.write(octal(e.gid ?? 0, 8), 116, 'latin1');
  h.write(octal(e.size, 12), 124, 'latin1');
  h.write(octal(Math.max(0, Math.floor(e.mtime ?? 0)), 12), 136, 'latin1');
  h.write('        ', 148, 'latin1');
  h.write(typeflag, 156, 'latin1');
  if (e.linkname) h.write(e.linkname, 157, 100, 'utf8');
  h.write('ustar\u000000', 257, 'latin1');
  h.write(octal(e.devmajor ?? 0, 8), 329, 'latin1');
  h.write(octal(e.devminor ?? 0, 8), 337, 'latin1');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(sum, 7) + ' ', 148, 'latin1');
  return h;
}

/** One PAX record "<len> <key>=<value>\n", where <len> counts itself. */
export function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  const bodyLen = Buffer.byteLength(body);
  const digits = String(bodyLen).length;
  let len = bodyLen + digits;
  // Adding the length's own digits can add a digit (e.g. 98 + 2 = 100).
  if (String(len).length > digits) len += 1;
  return `${len}${body}`;
}

const padding = (size: number) => Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);

/** Header block(s) for `e`: a PAX header first when the name, link or xattrs need one. */
export function entryHeader(e: TarEntry): Buffer {
  const size = e.type === 'file' ? (e.size ?? 0) : 0;
  const records: string[] = [];
  if (Buffer.byteLength(e.name) > 100) records.push(paxRecord('path', e.name));
  if (e.linkname && Buffer.byteLength(e.linkname) > 100) records.push(paxRecord('linkpath', e.linkname));
  for (const [k, v] of Object.entries(e.xattrs ?? {})) records.push(paxRecord(`SCHILY.xattr.${k}`, v));
  const main = rawHeader(e.name, TYPE_FLAG[e.type], { ...e, size });
  if (records.length === 0) return main;
  const pax = Buffer.from(records.join(''), 'utf8');
  const paxName = `PaxHeaders/${e.name.replace(/\/$/, '').split('/').pop() ?? 'x'}`.slice(0, 99);
  return Buffer.concat([rawHeader(paxName, 'x', { mode: 0o644, size: pax.length, mtime: e.mtime }), pax, padding(pax.length), main]);
}

/** Content source of a file entry: bytes, or a path read when the entry is written. */
export type TarContent = Buffer | { path: string };

export interface TarItem {
  entry: TarEntry;
  content?: TarContent;
}

/**
 * The archive as chunks: each header, content (checked to be exactly
 * `entry.size` bytes, so a file that changed underneath fails loudly
 * instead of corrupting the stream) and padding, then two zero blocks.
 */
export async function* tarChunks(items: Iterable<TarItem> | AsyncIterable<TarItem>): AsyncGenerator<Buffer> {
  for await (const { entry, content } of items) {
    yield entryHeader(entry);
    if (entry.type !== 'file') continue;
    const size = entry.size ?? 0;
    let written = 0;
    if (Buffer.isBuffer(content)) {
      written = content.length;
      yield content;
    } else if (content) {
      for await (const chunk of fs.createReadStream(content.path)) {
        written += (chunk as Buffer).length;
        if (written > size) break;
        yield chunk as Buffer;
      }
    }
    if (written !== size) throw new Error(`tar entry ${entry.name}: expected ${size} bytes, read ${written}`);
    yield padding(size);
  }
  yield Buffer.alloc(BLOCK * 2);
}

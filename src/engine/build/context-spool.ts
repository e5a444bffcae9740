/**
 * The uploaded context tar (uncompressed), kept until the build ends so it
 * can be extracted later, only if a step needs the files on disk: in memory
 * up to a limit, beyond it in a file (written once, sequentially).
 */
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { Readable } from 'node:stream';

/** Contexts up to this many bytes stay in memory. */
export const SPOOL_MEMORY_MAX = 64 << 20;

export class ContextSpool {
  private chunks: Buffer[] = [];
  private bytes = 0;
  private file: WriteStream | undefined;

  constructor(
    /** Where the bytes go once they exceed `memoryMax` (a path in a private directory). */
    private readonly filePath: string,
    private readonly memoryMax = SPOOL_MEMORY_MAX,
  ) {}

  async write(chunk: Buffer): Promise<void> {
    if (!this.file && this.bytes + chunk.length <= this.memoryMax) {
      this.chunks.push(chunk);
      this.bytes += chunk.length;
      return;
    }
    if (!this.file) {
      this.file = createWriteStream(this.filePath, { mode: 0o600 });
      for (const c of this.chunks.splice(0)) this.file.write(c);
    }
    if (!this.file.write(chunk)) await once(this.file, 'drain');
  }

  /** Ends writing (flushes the file, if any). */
  async finish(): Promise<void> {
    const f = this.file;
    if (f && !f.closed) await new Promise<void>((resolve, reject) => f.end((err?: Error | null) => (err ? reject(err) : resolve())));
  }

  /** Everything written, from the start. */
  read(): Readable {
    return this.file ? createReadStream(this.filePath, { highWaterMark: 1 << 20 }) : Readable.from(this.chunks, { objectMode: false });
  }

  /** Drops the memory copy (the file goes with its directory). */
  release(): void {
    this.chunks = [];
  }
}

/**
 * Starting a created runc container without running runc. After `runc
 * create`, the container's init process waits, blocked in opening
 * `<runtime root>/<id>/exec.fifo` for writing, until a reader opens it;
 * then it writes one byte and execs the container's command. `runc start`
 * is exactly that reader (open, read the byte, unlink the fifo: runc then
 * reads the container as running), so berthd does it itself and saves a
 * process per start. Its one other duty, noticing an init process that
 * died instead, is kept: while the open waits, the init pid is checked
 * every WATCH_MS and a dead one releases the open with an empty write end.
 *
 * The fifo is runc's own interface between its create and start (runc
 * 1.0+); a runtime without it is started with its `start` verb instead.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';

const WATCH_MS = 50;

/** The fifo of a created container; undefined when the runtime keeps none (started already, or not runc). */
export function execFifoPath(runtimeRoot: string, id: string): string | undefined {
  const fifo = path.join(runtimeRoot, id, 'exec.fifo');
  try {
    return fs.statSync(fifo).isFIFO() ? fifo : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Releases the init process waiting on `fifo`. Resolves once it was told to
 * exec; rejects with runc's words when the process died first or `timeoutMs`
 * passed.
 */
export async function startThroughFifo(fifo: string, initPid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let gaveUp: string | undefined;
  // The open blocks (in the thread pool) until the init process opens its end; the watch unblocks it if that never comes.
  const watch = setInterval(() => {
    if (processAlive(initPid) && Date.now() < deadline) return;
    gaveUp = processAlive(initPid) ? `timed out after ${timeoutMs} ms` : 'container process is already dead';
    releaseReader(fifo);
  }, WATCH_MS);
  try {
    const fd = await openForReading(fifo);
    try {
      const bytesRead = await readOneByte(fd);
      if (bytesRead !== 1) throw new Error(gaveUp ?? 'container process is already dead');
    } finally {
      // Synchronous: closing a fifo's read end never blocks, a round trip through the thread pool costs more.
      fs.closeSync(fd);
    }
    // A command that ends at once may already have had its runtime state deleted by conmon's exit command.
    await fsp.unlink(fifo).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  } finally {
    clearInterval(watch);
  }
}

/** open(2) in the thread pool (it blocks until a writer comes), without a FileHandle's bookkeeping. */
function openForReading(file: string): Promise<number> {
  return new Promise((resolve, reject) => fs.open(file, 'r', (err, fd) => (err ? reject(err) : resolve(fd))));
}

/** One read(2) of one byte in the thread pool; resolves with the bytes read (0 at end of file). */
function readOneByte(fd: number): Promise<number> {
  return new Promise((resolve, reject) => fs.read(fd, Buffer.alloc(1), 0, 1, null, (err, n) => (err ? reject(err) : resolve(n))));
}

/** A write end opened and closed at once: the waiting reader sees end of file. */
function releaseReader(fifo: string): void {
  try {
    fs.closeSync(fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK));
  } catch {
    // No reader waits (ENXIO) or the fifo is gone: nothing to release.
  }
}

/** True while `pid` exists and is not a zombie. */
function processAlive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/**
 * Big output and slow clients: 20 clients attached to one container that
 * writes 50 MB (more than the 32 MiB log cap, so conmon replaces the log
 * file under the followers) all get every byte; a 21st client that stops
 * reading is disconnected with a warning (a few seconds after its unsent
 * bytes stopped shrinking), berthd's memory stays bounded and the
 * container finishes.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, type Hash } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import { create, verb, waitExit } from './helpers/api.js';
import { eventually, skipUnlessRoot } from './helpers/docker-cli.js';
import { useDaemon } from './helpers/suite.js';

const TOTAL = 50_000_000;
const LINE = `${'0'.repeat(999)}\n`;

/** An attach client that demultiplexes as bytes arrive and keeps only a hash and a count. */
class CountingClient {
  readonly sock: net.Socket;
  readonly closed: Promise<void>;
  headerSeen = false;
  payload = 0;
  received = 0;
  readonly hash: Hash = createHash('sha256');
  #pending: Buffer = Buffer.alloc(0);
  #frameLeft = 0;

  constructor(socketPath: string, cid: string) {
    this.sock = net.connect({ path: socketPath });
    this.sock.on('error', () => undefined);
    this.closed = new Promise((r) => this.sock.on('close', () => r()));
    this.sock.on('data', (c: Buffer) => this.#take(c));
    this.sock.write(`POST /v1.41/containers/${cid}/attach?stream=1&stdout=1&stderr=1 HTTP/1.1\r\nHost: berth\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n`);
  }

  #take(chunk: Buffer): void {
    this.received += chunk.length;
    let buf: Buffer = this.#pending.length ? Buffer.concat([this.#pending, chunk]) : chunk;
    if (!this.headerSeen) {
      const at = buf.indexOf('\r\n\r\n');
      if (at < 0) return void (this.#pending = buf);
      this.headerSeen = true;
      buf = buf.subarray(at + 4);
    }
    let off = 0;
    while (off < buf.length) {
      if (this.#frameLeft === 0) {
        if (buf.length - off < 8) break;
        this.#frameLeft = buf.readUInt32BE(off + 4);
        off += 8;
        continue;
      }
      const n = Math.min(this.#frameLeft, buf.length - off);
      this.hash.update(buf.subarray(off, off + n));
      this.payload += n;
      this.#frameLeft -= n;
      off += n;
    }
    this.#pending = Buffer.from(buf.subarray(off));
  }
}

function expectedHash(): string {
  const hash = createHash('sha256');
  const block = Buffer.from(LINE.repeat(1000));
  for (let i = 0; i < TOTAL / block.length; i++) hash.update(block);
  return hash.digest('hex');
}

/** `p`, or a rejection naming `what` after `ms` (the timer does not outlive it). */
async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms)));
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0);
}

describe('attach with big output', { skip: skipUnlessRoot(), timeout: 240_000 }, () => {
  const d = useDaemon();

  /** One round: 20 readers and one that stops reading; returns berthd's peak RSS growth in MB. */
  async function round(): Promise<number> {
    const cid = await create(d, { Cmd: ['sh', '-c', `yes "$(printf %0999d 0)" | head -c ${TOTAL}`] });
    const clients = Array.from({ length: 20 }, () => new CountingClient(d.socket, cid));
    const slow = new CountingClient(d.socket, cid);
    const slowWarning = new RegExp(`"container":"${cid}"[^\\n]*too slow|too slow[^\\n]*"container":"${cid}"`);
    await eventually('all attached', () => [...clients, slow].every((c) => c.headerSeen), { timeoutMs: 10_000, intervalMs: 20 });
    slow.sock.pause();
    const rssBefore = rssKb(d.pid);
    let rssPeak = rssBefore;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rssKb(d.pid))), 100);
    try {
      await verb(d, cid, 'start');
      assert.equal(await waitExit(d, cid), 0, 'the container finished while a client did not read');
      await within(Promise.all(clients.map((c) => c.closed)), 120_000, 'the clients to finish');
      // A client that stopped reading is dropped once its unsent bytes have not shrunk for a few seconds.
      await eventually('the slow client dropped with a warning', () => slowWarning.test(d.logs()), { timeoutMs: 20_000, intervalMs: 100 });
    } finally {
      clearInterval(sampler);
    }
    const want = expectedHash();
    for (const c of clients) {
      assert.equal(c.payload, TOTAL);
      assert.equal(c.hash.copy().digest('hex'), want);
    }
    slow.sock.resume();
    await within(slow.closed, 15_000, 'the slow client to be dropped');
    assert.ok(slow.payload < TOTAL, `the slow client did not get everything (${slow.payload})`);
    await d.request('DELETE', `/containers/${cid}`);
    return (rssPeak - rssBefore) / 1024;
  }

  test('20 clients get all 50 MB across the log cap; a client that stops reading is dropped, berthd stays bounded', async () => {
    // The first round grows V8's heap to its working size (40-100 MB here, garbage-collection slack
    // of 20 readers); bounded means a second round of the same adds nothing much on top.
    const first = await round();
    const second = await round();
    console.log(`berthd RSS growth: first round ${first.toFixed(1)} MB, second ${second.toFixed(1)} MB`);
    assert.ok(second < 64, `berthd grew by ${second.toFixed(1)} MB in the second round`);
  });
});

/**
 * The log follower survives rotation: a fresh file renamed over the log
 * (conmon's own cap), a file truncated in place, and berth's rotation
 * (ctr.log renamed to ctr.log.<seq>) are all followed from their start,
 * and nothing the old file still held is lost.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LogCursor } from '../../src/engine/containers/log-cursor.js';
import { readLog } from '../../src/engine/containers/log-reader.js';
import { lastRecords } from '../../src/engine/containers/log-tail.js';
import { filesToDelete, LogPins } from '../../src/engine/containers/log-pins.js';

const line = (text: string) => `2024-01-02T03:04:05.000000000+00:00 stdout F ${text}\n`;

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-log-reader-'));
  try {
    await fn(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Follows `file` until `done` is set and the reader caught up; returns the contents seen. */
function follow(file: string, state: { done: boolean }): Promise<string[]> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), 10_000);
  return (async () => {
    const seen: string[] = [];
    for await (const r of readLog(file, { from: 0, follow: true, joinPartials: false, isDone: () => state.done, signal: ac.signal })) {
      seen.push(r.data.toString().replace(/\n$/, ''));
    }
    clearTimeout(timer);
    return seen;
  })();
}

const tick = (ms = 50) => new Promise((r) => setTimeout(r, ms));

/** Polls `ok` every 5 ms; rejects naming `what` after 10 s. */
async function until(what: string, ok: () => boolean): Promise<void> {
  for (const deadline = Date.now() + 10_000; !ok(); await tick(5)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
  }
}

test('a file renamed over the log: the old tail, then the new file from its start', async () => {
  await withDir(async (dir) => {
    const file = path.join(dir, 'ctr.log');
    fs.writeFileSync(file, line('a1') + line('a2'));
    const state = { done: false };
    const seen = follow(file, state);
    await tick();
    // What conmon does at the cap: the old file gets its last write, then a fresh one replaces it.
    fs.appendFileSync(file, line('a3'));
    fs.writeFileSync(`${file}.tmp`, line('b1'));
    fs.renameSync(`${file}.tmp`, file);
    await tick(400);
    fs.appendFileSync(file, line('b2'));
    fs.writeFileSync(`${file}.tmp`, line('c1'));
    fs.renameSync(`${file}.tmp`, file);
    state.done = true;
    assert.deepEqual(await seen, ['a1', 'a2', 'a3', 'b1', 'b2', 'c1']);
  });
});

test('a file truncated in place below the position is read again from 0', async () => {
  await withDir(async (dir) => {
    const file = path.join(dir, 'ctr.log');
    fs.writeFileSync(file, line('x'.repeat(200)));
    const state = { done: false };
    const seen = follow(file, state);
    await tick();
    fs.truncateSync(file, 0);
    fs.appendFileSync(file, line('y'));
    await tick(400);
    state.done = true;
    assert.deepEqual(await seen, ['x'.repeat(200), 'y']);
  });
});

test('a start offset past the end of a replaced file starts at 0; a missing file yields nothing', async () => {
  await withDir(async (dir) => {
    const file = path.join(dir, 'ctr.log');
    fs.writeFileSync(file, line('new'));
    const ac = new AbortController();
    const got: string[] = [];
    for await (const r of readLog(file, { from: 10_000, follow: false, joinPartials: false, isDone: () => true, signal: ac.signal }))
      got.push(r.data.toString().replace(/\n$/, ''));
    assert.deepEqual(got, ['new']);
    for await (const _ of readLog(path.join(dir, 'none.log'), { from: 0, follow: true, joinPartials: false, isDone: () => true, signal: ac.signal }))
      assert.fail('no records');
  });
});

/** What berth's rotation does: the current file renamed to ctr.log.<seq>, then conmon makes a fresh one. */
function rotate(file: string, seq: number, first: string): void {
  fs.renameSync(file, `${file}.${seq}`);
  fs.writeFileSync(`${file}.tmp`, line(first));
  fs.renameSync(`${file}.tmp`, file);
}

test('berth rotation: a follower that falls two rotations behind reads every file in order, its pin keeps them', async () => {
  await withDir(async (dir) => {
    const file = path.join(dir, 'ctr.log');
    fs.writeFileSync(file, line('a1'));
    const pins = new LogPins();
    const ac = new AbortController();
    const state = { done: false };
    const seen: string[] = [];
    const reader = readLog(file, { from: 'oldest', pins, follow: true, joinPartials: false, isDone: () => state.done, signal: ac.signal });
    const first = await reader.next();
    seen.push(String(first.value?.data).trim());
    // Two rotations while the reader is not reading; pruning to max-file 1 would delete ctr.log.1 unless pinned.
    fs.appendFileSync(file, line('a2'));
    rotate(file, 1, 'b1');
    rotate(file, 2, 'c1');
    assert.deepEqual(filesToDelete([1, 2], 1, pins.lowestNeed(file)).remove, [], 'the unread files are pinned');
    state.done = true;
    for await (const r of reader) seen.push(r.data.toString().trim());
    assert.deepEqual(seen, ['a1', 'a2', 'b1', 'c1']);
    assert.equal(pins.lowestNeed(file), Infinity, 'the pin is released');
  });
});

test('without follow, the kept files are read oldest first, then ctr.log', async () => {
  await withDir(async (dir) => {
    const file = path.join(dir, 'ctr.log');
    fs.writeFileSync(`${file}.7`, line('x'));
    fs.writeFileSync(`${file}.12`, line('y'));
    fs.writeFileSync(file, line('z'));
    const got: string[] = [];
    for await (const r of readLog(file, { from: 'oldest', follow: false, joinPartials: false, isDone: () => true, signal: new AbortController().signal }))
      got.push(r.data.toString().trim());
    assert.deepEqual(got, ['x', 'y', 'z']);
  });
});

test('a line longer than the read buffer arrives whole, and the lines around it too', async () => {
  await withDir(async (dir) => {
    const file = path.join(dir, 'ctr.log');
    const long = 'L'.repeat(700 * 1024); // more than the reader's 256 KiB buffer: it grows
    fs.writeFileSync(file, line('before') + line(long) + line('after'));
    const got: string[] = [];
    for await (const r of readLog(file, { from: 'oldest', follow: false, joinPartials: false, isDone: () => true, signal: new AbortController().signal }))
      got.push(r.data.toString().trim());
    assert.deepEqual(got, ['before', long, 'after']);
  });
});

test('a follower reuses its buffer: a line written in two writes, and a partial piece kept across reads, stay intact', async () => {
  await withDir(async (dir) => {
    const file = path.join(dir, 'ctr.log');
    const piece = (stream: string, tag: 'P' | 'F', text: string) => `2024-01-02T03:04:05.000000000+00:00 ${stream} ${tag} ${text}\n`;
    fs.writeFileSync(file, line('first'));
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), 10_000);
    const state = { done: false };
    const seen: string[] = [];
    const reading = (async () => {
      for await (const r of readLog(file, { from: 0, follow: true, joinPartials: true, isDone: () => state.done, signal: ac.signal }))
        seen.push(r.data.toString());
    })();
    await tick();
    // Half a line, then its rest: the unfinished half moves to the front of the buffer between reads.
    const split = line('zzzzzzzzzz-split');
    fs.appendFileSync(file, split.slice(0, 30));
    await tick();
    fs.appendFileSync(file, split.slice(30));
    await tick();
    // A partial piece, then other lines that overwrite the buffer, then the piece's end.
    fs.appendFileSync(file, piece('stdout', 'P', 'joined-'));
    await tick();
    fs.appendFileSync(file, piece('stderr', 'F', 'between'));
    await tick();
    fs.appendFileSync(file, piece('stdout', 'F', 'end'));
    await tick();
    state.done = true;
    await reading;
    clearTimeout(timer);
    assert.deepEqual(seen, ['first\n', 'zzzzzzzzzz-split\n', 'between\n', 'joined-end\n']);
  });
});

test('--tail joins a line whose pieces a rotation put in two files', async () => {
  await withDir(async (dir) => {
    const file = path.join(dir, 'ctr.log');
    fs.writeFileSync(`${file}.1`, line('a') + '2024-01-02T03:04:05.000000000+00:00 stdout P 4968\n');
    fs.writeFileSync(file, line('3') + line('b'));
    const cursor = (await LogCursor.open(file, 'end'))!;
    try {
      const got = (n: number) => lastRecords(file, cursor, n).then((rs) => rs.map((r) => r.data.toString().trim()));
      assert.deepEqual(await got(2), ['49683', 'b']);
      assert.deepEqual(await got(3), ['a', '49683', 'b']);
    } finally {
      await cursor.close();
    }
  });
});

test('each engine hint gets a signal of its own, aborted once it came: a long follow leaves no listener behind', async () => {
  await withDir(async (dir) => {
    const file = path.join(dir, 'ctr.log');
    fs.writeFileSync(file, line('a1'));
    const hints: AbortSignal[] = [];
    let fire = () => {};
    const changed = (signal: AbortSignal) => {
      hints.push(signal);
      return new Promise<void>((resolve) => (fire = resolve));
    };
    const state = { done: false };
    const ac = new AbortController();
    const reading = (async () => {
      const seen: string[] = [];
      for await (const r of readLog(file, { from: 0, follow: true, joinPartials: false, isDone: () => state.done, changed, signal: ac.signal }))
        seen.push(r.data.toString().trim());
      return seen;
    })();
    // Waits for the reader's steps, not for fixed times: a loaded machine may take long between them.
    try {
      await until('the first hint', () => hints.length === 1);
      for (let i = 0; i < 3; i++) {
        fire();
        await until(`hint ${i + 2}`, () => hints.length === i + 2);
      }
      assert.deepEqual(
        hints.map((s) => s.aborted),
        [true, true, true, false],
        'the hints that came are let go; the armed one is live',
      );
      state.done = true;
      fire();
      assert.deepEqual(await reading, ['a1']);
      await until('closing the reader to let the last hint go', () => hints.every((s) => s.aborted));
    } finally {
      ac.abort(); // a failed step must not leave the follow running (the test file would never end)
    }
  });
});

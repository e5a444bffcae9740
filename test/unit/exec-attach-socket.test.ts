/** The attach-socket client against a SEQPACKET server standing in for conmon, and the sync-pipe reader. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { SeqpacketServer, type SeqpacketSocket } from 'node-unix-socket';
import { AttachSocket, parseAttachMessage, splitStdin } from '../../src/engine/runtime/attach-socket.js';
import { SyncReader } from '../../src/engine/runtime/conmon-exec.js';

test('parseAttachMessage: stream id byte 2/3, others ignored', () => {
  assert.deepEqual(parseAttachMessage(Buffer.from('\x02hi')), { stream: 'stdout', data: Buffer.from('hi') });
  assert.deepEqual(parseAttachMessage(Buffer.from('\x03err')), { stream: 'stderr', data: Buffer.from('err') });
  assert.equal(parseAttachMessage(Buffer.from('\x01x')), null);
  assert.equal(parseAttachMessage(Buffer.from('\x02')), null);
});

test('splitStdin: messages of at most 32768 bytes', () => {
  assert.deepEqual(splitStdin(Buffer.alloc(0)), []);
  assert.deepEqual(
    splitStdin(Buffer.alloc(70000)).map((b) => b.length),
    [32768, 32768, 4464],
  );
});

test('AttachSocket: frames in order over a long directory path, stdin and half-close reach the server', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-attach-'));
  const dir = path.join(root, 'x'.repeat(100), 'y'.repeat(40));
  fs.mkdirSync(dir, { recursive: true });
  const server = new SeqpacketServer();
  // Bind through the same /proc/self/fd trick: the real path is longer than sun_path.
  const dirFd = fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  server.listen(`/proc/self/fd/${dirFd}/attach`);
  fs.closeSync(dirFd);
  const received: Buffer[] = [];
  const serverEnd = new Promise<void>((resolve) => {
    server.on('connection', (peer: SeqpacketSocket) => {
      peer.on('data', (b: Buffer) => {
        received.push(Buffer.from(b));
        if (Buffer.concat(received).toString() === 'input') {
          peer.write(Buffer.from('\x02out'));
          peer.write(Buffer.from('\x03err'));
          peer.end();
        }
      });
      peer.on('end', resolve);
    });
  });
  try {
    const socket = await AttachSocket.connect(dir);
    await socket.write(Buffer.from('input'));
    const frames = [];
    for await (const f of socket) frames.push({ stream: f.stream, data: f.data.toString() });
    assert.deepEqual(frames, [
      { stream: 'stdout', data: 'out' },
      { stream: 'stderr', data: 'err' },
    ]);
    socket.endStdin();
    await serverEnd;
    socket.close();
  } finally {
    server.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('AttachSocket.connect rejects when nothing listens', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-attach-'));
  try {
    await assert.rejects(AttachSocket.connect(dir));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('SyncReader: split and joined JSON lines, then an error at end', async () => {
  const pipe = new PassThrough();
  const reader = new SyncReader(pipe);
  pipe.write('{"data":');
  pipe.write('42}\n{"data":7}\n');
  assert.deepEqual(await reader.next(1000, 'pid'), { data: 42 });
  assert.deepEqual(await reader.next(Infinity, 'exit'), { data: 7 });
  pipe.end();
  await assert.rejects(reader.next(1000, 'more'), /closed the pipe/);
  const silent = new SyncReader(new PassThrough());
  await assert.rejects(silent.next(20, 'pid'), /in time/);
});

test('readExecLog: k8s-file records back to output chunks', async () => {
  const { readExecLog } = await import('../../src/engine/exec/run-session.js');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-execlog-'));
  const file = path.join(dir, 'exec.log');
  fs.writeFileSync(file, ['2026-11-28T10:37:10.001256116+00:00 stdout F hi', '2026-11-28T10:37:10.001256116+00:00 stderr P part', 'garbage', ''].join('\n'));
  try {
    const chunks = (await readExecLog(file)).map((c) => [c.stream, c.data.toString()]);
    assert.deepEqual(chunks, [
      ['stdout', 'hi\n'],
      ['stderr', 'part'],
    ]);
    assert.deepEqual(await readExecLog(path.join(dir, 'missing')), []);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Deframer } from '../../bench/docker-client.js';

function frame(stream: number, payload: string): Buffer {
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(Buffer.byteLength(payload), 4);
  return Buffer.concat([header, Buffer.from(payload)]);
}

test('the benchmark counts payload bytes however the stream is cut', () => {
  const stream = Buffer.concat([frame(1, 'hello\n'), frame(2, 'oops\n'), frame(1, ''), frame(1, 'x'.repeat(300))]);
  const payload = 6 + 5 + 0 + 300;
  for (const size of [1, 3, 7, 8, 9, 13, 64, stream.length]) {
    const d = new Deframer();
    for (let i = 0; i < stream.length; i += size) d.push(stream.subarray(i, i + size));
    assert.equal(d.payloadBytes, payload, `chunks of ${size}`);
  }
});
